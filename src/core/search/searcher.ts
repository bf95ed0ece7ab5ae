import { createHash } from 'node:crypto';
import { QuarryError } from '../../shared/errors.js';
import { embeddedShare } from '../../shared/coverage.js';
import { QUERY_VECTOR_CACHE, RESULT_CACHE } from '../caches.js';
import type { CacheInvalidationCause, CacheStats, SearchHit, SearchMode, SearchProfile, SearchResult, SearchTimings } from '../../shared/types.js';
import type { Embedder } from '../embedding/embedder.js';
import type { ModelPack } from '../embedding/model-pack.js';
import { parseQuery, type ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { admissibleChunks, namingStrength, rankedHits, rankLexical, type RankedChunk } from './lexical.js';
import { Lru, type CacheSettings } from './lru.js';
import { profileSearch, type FolderEmbedding, type RegexScan, type StageCounts } from './profile.js';
import { regexSearch } from './regex.js';
import { fuse, mergeTiers, rankSemantic, semanticText, type SemanticHit } from './semantic.js';
import type { VectorIndex } from './vector-index.js';

/** What a tier needs of its model: the key its vectors are stored under, and their size. */
export type VectorModel = Pick<ModelPack, 'modelId' | 'key' | 'dims'>;
export type SemanticSetup = { pack: VectorModel; embedder: Embedder } | { unavailable: string };
type Tier = Extract<SemanticSetup, { pack: VectorModel }>;

export interface SearchRequest {
  input: string;
  /** Default: hybrid when a model is available, else lexical. */
  mode?: SearchMode;
  limit?: number;
  /** From the previous page's result, with the same input and mode. */
  cursor?: string;
  /** Recompute even if the ranking is cached (a refresh; benchmarks of uncached latency). */
  fresh?: boolean;
}

/**
 * How long a ranking of an older index generation is kept for the cursors paging through it: 10
 * minutes, and no more than 8 generations back (a watcher re-indexing each save moves on fast).
 */
const CURSOR_GRACE_MS = 10 * 60_000;
const CURSOR_GRACE_GENERATIONS = 8;
/** How often, at most, an unchanged index's old rankings are checked against the clock. */
const DROP_CHECK_MS = 60_000;

/** One search's ranked hits at one index generation, from which pages are sliced. */
interface ResultSet {
  mode: SearchMode;
  hits: SearchHit[];
  /** Fewer hits were found than were asked for: there are no more. */
  complete: boolean;
  embeddingCoverage: number | null;
  timings: SearchTimings;
  profile: SearchProfile;
  /** performance.now() when it was ranked, for the age of a cached result's profile. */
  rankedAt: number;
}

interface Cursor {
  /** Generation the pages come from. */
  g: number;
  /** Offset of the next page. */
  o: number;
  /** Fingerprint of the input and mode, so a cursor cannot continue another search. */
  q: string;
}

const MAX_LIMIT = 1000;
/** Hits ranked up front, as pages to come: more than one page, so paging rarely recomputes. */
const WINDOW_PAGES = 3;
const MIN_WINDOW = 60;
const RESULT_SETS = 64;
const QUERY_VECTORS = 256;

/**
 * Search front door: parses, runs the mode's pipeline, and owns the caches (query vectors;
 * ranked results per index generation) and cursor pagination. A cursor pins the generation its
 * first page saw, so later pages stay consistent while indexing goes on.
 */
export class Searcher {
  private readonly results = new Lru<string, ResultSet>(RESULT_CACHE, RESULT_SETS, (key, set) => key.length * 2 + resultSetBytes(set));
  /** Keyed by the model's key and the text: each tier has its own query vector. */
  private readonly queryVectors = new Lru<string, Promise<Float32Array>>(QUERY_VECTOR_CACHE, QUERY_VECTORS, (key) => key.length * 2 + this.vectorBytes(key));

  /**
   * `semantic`: the transformer tier, the better vectors; `fast`: the static tier, which covers a
   * folder in seconds. A chunk is judged by the best its text has.
   */
  constructor(
    private readonly store: Store,
    private semantic: SemanticSetup,
    private fast: SemanticSetup = { unavailable: 'no fast model' },
    /** The path pattern of files no tier in use embeds (left lexical-only), kept out of coverage. */
    private readonly uncovered: () => string | null = () => null,
  ) {}

  cacheStats(): CacheStats[] {
    return [this.results.stats(['clear', 'invalidate', 'configure', 'warm']), this.queryVectors.stats(['clear', 'invalidate', 'configure'])];
  }

  /**
   * Searches with another model from now on: its query vectors and the rankings it took part in
   * (semantic and hybrid) are dropped as invalidated by the switch; lexical rankings stay.
   */
  useEmbedding(semantic: SemanticSetup): void {
    this.dropModel(this.semantic);
    this.semantic = semantic;
  }

  /** The same for the fast tier's model. */
  useFastEmbedding(fast: SemanticSetup): void {
    this.dropModel(this.fast);
    this.fast = fast;
  }

  private dropModel(previous: SemanticSetup): void {
    if ('pack' in previous) this.queryVectors.invalidate('model', (key) => key.startsWith(`${previous.pack.key}\0`));
    this.results.invalidate('model', (key) => /\0(?:semantic|hybrid)\0/.test(key));
  }

  /**
   * Ranks each query now, so the first user to ask gets a cached answer; not counted as result
   * cache lookups (a semantic query's vector lookup is). A query that fails (its mode is
   * unavailable, say) is skipped; an abort stops between queries. Returns how many were warmed.
   */
  async warm(requests: ReadonlyArray<Pick<SearchRequest, 'input' | 'mode'>>, signal?: AbortSignal): Promise<number> {
    let warmed = 0;
    for (const request of requests) {
      if (signal?.aborted) break;
      const done = await this.search({ ...request, fresh: true }).then(() => true, () => false);
      if (done) warmed++;
    }
    return warmed;
  }

  /** Empties the cache called `name`. */
  clearCache(name: string): CacheStats {
    const cache = this.cache(name);
    cache.clear();
    return cache.stats();
  }

  /**
   * Drops the entries of the cache called `name` that are no longer valid and keeps the rest:
   * rankings of past index generations (kept a while for cursors, which then expire), and in both
   * caches, entries past their time to live (otherwise dropped only when next looked up). A model
   * switch drops its query vectors itself (`dropModel`). Returns how many it dropped, by cause.
   */
  invalidateCache(name: string): Partial<Record<CacheInvalidationCause, number>> {
    const ttl = this.cache(name).expire();
    if (name !== RESULT_CACHE) return { ttl };
    const current = this.store.generation;
    return { ttl, generation: this.results.invalidate('generation', (key) => keyGeneration(key) !== current) };
  }

  configureCache(name: string, settings: CacheSettings): CacheStats {
    const cache = this.cache(name);
    cache.configure(settings);
    return cache.stats();
  }

  /**
   * Drops the rankings of older index generations once no cursor can still want them: a cursor's
   * later pages read its generation's ranking, so it is kept for a while (CURSOR_GRACE_*).
   */
  private dropOldGenerations(): void {
    const current = this.store.generation;
    const now = Date.now();
    // On the search path: look again only when the index moved on, or once a minute for the clock.
    if (current === this.lastDrop.generation && now - this.lastDrop.at < DROP_CHECK_MS) return;
    this.lastDrop = { generation: current, at: now };
    const cutoff = now - CURSOR_GRACE_MS;
    this.results.invalidate('generation', (key, at) => {
      const generation = keyGeneration(key);
      return generation !== current && (at < cutoff || current - generation > CURSOR_GRACE_GENERATIONS);
    });
  }

  /** A cached query vector's size: its tier's dimensions. */
  private vectorBytes(key: string): number {
    const tier = this.tiers().find((t) => key.startsWith(`${t.pack.key}\0`));
    return (tier?.pack.dims ?? 0) * 4;
  }

  /** The tiers that can embed now, best first. */
  private tiers(semantic = this.semantic, fast = this.fast): Tier[] {
    return [semantic, fast].filter((tier): tier is Tier => 'pack' in tier);
  }

  private caches(): Array<Lru<string, unknown>> {
    return [this.results, this.queryVectors] as Array<Lru<string, unknown>>;
  }

  private cache(name: string): Lru<string, unknown> {
    const cache = this.caches().find((c) => c.name === name);
    if (!cache) throw new QuarryError('UNKNOWN_CACHE', `No cache is called "${name}"; the caches are ${this.caches().map((c) => `"${c.name}"`).join(', ')}`);
    return cache;
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    let last: SearchResult | null = null;
    for await (const result of this.stream(request)) last = result;
    return last!;
  }

  /**
   * Yields the results of a search; a hybrid first page yields twice: the lexical ranking as soon
   * as it is ready (`partial`), then the fused ranking that replaces it.
   */
  async *stream(request: SearchRequest): AsyncGenerator<SearchResult> {
    const started = performance.now();
    // The models this search began with, throughout: a switch during it must not mix them.
    const { semantic, fast } = this;
    const tiers = this.tiers(semantic, fast);
    const mode = request.mode ?? (tiers.length > 0 ? 'hybrid' : 'lexical');
    const limit = Math.max(1, Math.min(request.limit ?? 20, MAX_LIMIT));
    const fingerprint = createHash('sha256').update(`${mode}\0${request.input}`).digest('base64url').slice(0, 12);
    const cursor = request.cursor === undefined ? null : decodeCursor(request.cursor, fingerprint);
    const generation = cursor?.g ?? this.store.generation;
    const offset = cursor?.o ?? 0;
    const key = `${generation}\0${mode}\0${request.input}`;
    const page = (set: ResultSet, cached: boolean, queryVector: boolean | null, partial = false): SearchResult => {
      const hits = set.hits.slice(offset, offset + limit);
      const more = offset + limit < set.hits.length || !set.complete;
      return {
        hits,
        tookMs: performance.now() - started,
        mode: set.mode,
        embeddingCoverage: set.embeddingCoverage,
        cursor: more && hits.length > 0 ? encodeCursor({ g: generation, o: offset + limit, q: fingerprint }) : null,
        generation,
        partial,
        timings: set.timings,
        cache: { results: cached, queryVector },
        profile: cached ? { ...set.profile, cachedAgeMs: performance.now() - set.rankedAt } : set.profile,
      };
    };

    this.dropOldGenerations();
    const cached = request.fresh ? undefined : this.results.get(key);
    if (cached && (offset + limit <= cached.hits.length || cached.complete)) {
      yield page(cached, true, null);
      return;
    }
    if (generation !== this.store.generation) {
      throw new QuarryError('CURSOR_EXPIRED', 'The index changed and this result page is no longer cached: run the search again');
    }
    const window = Math.min(MAX_LIMIT, Math.max(MIN_WINDOW, (offset + limit) * WINDOW_PAGES));
    const parseStart = performance.now();
    const query = parseQuery(request.input, mode);
    if (query.words.length === 0 && query.phrases.length === 0 && !query.regex && !hasFilters(query)) {
      throw new QuarryError('BAD_QUERY', 'Nothing to search for');
    }
    const timings: SearchTimings = { parse: performance.now() - parseStart, lexical: 0, embed: 0, vector: 0, fuse: 0, snippets: 0 };
    const counts: StageCounts = {
      indexedChunks: this.store.postings.chunkCount, phraseChunks: null, lexicalCandidates: null, regexChunksChecked: null, vectorsCompared: null,
    };
    const effectiveMode: SearchMode = query.regex ? 'regex' : mode;
    const resultSet = (
      resultMode: SearchMode,
      hits: SearchHit[],
      complete: boolean,
      setTimings: SearchTimings,
      embedding: readonly FolderEmbedding[] | null,
      regex: RegexScan | null = null,
    ): ResultSet => ({
      mode: resultMode,
      hits,
      complete,
      embeddingCoverage: embedding && embeddedShare(embedding),
      timings: setTimings,
      profile: profileSearch({ mode: resultMode, query, timings: setTimings, counts: { ...counts }, regex, hits, embedding }),
      rankedAt: performance.now(),
    });
    const finish = (hits: SearchHit[], embedding: readonly FolderEmbedding[] | null, regex: RegexScan | null = null): ResultSet => {
      const set = resultSet(effectiveMode, hits, hits.length < window, timings, embedding, regex);
      if (this.semantic === semantic && this.fast === fast) this.results.set(key, set);
      return set;
    };

    if (effectiveMode === 'regex') {
      const t = performance.now();
      const { hits, scan, chunksChecked } = await regexSearch(this.store, query, window);
      timings.lexical = performance.now() - t;
      counts.regexChunksChecked = chunksChecked;
      yield page(finish(hits, null, scan), false, null);
      return;
    }
    if (effectiveMode === 'lexical') {
      yield page(finish(await this.lexicalPage(query, window, timings, counts), null), false, null);
      return;
    }
    if (tiers.length === 0) throw new QuarryError('SEMANTIC_UNAVAILABLE', `Semantic search is off: ${'unavailable' in semantic ? semantic.unavailable : ''}`);

    let lexical: RankedChunk[] = [];
    const scopeStart = performance.now();
    // Filters and phrases: one admissible set for both rankings (a phrase costs one scan of the text).
    const admissible = await admissibleChunks(this.store, query);
    timings.lexical = performance.now() - scopeStart;
    counts.phraseChunks = admissible?.chunks ?? null;
    if (mode === 'hybrid') {
      const t = performance.now();
      lexical = await rankLexical(this.store, query, window, admissible, counts);
      timings.lexical += performance.now() - t;
      if (offset === 0) {
        // The first answer never waits for the model.
        const s = performance.now();
        const hits = await rankedHits(this.store, lexical, query, window);
        const partial = resultSet(mode, hits, true, { ...timings, snippets: performance.now() - s }, null);
        yield { ...page(partial, false, null, true), cursor: null };
      }
    }
    const text = semanticText(query);
    let nearest: SemanticHit[] = [];
    let vectorCached: boolean | null = null;
    if (text !== '') {
      const e = performance.now();
      const queried = await Promise.all(tiers.map(async (tier) => {
        const known = this.queryVectors.get(`${tier.pack.key}\0${text}`);
        return { tier, known: known !== undefined, vector: await (known ?? this.embedQuery(text, tier)) };
      }));
      vectorCached = queried.every((q) => q.known);
      timings.embed = performance.now() - e;
      const v = performance.now();
      const ranked: Array<{ hits: SemanticHit[]; vectors: VectorIndex }> = [];
      for (const { tier, vector } of queried) {
        const vectors = await this.store.vectors(tier.pack.key, tier.pack.dims);
        // A text the better tier has a vector for is judged by it: the fast tier searches the rest.
        ranked.push({ hits: rankSemantic(this.store, vector, vectors, admissible, counts, ranked[0]?.vectors ?? null), vectors });
      }
      nearest = mergeTiers(this.store, ranked);
      timings.vector = performance.now() - v;
    }
    const f = performance.now();
    const ranked = mode === 'hybrid' ? fuse(lexical, nearest, (row) => namingStrength(this.store, row, query)) : nearest;
    timings.fuse = performance.now() - f;
    const s = performance.now();
    const hits = await rankedHits(this.store, ranked, query, window);
    timings.snippets = performance.now() - s;
    yield page(finish(hits, await this.embeddingByFolder(tiers.map((tier) => tier.pack.key))), false, vectorCached);
  }

  private async lexicalPage(query: ParsedQuery, window: number, timings: SearchTimings, counts: StageCounts): Promise<SearchHit[]> {
    const t = performance.now();
    const admissible = await admissibleChunks(this.store, query);
    counts.phraseChunks = admissible?.chunks ?? null;
    const ranked = await rankLexical(this.store, query, window, admissible, counts);
    timings.lexical = performance.now() - t;
    const s = performance.now();
    const hits = await rankedHits(this.store, ranked, query, window);
    timings.snippets = performance.now() - s;
    return hits;
  }

  private embedQuery(text: string, tier: Tier): Promise<Float32Array> {
    const key = `${tier.pack.key}\0${text}`;
    const vector = tier.embedder.embed([text]).then(([v]) => v!);
    // Not kept when the model changed since this search began: the cache holds the new model's.
    if (this.semantic === tier || this.fast === tier) this.queryVectors.set(key, vector);
    vector.catch(() => this.queryVectors.delete(key));
    return vector;
  }

  private lastDrop = { generation: -1, at: 0 };

  private coverageCache: { generation: number; modelKeys: string; value: FolderEmbedding[] } | null = null;

  /** Chunks, and chunks with a vector of any tier, per folder; recomputed only when the index or a model changed. */
  private async embeddingByFolder(modelKeys: string[]): Promise<FolderEmbedding[]> {
    const exclude = this.uncovered();
    const keys = `${modelKeys.join('\0')}\0${exclude ?? ''}`;
    if (this.coverageCache?.generation === this.store.generation && this.coverageCache.modelKeys === keys) return this.coverageCache.value;
    const generation = this.store.generation;
    const value = [...(await this.store.embeddingCoverage(modelKeys, exclude))].map(([folderId, c]) => ({
      folder: this.store.scope.folderNames.get(folderId) ?? String(folderId),
      chunks: c.chunks,
      embedded: c.embedded,
    }));
    this.coverageCache = { generation, modelKeys: keys, value };
    return value;
  }
}

function hasFilters(query: ParsedQuery): boolean {
  return Object.values(query.filters).some((values) => values.length > 0);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, fingerprint: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (Number.isInteger(cursor.g) && Number.isInteger(cursor.o) && cursor.o > 0 && cursor.q === fingerprint) return cursor;
  } catch {
    // fall through
  }
  throw new QuarryError('BAD_QUERY', 'That cursor does not belong to this search (same query and mode needed)');
}

/** A ranking's approximate size: its hits' strings at two bytes a character, plus a little per hit and line. */
function resultSetBytes(set: ResultSet): number {
  let bytes = 256;
  for (const hit of set.hits) {
    bytes += 96 + (hit.folder.length + hit.path.length + (hit.symbol?.length ?? 0)) * 2;
    for (const line of hit.snippet) bytes += 48 + line.text.length * 2 + line.highlights.length * 16;
  }
  return bytes;
}

/** The index generation a result-cache key was ranked at (keys start with it). */
function keyGeneration(key: string): number {
  return Number(key.slice(0, key.indexOf('\0')));
}
