import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../../core/engine.js';
import type { FinishedRun, IndexScheduler } from '../../core/indexing/scheduler.js';
import { LATENCY_BUCKETS_MS } from '../../core/observability/latency-histogram.js';
import { embeddedShare } from '../../shared/coverage.js';
import type { CacheStats, SearchResult, StatusReport } from '../../shared/types.js';

/** Search latency buckets, in seconds: the metrics history's, so both read the same percentiles. */
const SEARCH_BUCKETS = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);
/** One status read (and one read of the caches) serves every gauge of one scrape. */
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
  private readonly indexFiles: Counter<'phase' | 'outcome'>;
  private readonly embedChunks: Counter<'model' | 'source'>;
  private status: { at: number; report: Promise<StatusReport> } | null = null;
  private caches: { at: number; stats: Promise<CacheStats[]> } | null = null;

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
    this.indexFiles = new Counter({
      name: 'quarry_index_files_total',
      help: 'Files looked at by index runs, by pass (lexical: the first, which decides; syntax: re-chunked along the syntax tree) and outcome',
      labelNames: ['phase', 'outcome'],
      registers,
    });
    this.embedChunks = new Counter({ name: 'quarry_embed_chunks_total', help: 'Chunks given a vector by index runs, computed or found in the cache, by model (each tier\'s under its own)', labelNames: ['model', 'source'], registers });
    const caches = () => this.cacheStats();
    new Counter({
      name: 'quarry_cache_requests_total',
      help: 'Cache lookups, by cache and result',
      labelNames: ['cache', 'result'],
      registers,
      async collect() {
        this.reset();
        for (const cache of await caches()) {
          this.inc({ cache: cache.name, result: 'hit' }, cache.hits);
          this.inc({ cache: cache.name, result: 'miss' }, cache.misses);
        }
      },
    });
    new Counter({
      name: 'quarry_cache_evictions_total',
      help: 'Cache entries dropped, by cache and reason (size, ttl, generation, model, fileChange, manual)',
      labelNames: ['cache', 'reason'],
      registers,
      async collect() {
        this.reset();
        for (const cache of await caches()) {
          for (const [reason, count] of Object.entries(cache.invalidations)) this.inc({ cache: cache.name, reason }, count);
        }
      },
    });
    new Gauge({
      name: 'quarry_cache_entries',
      help: 'Entries held, by cache',
      labelNames: ['cache'],
      registers,
      async collect() {
        for (const cache of await caches()) this.set({ cache: cache.name }, cache.entries);
      },
    });
    new Gauge({
      name: 'quarry_cache_bytes',
      help: 'Bytes held, by cache (stored vectors: their count times their size; the others estimated)',
      labelNames: ['cache'],
      registers,
      async collect() {
        for (const cache of await caches()) this.set({ cache: cache.name }, cache.bytes);
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
        this.set(embeddedShare((await report()).folders));
      },
    });
  }

  /** A finished search: its whole time, and each stage's when it ranked rather than read the cache, under its mode. */
  recordSearch(result: SearchResult): void {
    this.searchSeconds.observe({ mode: result.mode, stage: 'total' }, result.tookMs / 1000);
    // A cached result's stage times are those of the search that ranked it, not of this one.
    if (result.cache.results) return;
    for (const [stage, ms] of Object.entries(result.timings)) this.searchSeconds.observe({ mode: result.mode, stage }, ms / 1000);
  }

  /** A finished index run's files, by pass and outcome, and its embeddings, under the model of each tier's pass. */
  recordRun(run: FinishedRun): void {
    const { summary } = run;
    if (summary) {
      this.indexFiles.inc({ phase: 'lexical', outcome: 'indexed' }, summary.filesIndexed);
      this.indexFiles.inc({ phase: 'lexical', outcome: 'unchanged' }, summary.filesUnchanged);
      this.indexFiles.inc({ phase: 'lexical', outcome: 'deleted' }, summary.filesDeleted);
      this.indexFiles.inc({ phase: 'lexical', outcome: 'skipped' }, summary.filesSkipped);
      for (const { model, computed, cacheHits } of summary.embeddingsByModel ?? []) {
        this.embedChunks.inc({ model, source: 'computed' }, computed);
        this.embedChunks.inc({ model, source: 'cache' }, cacheHits);
      }
    }
    const syntax = run.phases.find((phase) => phase.phase === 'parsing');
    if (syntax) this.indexFiles.inc({ phase: 'syntax', outcome: 'indexed' }, syntax.done);
  }

  private cacheStats(): Promise<CacheStats[]> {
    if (!this.caches || Date.now() - this.caches.at > STATUS_REUSE_MS) this.caches = { at: Date.now(), stats: this.engine.cacheStats() };
    return this.caches.stats;
  }

  private statusReport(): Promise<StatusReport> {
    if (!this.status || Date.now() - this.status.at > STATUS_REUSE_MS) this.status = { at: Date.now(), report: this.engine.status() };
    return this.status.report;
  }
}
