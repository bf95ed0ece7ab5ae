import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../../core/engine.js';
import type { IndexScheduler } from '../../core/indexing/scheduler.js';
import type { IndexSummary, SearchResult, StatusReport } from '../../shared/types.js';

/** Search latency buckets, in seconds: tens of milliseconds are the norm, seconds the outliers. */
const SEARCH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** One status read serves every gauge of one scrape. */
const STATUS_REUSE_MS = 1000;

/**
 * Quarry's metrics in Prometheus form (prom-client), for `GET /metrics` and `quarry stats`:
 * search time per mode and stage, index work, embeddings, caches, queue depth, index size,
 * embedding coverage and the process's own (memory, CPU, event loop). Label values are bounded:
 * modes, stages, outcomes, cache names and model ids, never folder names.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly searchSeconds: Histogram<'mode' | 'stage'>;
  private readonly indexFiles: Counter<'outcome'>;
  private readonly embedChunks: Counter<'model' | 'source'>;
  private status: { at: number; report: Promise<StatusReport> } | null = null;

  constructor(
    private readonly engine: Engine,
    scheduler: IndexScheduler,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'quarry_' });
    this.searchSeconds = new Histogram({
      name: 'quarry_search_duration_seconds',
      help: 'Search time, whole (stage="total") and per stage, by mode',
      labelNames: ['mode', 'stage'],
      buckets: SEARCH_BUCKETS,
      registers,
    });
    this.indexFiles = new Counter({ name: 'quarry_index_files_total', help: 'Files looked at by index runs, by outcome', labelNames: ['outcome'], registers });
    this.embedChunks = new Counter({ name: 'quarry_embed_chunks_total', help: 'Chunks given a vector, computed or found in the cache, by model', labelNames: ['model', 'source'], registers });
    const caches = () => engine.cacheStats();
    new Counter({
      name: 'quarry_cache_requests_total',
      help: 'Cache lookups, by cache and result',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        this.reset();
        for (const cache of caches()) {
          this.inc({ cache: cache.name, result: 'hit' }, cache.hits);
          this.inc({ cache: cache.name, result: 'miss' }, cache.misses);
        }
      },
    });
    new Counter({
      name: 'quarry_cache_evictions_total',
      help: 'Cache entries dropped, by cache and reason (capacity, manual, ttl)',
      labelNames: ['cache', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const cache of caches()) {
          this.inc({ cache: cache.name, reason: 'capacity' }, cache.evictions);
          this.inc({ cache: cache.name, reason: 'manual' }, cache.invalidations.manual);
          this.inc({ cache: cache.name, reason: 'ttl' }, cache.invalidations.ttl);
        }
      },
    });
    new Gauge({
      name: 'quarry_cache_entries',
      help: 'Entries held, by cache',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const cache of caches()) this.set({ cache: cache.name }, cache.entries);
      },
    });
    new Gauge({
      name: 'quarry_index_queue_depth',
      help: 'Folders waiting to be indexed',
      registers,
      collect() {
        this.set(scheduler.jobs().filter((job) => job.state === 'queued').length);
      },
    });
    const report = () => this.statusReport();
    new Gauge({
      name: 'quarry_index_bytes',
      help: 'Size of the index on disk',
      registers,
      async collect() {
        this.set((await report()).indexBytes);
      },
    });
    new Gauge({
      name: 'quarry_embedding_coverage_ratio',
      help: 'Share of all chunks that have a vector of the model in use',
      registers,
      async collect() {
        const { folders } = await report();
        const chunks = folders.reduce((sum, f) => sum + f.chunks, 0);
        this.set(chunks === 0 ? 1 : folders.reduce((sum, f) => sum + f.embedded, 0) / chunks);
      },
    });
  }

  /** A finished search: its whole time and each stage's, under its mode. */
  recordSearch(result: SearchResult): void {
    this.searchSeconds.observe({ mode: result.mode, stage: 'total' }, result.tookMs / 1000);
    for (const [stage, ms] of Object.entries(result.timings)) this.searchSeconds.observe({ mode: result.mode, stage }, ms / 1000);
  }

  /** A finished index run's files and embeddings. */
  recordRun(summary: IndexSummary, model: string | null): void {
    this.indexFiles.inc({ outcome: 'indexed' }, summary.filesIndexed);
    this.indexFiles.inc({ outcome: 'unchanged' }, summary.filesUnchanged);
    this.indexFiles.inc({ outcome: 'deleted' }, summary.filesDeleted);
    this.indexFiles.inc({ outcome: 'skipped' }, summary.filesSkipped);
    if (model) {
      this.embedChunks.inc({ model, source: 'computed' }, summary.embeddingsComputed);
      this.embedChunks.inc({ model, source: 'cache' }, summary.embeddingCacheHits);
    }
  }

  private statusReport(): Promise<StatusReport> {
    if (!this.status || Date.now() - this.status.at > STATUS_REUSE_MS) this.status = { at: Date.now(), report: this.engine.status() };
    return this.status.report;
  }
}
