/** Domain types shared by the engine and every front end (CLI, HTTP, IPC, renderer). */

/** `comment`: mostly comments that document no definition, in a code file, defining nothing; `text`: a line window of a file with no syntax tree. */
export type ChunkKind = 'function' | 'class' | 'method' | 'block' | 'comment' | 'text';

/** Why a path was left out of the index; listed by `quarry skipped`. */
export type SkipReason =
  | 'binary'
  | 'too-large'
  | 'minified'
  | 'invalid-encoding'
  | 'unreadable'
  | 'vanished'
  | 'symlink-loop'
  | 'not-a-file'
  /** Processing failed unexpectedly; retried on every index run. */
  | 'failed';


export type SearchMode = 'hybrid' | 'semantic' | 'lexical' | 'regex';

export interface FolderInfo {
  id: number;
  name: string;
  root: string;
  addedAt: number;
  /** Commit the folder was last indexed at, when it is a git work tree. */
  gitHead: string | null;
  lastIndexedAt: number | null;
}

export interface FolderStatus extends FolderInfo {
  files: number;
  chunks: number;
  skipped: number;
  sourceBytes: number;
  /** Chunks with a vector of any tier in use: what semantic search can rank. */
  embedded: number;
  /** embedded / chunks, 0..1 (1 for an empty folder). */
  embeddingCoverage: number;
  /** Chunks with a vector of each tier's model: the fast (static) tier and the transformer tier. */
  tiers: Array<{ tier: EmbeddingTier; modelId: string; embedded: number }>;
}

/** Why the transformer tier leaves a file's chunks to the fast tier. */
export type LeftOutReason = 'vendored' | 'generated' | 'fixture';

/** fast: a static model that covers a folder in seconds; full: the transformer, filling in behind. */
export type EmbeddingTier = 'fast' | 'full';

/** Which model embeds, where it runs, and why not where it was asked to. */
export interface EmbedderInfo {
  modelId: string;
  dims: number;
  dtype: string;
  /** The device inference runs on: 'webgpu' or 'cpu'. */
  device: string;
  /** Why a preferred device was not used, or null. */
  fallbackReason: string | null;
}

export interface SkippedFile {
  folder: string;
  path: string;
  reason: SkipReason;
  detail: string;
}

export interface StatusReport {
  folders: FolderStatus[];
  /** The transformer tier's model, or null when it is off. */
  model: EmbedderInfo | null;
  /** The fast tier's (static) model, or null when it is off. */
  fastModel: EmbedderInfo | null;
  /** Why semantic search is off, when it is. */
  modelUnavailable: string | null;
  /**
   * Chunks the transformer tier leaves to the fast tier (or lexical-only without one), by reason:
   * vendored, generated and fixture files. Empty when it embeds everything or is off.
   */
  embeddingLeftOut: Partial<Record<LeftOutReason, number>>;
  caches: CacheStats[];
  /**
   * The embedding cache. Since the store was created: vectors computed, chunks whose vector was
   * already stored, texts the model failed on, and vectors evicted because no chunk held their
   * text any more. Now: vectors for the model in use (entries, bytes), and vectors of other models
   * (invalidated by a model change; kept in case it changes back).
   */
  embeddings: {
    computed: number;
    cacheHits: number;
    failed: number;
    evicted: number;
    entries: number;
    bytes: number;
    otherModels: number;
  };
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Bytes of the database and its write-ahead log on disk. */
  indexBytes: number;
  dataDir: string;
}

export interface SnippetLine {
  lineNumber: number;
  text: string;
  /** Half-open [start, end) UTF-16 offsets of matches within `text`. */
  highlights: Array<[number, number]>;
}

/** One piece of evidence behind a hit's place, in words a person reads: what matched, and how. */
export interface HitSignal {
  kind: 'text' | 'definition' | 'path' | 'doc' | 'semantic';
  detail: string;
}

/** Where the prose that explains a hit is: it named the hit's definition. */
export interface HitExplanation {
  path: string;
  startLine: number;
}

export interface SearchHit {
  folder: string;
  /** Path relative to the folder root, with forward slashes. */
  path: string;
  language: string;
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  symbol: string | null;
  score: number;
  snippet: SnippetLine[];
  /** Further matching chunks of the same file folded into this hit. */
  moreInFile: number;
  /** 0 to 100: the score against the best hit of its result set, comparable within it. */
  relevance: number;
  signals: HitSignal[];
  /** Prose that names this hit's definition and lent it score, shown beside it; null if none did. */
  explainedBy: HitExplanation | null;
}

/** Milliseconds per stage of a search (0 for stages it did not need). */
export interface SearchTimings {
  parse: number;
  lexical: number;
  embed: number;
  vector: number;
  fuse: number;
  /** Fetching text and building snippets for the hits. */
  snippets: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Wall time of the search in milliseconds. */
  tookMs: number;
  mode: SearchMode;
  /** Share of the searched chunks that have vectors (semantic and hybrid), 0..1. */
  embeddingCoverage: number | null;
  /** Opaque: pass it back with the same query for the next page; null on the last page. */
  cursor: string | null;
  /** The index generation the results reflect; every page of one search reflects the same one. */
  generation: number;
  /** A first, lexical-only answer to a hybrid search, which the fused result will replace. */
  partial: boolean;
  /** Stage timings of the search that produced these results (the first page's, when cached). */
  timings: SearchTimings;
  /** Whether the ranked results and the query vector came from cache. */
  cache: { results: boolean; queryVector: boolean | null };
  /** Where the time went, what each stage handled, and what would make this search faster or fuller. */
  profile: SearchProfile;
}

