import { FILE_SKIPS } from '../../core/caches.js';
import type { Engine } from '../../core/engine.js';
import type { CacheReport, MethodInput, MethodOutput, QuarryApi } from '../../shared/contract.js';
import type { CacheStats } from '../../shared/types.js';
import type { FolderIndexing } from './indexing.js';
import type { ServiceMetrics } from './metrics.js';

/** Queries the warm-up ranks, and how far back it looks for them. */
const WARM_QUERIES = 20;
const WARM_DAYS = 7;
/** The span of a cache's recent hit rate. */
const RECENT_SECONDS = 15 * 60;

/**
 * The caches as one list with their actions: clear, invalidate, configure, warm (the result cache, from the
 * query log's most frequent queries of the week) and garbage collection of unreferenced vectors.
 */
export class ServiceCaches implements Pick<QuarryApi, 'caches' | 'clearCache' | 'invalidateCache' | 'configureCache' | 'warmCache' | 'collectGarbage'> {
  constructor(
    private readonly engine: Engine,
    private readonly metrics: Pick<ServiceMetrics, 'frequentQueries' | 'recentHitRate'>,
    private readonly folderIndexing: Pick<FolderIndexing, 'reindexFolder'>,
  ) {}

  async caches(): Promise<CacheReport[]> {
    return (await this.engine.cacheStats()).map((cache) => this.report(cache));
  }

  async clearCache({ name }: MethodInput<'clearCache'>): Promise<CacheReport> {
    const cleared = this.report(await this.engine.clearCache(name));
    // The stamps are gone: each folder's next run reads every file, so run them now.
    if (name === FILE_SKIPS) {
      for (const folder of await this.engine.listFolders()) await this.folderIndexing.reindexFolder({ folder: folder.name, verify: true });
    }
    return cleared;
  }

  /** Drops only the entries no longer valid (the engine says which caches offer it). */
  async invalidateCache({ name }: MethodInput<'invalidateCache'>): Promise<MethodOutput<'invalidateCache'>> {
    const { cache, ...dropped } = await this.engine.invalidateCache(name);
    return { cache: this.report(cache), ...dropped };
  }

  async configureCache({ name, ...settings }: MethodInput<'configureCache'>): Promise<CacheReport> {
    return this.report(await this.engine.configureCache(name, settings));
  }

  warmCache(): Promise<MethodOutput<'warmCache'>> {
    return this.warm();
  }

  /** Ranks the week's most searched queries into the result cache, stopping between queries on `signal`. */
  async warm(signal?: AbortSignal): Promise<MethodOutput<'warmCache'>> {
    const started = performance.now();
    const queries = await this.metrics.frequentQueries(WARM_DAYS, WARM_QUERIES);
    const warmed = await this.engine.warmResults(queries.map(({ query, mode }) => ({ input: query, ...(mode ? { mode } : {}) })), signal);
    return { warmed, ms: performance.now() - started };
  }

  private report(cache: CacheStats): CacheReport {
    return { ...cache, recentHitRate: this.metrics.recentHitRate(cache.name, RECENT_SECONDS) };
  }

  collectGarbage({ dryRun }: MethodInput<'collectGarbage'>): Promise<MethodOutput<'collectGarbage'>> {
    return this.engine.collectGarbage(dryRun ?? false);
  }
}
