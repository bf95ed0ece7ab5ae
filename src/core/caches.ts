import { QuarryError } from '../shared/errors.js';
import type { CacheInvalidationCause, CacheStats, IndexSummary } from '../shared/types.js';
import { noInvalidations, type CacheSettings } from './search/lru.js';
import type { Searcher, SemanticSetup } from './search/searcher.js';
import type { Store } from './store/store.js';

export const RESULT_CACHE = 'search results';
export const QUERY_VECTOR_CACHE = 'query vectors';
export const STORED_EMBEDDINGS = 'stored embeddings';
export const FILE_SKIPS = 'unchanged-file skips';

/** What garbage collection found (and freed, unless it was a dry run). */
export interface GarbageReport {
  vectors: number;
  bytes: number;
  applied: boolean;
}

/** What invalidating a cache dropped: the cache as it is now, and the entries dropped, in all and by cause. */
export interface CacheInvalidation {
  cache: CacheStats;
  dropped: number;
  byCause: Record<CacheInvalidationCause, number>;
}

/**
 * Every cache the engine keeps, as one list: the searcher's in memory (rankings, query vectors)
 * and two kept in the index: stored embeddings (one vector per text and model, so no text is
 * embedded twice) and the file catalog's stamps (which let a run skip unchanged files).
 */
export class EngineCaches {
  /** The file catalog's lookups since the engine opened, from each run's summary. */
  private readonly skips = { hits: 0, misses: 0, invalidations: noInvalidations() };

  constructor(
    private readonly store: Store,
    private readonly searcher: Searcher,
    private readonly embedding: () => SemanticSetup,
  ) {}

  /** The in-memory caches only: cheap enough to read at every metrics sample. */
  memoryStats(): CacheStats[] {
    return this.searcher.cacheStats();
  }

  async all(): Promise<CacheStats[]> {
    return [...this.memoryStats(), await this.storedEmbeddings(), await this.fileSkips()];
  }

  /**
   * Counts an index run's files: those skipped on their stamp were hits; those read (new, changed,
   * or unchanged only by their hash) misses; deleted ones invalidations.
   */
  noteRun(summary: IndexSummary): void {
    this.skips.hits += summary.filesUnchangedByStamp;
    this.skips.misses += summary.filesIndexed + summary.filesUnchanged - summary.filesUnchangedByStamp;
    this.skips.invalidations.fileChange += summary.filesDeleted;
  }

  /**
   * Empties a cache. For the file catalog that means forgetting every stamp, so each folder's next
   * run reads and hashes every file (the caller queues those runs); stored embeddings are never
   * cleared wholesale, since each one cost a model call: `gc` drops those no chunk uses.
   */
  async clear(name: string): Promise<CacheStats> {
    if (name === FILE_SKIPS) {
      this.skips.invalidations.manual += await this.store.forgetFileStamps();
      return this.fileSkips();
    }
    if (name === STORED_EMBEDDINGS) {
      throw new QuarryError('UNSUPPORTED', `${STORED_EMBEDDINGS} cannot be cleared: each vector cost a model call. Collect the ones no chunk uses instead (gc).`);
    }
    return this.searcher.clearCache(name);
  }

  /**
   * Drops only the entries that are no longer valid, counted under their cause, and keeps the
   * rest (clear drops everything): see `Searcher.invalidateCache`. The stored caches do not offer
   * it. A file's stamp is found stale only by reading the file, which its next index run does
   * (clearing the stamps makes that run read every file); a stored vector stays right for its
   * text and model, and the ones no chunk uses are what `gc` collects.
   */
  async invalidate(name: string): Promise<CacheInvalidation> {
    if (name === FILE_SKIPS) {
      throw new QuarryError('UNSUPPORTED', `${FILE_SKIPS} cannot be invalidated: a stamp is found stale only by reading its file, which the next index run does. Clear it to have every file checked by its content.`);
    }
    if (name === STORED_EMBEDDINGS) {
      throw new QuarryError('UNSUPPORTED', `${STORED_EMBEDDINGS} cannot be invalidated: a stored vector stays right for its text and model. Collect the ones no chunk uses instead (gc).`);
    }
    const byCause = { ...noInvalidations(), ...this.searcher.invalidateCache(name) };
    const dropped = Object.values(byCause).reduce((sum, n) => sum + n, 0);
    return { cache: this.memoryStats().find((cache) => cache.name === name)!, dropped, byCause };
  }

  async configure(name: string, settings: CacheSettings): Promise<CacheStats> {
    if (name === FILE_SKIPS || name === STORED_EMBEDDINGS) {
      throw new QuarryError('BAD_CACHE_SETTINGS', `${name} holds what is indexed: it has no size or time to live to set`);
    }
    return this.searcher.configureCache(name, settings);
  }

  /** Finds the stored vectors no chunk references, and unless `dryRun` deletes them. */
  async collectGarbage(dryRun: boolean): Promise<GarbageReport> {
    const found = await this.store.unreferencedVectors();
    if (!dryRun && found.vectors > 0) await this.store.evictUnreferencedVectors();
    return { ...found, applied: !dryRun };
  }

  private async storedEmbeddings(): Promise<CacheStats> {
    const counters = await this.store.embeddingCounters();
    const semantic = this.embedding();
    const pack = 'pack' in semantic ? semantic.pack : null;
    const { entries } = await this.store.vectorCounts(pack?.key ?? '');
    return {
      name: STORED_EMBEDDINGS,
      kind: 'stored',
      hits: counters.cacheHits,
      misses: counters.computed,
      entries,
      bytes: entries * (pack?.dims ?? 0) * 4,
      maxEntries: null,
      ttlSeconds: null,
      // Vectors leave only when no chunk has their text any more.
      invalidations: { ...noInvalidations(), fileChange: counters.evicted },
      actions: ['gc'],
    };
  }

  private async fileSkips(): Promise<CacheStats> {
    const catalog = await this.store.catalogSize();
    return {
      name: FILE_SKIPS,
      kind: 'stored',
      hits: this.skips.hits,
      misses: this.skips.misses,
      entries: catalog.files,
      bytes: catalog.bytes,
      maxEntries: null,
      ttlSeconds: null,
      invalidations: { ...this.skips.invalidations },
      actions: ['clear'],
    };
  }
}
