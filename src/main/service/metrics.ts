import path from 'node:path';
import { RESULT_CACHE } from '../../core/caches.js';
import type { Engine } from '../../core/engine.js';
import type { FinishedRun, IndexScheduler } from '../../core/indexing/scheduler.js';
import { AlertEvaluator, alertEvent } from '../../core/observability/alert-evaluator.js';
import { bucketOf, emptyBuckets, type BucketCounts } from '../../core/observability/latency-histogram.js';
import { MetricsHistory, type HistorySample, type QueryCount } from '../../core/observability/metrics-history.js';
import { LatencyWindow } from '../../core/observability/metrics.js';
import { ALERT_METRICS, indexRunReport, isSearchMode, type AlertEvent, type AlertMetric, type AlertStatus, type IndexRunReport, type MethodInput, type MethodOutput, type QuarryApi, type Settings, type StatsSample, type TrendsReport } from '../../shared/contract.js';
import type { CacheStats, IndexProgress, SearchMode, SearchResult } from '../../shared/types.js';
import { embeddedShare } from '../../shared/coverage.js';
import { QuarryError } from '../../shared/errors.js';
import type { SettingsStore } from '../settings-store.js';
import type { Emit } from './events.js';
import { AlertReadings } from './alert-readings.js';
import { PrometheusMetrics } from './prometheus.js';
import { SERIES, trendsReport } from './trends.js';

/** How often the metrics are sampled (a `stats` event) and alert rules look at them. */
const SAMPLE_MS = 5000;
/** The metrics history's file in the data directory: beside the index, never inside it. */
export const HISTORY_FILE = 'metrics.duckdb';
/**
 * Index size and embedding coverage come from a status read (tens of ms on a large index), and
 * alert rules' folder and disk checks read files: every 6th sample (30 s at the default rate).
 */
const SLOW_READ_EVERY = 6;
/** The query log's mode for a search that asked for none (the engine's default). */
const DEFAULT_MODE = 'default';

const MB = 1024 * 1024;

/**
 * Samples Quarry's metrics on a timer (`stats` events), keeps them in the metrics history with
 * each index run's report, and runs the alert rules over them (`alert` events).
 */
export class ServiceMetrics implements Pick<QuarryApi, 'alerts' | 'acknowledgeAlert' | 'alertHistory' | 'stats' | 'trends' | 'reports' | 'recordBenchmark' | 'prometheusMetrics'> {
  private readonly searchTimes = new LatencyWindow();
  private readonly searchTimesByMode = new Map<SearchMode, LatencyWindow>();
  private readonly prometheus: PrometheusMetrics;
  /** Created from the saved rules on first use. */
  private alertEvaluator: Promise<AlertEvaluator> | null = null;
  private readonly sampler: NodeJS.Timeout;
  /** The sample being taken, and reports being stored: what stop() waits for before closing the history. */
  private sampling: Promise<void> | null = null;
  private readonly storing = new Set<Promise<void>>();
  private latest: StatsSample | null = null;
  /** Null when the file could not be opened: Quarry runs on without history. */
  private readonly history: Promise<MetricsHistory | null>;
  /** Search times since the previous sample, bucketed per mode, for the history. */
  private searchBuckets = new Map<SearchMode, BucketCounts>();
  /** Work done since the previous sample per phase (files, or chunks while embedding), and where each folder's phase stood. */
  private readonly work = { done: new Map<string, number>(), last: new Map<string, number>() };
  /** Searches since the last sample, by mode and query, for the query log. */
  private pendingQueries = new Map<string, QueryCount>();
  private samplesTaken = 0;
  /**
   * The stored caches' counters as last read (lookups are counted from them), first at the start;
   * null until a read succeeds. They live in the index, so they are read with the status every
   * SLOW_READ_EVERY samples, and at the first sample after an index run finished: runs are what
   * move them.
   */
  private storedCounters: Promise<CacheStats[] | null>;
  /** An index run finished since the stored caches' counters were last read. */
  private storedDue = false;
  private readonly alertReadings: AlertReadings;

