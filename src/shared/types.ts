/** Domain types shared by the engine and every front end (CLI, HTTP, IPC, renderer). */

export type ChunkKind = 'function' | 'class' | 'method' | 'block' | 'text';

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


export type SearchMode = 'lexical' | 'regex';

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
}

export interface SkippedFile {
  folder: string;
  path: string;
  reason: SkipReason;
  detail: string;
}

export interface StatusReport {
  folders: FolderStatus[];
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
}

export interface SearchResult {
  hits: SearchHit[];
  /** Wall time of the search in milliseconds. */
  tookMs: number;
}

export type IndexPhase = 'scanning' | 'indexing' | 'done';

export interface IndexProgress {
  folder: string;
  phase: IndexPhase;
  filesTotal: number;
  filesDone: number;
  bytesDone: number;
  elapsedMs: number;
  filesPerSecond: number;
  etaMs: number | null;
}

export interface IndexSummary {
  folder: string;
  filesSeen: number;
  filesIndexed: number;
  filesUnchanged: number;
  filesDeleted: number;
  filesSkipped: number;
  chunksWritten: number;
  elapsedMs: number;
}