export type SearchStage = keyof SearchTimings;

export type SearchAdviceCode =
  /** A regex with no literal the index can use: every chunk in scope was scanned. */
  | 'regex-without-literal'
  /** A regex RE2 cannot run (lookbehind, backreferences): every candidate was checked in JavaScript. */
  | 'regex-javascript-only'
  /** A quoted phrase needed a scan of every chunk's text. */
  | 'phrase-scan'
  /** Many candidates, spread over folders or languages, that a repo: or lang: filter would cut. */
  | 'filter-would-narrow'
  /** Some chunks have no vector yet, so the semantic ranking cannot return them. */
  | 'embeddings-incomplete';

/** A recommendation worked out from one search's measured stages and counts. */
export interface SearchAdvice {
  code: SearchAdviceCode;
  message: string;
}

/** A search's profile. On a cached result it is the profile of the search that ranked it. */
export interface SearchProfile {
  /** The stage that took longest, or null when no stage took measurable time. */
  dominantStage: SearchStage | null;
  /** That stage's share of the summed stage times, 0..1. */
  dominantShare: number;
  /** What each stage handled; null for a stage that did not run. */
  counts: {
    /** Chunks in the index. */
    indexedChunks: number;
    /** Chunks that hold the query's phrases (and pass its filters): the text scan's result; null without phrases. */
    phraseChunks: number | null;
    /** Chunks the lexical ranking scored: those holding at least one of the query's terms. */
    lexicalCandidates: number | null;
    /** Chunks the regex search read and checked with JavaScript's engine. */
    regexChunksChecked: number | null;
    /** Vectors the semantic ranking compared with the query vector. */
    vectorsCompared: number | null;
    /** Distinct folders and languages among the ranked hits. */
    hitFolders: number;
    hitLanguages: number;
  };
  /** Regex searches: what narrowed the scan (postings of whole identifiers, substrings, or nothing), and whether RE2 ran in SQL. */
  regex: { prefilter: 'identifiers' | 'substrings' | 'none'; re2: boolean } | null;
  /** null: measured by this search. A cached result: how long ago its search ran (its figures are that search's). */
  cachedAgeMs: number | null;
  advice: SearchAdvice[];
}

/**
 * Why a cache dropped an entry: a new index generation, a model switch, the file it stood for
 * changed or vanished, its time to live, a manual clear, or room (`size`).
 */
export type CacheInvalidationCause = 'generation' | 'model' | 'fileChange' | 'ttl' | 'manual' | 'size';

/**
 * What can be done to a cache: `clear` it, `invalidate` only the entries no longer valid,
 * `configure` its size and TTL, `warm` it, or `gc` what nothing uses.
 */
export type CacheAction = 'clear' | 'invalidate' | 'configure' | 'warm' | 'gc';

/** One of the engine's caches: its counters, size, settings and what it offers. */
export interface CacheStats {
  name: string;
  /** memory: held by the engine process, gone at a restart; stored: rows of the index. */
  kind: 'memory' | 'stored';
  hits: number;
  misses: number;
  entries: number;
  /** Bytes held: stored vectors' count times their size; estimated from the values for the others. */
  bytes: number;
  /** null: bounded by what is indexed, not by a setting. */
  maxEntries: number | null;
  /** null: entries live until dropped for another cause. */
  ttlSeconds: number | null;
  /** Entries dropped, by cause. */
  invalidations: Record<CacheInvalidationCause, number>;
  actions: CacheAction[];
}

/** scanning: walking (and already indexing what it found); parsing: re-chunking the fast pass's files along the syntax tree. */
export type IndexPhase = 'scanning' | 'indexing' | 'parsing' | 'embedding' | 'done';

export interface IndexProgress {
  folder: string;
  phase: IndexPhase;
  /** What `done` and `total` count: files while indexing, chunk texts while embedding. */
  unit: 'files' | 'chunks';
  total: number;
  done: number;
  bytesDone: number;
  elapsedMs: number;
  /** Units per second in this phase. */
  rate: number;
  etaMs: number | null;
}

export interface IndexSummary {
  folder: string;
  filesSeen: number;
  filesIndexed: number;
  filesUnchanged: number;
  /** Of the unchanged files, those not even read: their size and time were as recorded. */
  filesUnchangedByStamp: number;
  filesDeleted: number;
  filesSkipped: number;
  /**
   * This run's skipped files by reason: the ones counted in filesSkipped, plus any the syntax
   * pass could not re-read. Absent from summaries not made by an index run.
   */
  skippedByReason?: Partial<Record<SkipReason, number>>;
  chunksWritten: number;
  /** Vectors computed in this run, and chunks whose text already had one. */
  embeddingsComputed: number;
  embeddingCacheHits: number;
  /** Chunk texts the model failed on twice (recorded with the reason, not retried). */
  embeddingsFailed: number;
  /**
   * The same three counts per embedding pass the run made, under that pass's model, fast tier
   * first (the totals above add them up). Empty for a lexical-only run; absent from summaries
   * not made by an index run.
   */
  embeddingsByModel?: Array<{ model: string; tier: EmbeddingTier; computed: number; cacheHits: number; failed: number }>;
  elapsedMs: number;
  /** The files that took longest to read, decode, chunk and tokenize, slowest first (a few). */
  slowestFiles: SlowFile[];
}

export interface SlowFile {
  path: string;
  ms: number;
  bytes: number;
}

/** An embedding model's id is a folder name in the models folder, never a path (so not `.` or `..`). */
export const MODEL_ID_PATTERN = /^(?!\.+$)[\w.-]+$/;