  constructor(
    private readonly engine: Engine,
    private readonly settingsStore: SettingsStore,
    private readonly scheduler: IndexScheduler,
    private readonly emit: Emit,
    sampleMs: number | undefined,
    folders: { watcherFailures(): number; staleFolders(): Promise<number> },
  ) {
    this.prometheus = new PrometheusMetrics(engine, scheduler);
    this.alertReadings = new AlertReadings(scheduler, engine.dataDir, folders, settingsStore);
    this.history = MetricsHistory.open(path.join(engine.dataDir, HISTORY_FILE)).catch((error: unknown) => {
      console.warn(`quarry: no metrics history this session: ${(error as Error).message}`);
      return null;
    });
    this.storedCounters = engine.cacheStats().then(storedOnly, () => null);
    scheduler.on('progress', (progress) => this.countWork(progress));
    scheduler.on('finished', (run) => {
      this.storedDue = true;
      // The folder's next run counts its passes from zero.
      for (const key of this.work.last.keys()) if (key.startsWith(`${run.folder}\0`)) this.work.last.delete(key);
      this.prometheus.recordRun(run);
      const storing = this.keepReport(run).finally(() => this.storing.delete(storing));
      this.storing.add(storing);
    });
    this.sampler = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = null));
    }, sampleMs ?? SAMPLE_MS);
    this.sampler.unref();
  }

  /** Stops sampling and closes the history once its writes are done. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all([this.sampling, this.storedCounters, ...this.storing]);
    await (await this.history)?.close();
  }

  /**
   * Counts a finished search towards the search-time metrics, overall and for its mode, and its
   * query, with the mode it asked for (the result cache's key), towards the query log the cache
   * is warmed from (`asked` null: a later page).
   */
  recordSearch(result: SearchResult, asked: { query: string; mode: SearchMode | undefined } | null): void {
    if (asked !== null) {
      const mode = asked.mode ?? DEFAULT_MODE;
      const key = `${mode}\0${asked.query}`;
      const count = this.pendingQueries.get(key) ?? { query: asked.query, mode, searches: 0, at: 0 };
      count.searches++;
      count.at = Date.now();
      this.pendingQueries.set(key, count);
    }
    const now = Date.now();
    this.searchTimes.record(result.tookMs, now);
    let window = this.searchTimesByMode.get(result.mode);
    if (!window) this.searchTimesByMode.set(result.mode, (window = new LatencyWindow()));
    window.record(result.tookMs, now);
    let buckets = this.searchBuckets.get(result.mode);
    if (!buckets) this.searchBuckets.set(result.mode, (buckets = emptyBuckets()));
    buckets[bucketOf(result.tookMs)]!++;
    this.prometheus.recordSearch(result);
  }

  /** The metrics in Prometheus's text format, and as JSON. */
  async prometheusMetrics(): Promise<MethodOutput<'prometheusMetrics'>> {
    const json = (await this.prometheus.registry.getMetricsAsJSON()).map((metric) => ({ ...metric, type: String(metric.type) }));
    return { text: await this.prometheus.registry.metrics(), json };
  }

  async alerts(): Promise<AlertStatus[]> {
    return (await this.evaluator()).all();
  }

  async acknowledgeAlert(input: MethodInput<'acknowledgeAlert'>): Promise<AlertStatus> {
    const before = (await this.evaluator()).all().find((status) => status.rule.id === input.id);
    const status = (await this.evaluator()).acknowledge(input.id, Date.now());
    if (status.acknowledgedAt !== before?.acknowledgedAt) await this.announce(status);
    return status;
  }

  async alertHistory(input: MethodInput<'alertHistory'>): Promise<AlertEvent[]> {
    const stored = (await (await this.history)?.alertEvents(input.limit ?? 100)) ?? [];
    return stored.map((event) => ({
      ...event,
      state: event.state as AlertEvent['state'],
      // Unknown: a row kept before the history stored metrics, or a metric since withdrawn.
      metric: event.metric !== null && Object.hasOwn(ALERT_METRICS, event.metric) ? (event.metric as AlertMetric) : null,
    }));
  }

  /** The queries searched most in the last `days`, most first, with the mode they asked for: what the result cache is warmed with. */
  async frequentQueries(days: number, limit: number): Promise<Array<{ query: string; mode?: SearchMode }>> {
    const history = await this.history;
    if (!history) return [];
    const top = await history.topQueries(Date.now() - days * 86_400_000, limit);
    return top.flatMap(({ query, mode }) => (mode === DEFAULT_MODE ? [{ query }] : isSearchMode(mode) ? [{ query, mode }] : []));
  }

  /**
   * A cache's hit rate over the last `seconds` of samples; null without lookups. The stored caches'
   * lookups are sampled every SLOW_READ_EVERY samples and after each index run, so theirs may lag a sample or a few.
   */
  recentHitRate(cache: string, seconds: number): number | null {
    return this.alertReadings.recentHitRate(cache, seconds);
  }

  async stats(): Promise<StatsSample | null> {
    return this.latest;
  }

  async trends(input: MethodInput<'trends'>): Promise<TrendsReport> {
    return trendsReport(await this.history, input.range ?? '1h', Date.now());
  }

  async recordBenchmark(input: MethodInput<'recordBenchmark'>): Promise<null> {
    const history = await this.history;
    if (!history) throw new QuarryError('UNSUPPORTED', 'This engine has no metrics history to keep the benchmark in (see its log)');
    await history.recordBenchmark({ at: Date.now(), ...input });
    return null;
  }

  async reports(input: MethodInput<'reports'>): Promise<IndexRunReport[]> {
    const history = await this.history;
    if (!history) return [];
    const limit = input.limit ?? 50;
    const runs = await history.runs(0, Date.now(), input.folder ? 500 : limit);
    // Reports written by another version that no longer fit the contract are left out, not an error.
    return runs.flatMap((run) => {
      const report = indexRunReport.safeParse(run.report);
      return report.success && (!input.folder || report.data.folder === input.folder) ? [report.data] : [];
    }).slice(0, limit);
  }

  /** Puts newly saved rules in force, announcing the firing alerts they resolve; before first use the evaluator reads them itself. */
  async applyAlertRules(rules: Settings['alertRules']): Promise<void> {
    if (this.alertEvaluator) for (const resolved of (await this.alertEvaluator).setRules(rules, Date.now())) await this.announce(resolved);
  }

  private evaluator(): Promise<AlertEvaluator> {
    this.alertEvaluator ??= this.settingsStore.read().then((settings) => new AlertEvaluator(settings.alertRules, Date.now()));
    return this.alertEvaluator;
  }

  /** An alert changed state: an `alert` event for the front ends and the tray, and a line in the history. */
  private async announce(status: AlertStatus): Promise<void> {
    const event = alertEvent(status, Date.now());
    // With the metric the rule watches now: its value is in that metric's unit, whatever the rule watches later.
    if (event) await (await this.history)?.recordAlertEvent(event).catch((error: unknown) => console.warn(`quarry: could not keep an alert event: ${(error as Error).message}`));
    // After the history has it: a front end that reloads the history on this event finds it there.
    this.emit('alert', status);
  }

  /** Progress reports cumulative counts per folder and pass; the differences are the work done. */
  private countWork(progress: IndexProgress): void {
    // `done` repeats the run's totals; the fast pass reports `scanning` while it walks and
    // `indexing` after, with one count.
    if (progress.phase === 'done') return;
    const pass = progress.phase === 'scanning' ? 'indexing' : progress.phase;
    const key = `${progress.folder}\0${pass}`;
    const before = this.work.last.get(key) ?? 0;
    const done = progress.done >= before ? progress.done - before : progress.done; // a new run of that phase
    this.work.last.set(key, progress.done);
    this.work.done.set(pass, (this.work.done.get(pass) ?? 0) + done);
  }

  /** Stores a finished run's report in the history: its summary (with the slowest files), stages and skips. */
  private async keepReport(run: FinishedRun): Promise<void> {
    try {
      const history = await this.history;
      if (!history) return;
      const report: IndexRunReport = {
        folder: run.folder,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        outcome: run.outcome,
        error: run.error,
        summary: run.summary,
        stages: run.phases.map((p) => ({ phase: p.phase as IndexRunReport['stages'][number]['phase'], unit: p.unit, done: p.done, total: p.total, bytes: p.bytesDone, ms: p.elapsedMs, rate: p.rate })),
        // The run's own skips, not the folder's list: a run that failed or was cancelled has no summary, so none.
        skippedByReason: run.summary?.skippedByReason ?? {},
      };
      await history.recordRun({ folder: run.folder, startedAt: run.startedAt, endedAt: run.endedAt, report });
    } catch (error) {
      console.warn(`quarry: could not keep the report of ${run.folder}'s index run: ${(error as Error).message}`);
    }
  }

  /** The history's row for this sample: work and cache lookups since the previous one, search times, gauges. */
  private historySample(stats: StatsSample, lookups: ReadonlyMap<string, Lookups>, status: { indexBytes: number; coverage: number } | null): HistorySample {
    const counts: Record<string, number> = {};
    for (const [phase, done] of this.work.done) counts[`${SERIES.work}.${phase}`] = done;
    for (const [cache, { hits, misses }] of lookups) {
      counts[`${SERIES.cacheHits}.${cache}`] = hits;
      counts[`${SERIES.cacheMisses}.${cache}`] = misses;
    }
    const histograms: Record<string, BucketCounts> = {};
    for (const [mode, buckets] of this.searchBuckets) histograms[`${SERIES.searches}.${mode}`] = buckets;
    const gauges: Record<string, number> = { [SERIES.rssMb]: stats.rssMb, [SERIES.heapMb]: stats.heapMb };
    if (status) Object.assign(gauges, { [SERIES.indexBytes]: status.indexBytes, [SERIES.coverage]: status.coverage });
    return { at: stats.at, counts, gauges, histograms };
  }

  /** Index size and embedding coverage, with every cache's counters, every SLOW_READ_EVERY samples. */
  private async statusGauges(): Promise<{ indexBytes: number; coverage: number; caches: CacheStats[] } | null> {
    if (this.samplesTaken++ % SLOW_READ_EVERY !== 0) return null;
    const report = await this.engine.status();
    return { indexBytes: report.indexBytes, coverage: embeddedShare(report.folders), caches: report.caches };
  }

  /**
   * The stored caches' lookups since their counters were last read: read from the status when the
   * sample read it, else at the first sample after an index run finished; none in between.
   */
  private async storedLookups(status: { caches: CacheStats[] } | null): Promise<Map<string, Lookups>> {
    const due = this.storedDue;
    this.storedDue = false;
    if (!status && !due) return new Map();
    const read = status?.caches ?? (await this.engine.cacheStats().catch(() => null));
    if (!read) {
      // Counted at the next read instead: the counters are read again, from the same start.
      this.storedDue = true;
      return new Map();
    }
    const now = storedOnly(read);
    const before = await this.storedCounters;
    this.storedCounters = Promise.resolve(now);
    // Without a first read to count from, this one is it: the counters hold lookups from before the start.
    return before ? lookupsSince(now, before) : new Map();
  }

  /** Samples the metrics (a `stats` event), and announces each alert that fires or resolves. */
  private async sample(): Promise<void> {
    try {
      const now = Date.now();
      const status = await this.statusGauges();
      const memory = process.memoryUsage();
      const caches = this.engine.memoryCacheStats();
      const previous = this.latest;
      const seconds = previous ? Math.max((now - previous.at) / 1000, 1e-3) : 1;
      const files = (this.work.done.get('indexing') ?? 0) + (this.work.done.get('parsing') ?? 0);
      const chunks = this.work.done.get('embedding') ?? 0;
      const lookups = lookupsSince(caches, previous?.caches ?? []);
      for (const [cache, counted] of await this.storedLookups(status)) lookups.set(cache, counted);
      const results = lookups.get(RESULT_CACHE);
      const stats: StatsSample = {
        at: now,
        searchP50Ms: this.searchTimes.percentile(50, now),
        searchP95Ms: this.searchTimes.percentile(95, now),
        searchesLastMinute: this.searchTimes.count(now),
        searchByMode: [...this.searchTimesByMode].flatMap(([mode, window]) => {
          const searches = window.count(now);
          return searches === 0 ? [] : [{ mode, p50Ms: window.percentile(50, now)!, p95Ms: window.percentile(95, now)!, searches }];
        }),
        filesPerSecond: files / seconds,
        chunksEmbeddedPerSecond: chunks / seconds,
        resultCacheHitRate: results ? results.hits / (results.hits + results.misses) : null,
        rssMb: memory.rss / MB,
        heapMb: memory.heapUsed / MB,
        caches,
      };
      const sample = this.historySample(stats, lookups, status);
      const queries = [...this.pendingQueries.values()];
      this.pendingQueries = new Map();
      this.work.done.clear();
      this.searchBuckets = new Map();
      this.latest = stats;
      await (await this.history)?.record(sample).catch((error: unknown) => console.warn(`quarry: could not keep a metrics sample: ${(error as Error).message}`));
      await (await this.history)?.recordQueries(queries).catch((error: unknown) => console.warn(`quarry: could not keep the query log: ${(error as Error).message}`));
      await this.alertReadings.add(sample, status?.indexBytes ?? null);
      const evaluator = await this.evaluator();
      for (const changed of evaluator.evaluate(this.alertReadings.read, now)) await this.announce(changed);
      // After the rules have seen it: a front end that refreshes the alerts on a sample gets its values.
      this.emit('stats', stats);
    } catch (error) {
      console.warn(`quarry: could not sample the metrics: ${(error as Error).message}`);
    }
  }
}

interface Lookups {
  hits: number;
  misses: number;
}

/** The caches kept in the index (their counters are read from it, not at every sample). */
function storedOnly(caches: readonly CacheStats[]): CacheStats[] {
  return caches.filter((cache) => cache.kind === 'stored');
}

/** Each cache's hits and misses since the previous sample (its counters only grow), for the caches looked up since. */
function lookupsSince(now: readonly CacheStats[], before: readonly CacheStats[]): Map<string, Lookups> {
  const previous = new Map(before.map((cache) => [cache.name, cache]));
  const lookups = new Map<string, Lookups>();
  for (const cache of now) {
    const hits = cache.hits - (previous.get(cache.name)?.hits ?? 0);
    const misses = cache.misses - (previous.get(cache.name)?.misses ?? 0);
    if (hits + misses > 0) lookups.set(cache.name, { hits, misses });
  }
  return lookups;
}
