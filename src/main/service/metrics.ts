import type { Engine } from '../../core/engine.js';
import type { IndexScheduler } from '../../core/indexing/scheduler.js';
import { AlertEvaluator, type MetricSample } from '../../core/observability/alert-evaluator.js';
import { LatencyWindow } from '../../core/observability/metrics.js';
import type { AlertStatus, MethodOutput, QuarryApi, Settings, StatsSample } from '../../shared/contract.js';
import type { IndexProgress, SearchMode, SearchResult } from '../../shared/types.js';
import type { SettingsStore } from '../settings-store.js';
import type { Emit } from './events.js';
import { PrometheusMetrics } from './prometheus.js';

/** How often the metrics are sampled (a `stats` event) and alert rules look at them. */
const SAMPLE_MS = 5000;
/** Samples kept for trends: an hour's worth at the default rate. */
const TREND_SAMPLES = 720;
const RESULT_CACHE = 'search results';

const MB = 1024 * 1024;

/** Samples Quarry's metrics on a timer (`stats` events, kept for trends) and runs the alert rules over them (`alert` events). */
export class ServiceMetrics implements Pick<QuarryApi, 'alerts' | 'trends' | 'prometheusMetrics'> {
  private readonly searchTimes = new LatencyWindow();
  private readonly searchTimesByMode = new Map<SearchMode, LatencyWindow>();
  private readonly prometheus: PrometheusMetrics;
  /** Created from the saved rules on first use. */
  private alertEvaluator: Promise<AlertEvaluator> | null = null;
  private readonly sampler: NodeJS.Timeout;
  private sampling = false;
  private readonly history: StatsSample[] = [];
  /** Work done since the start, from progress events, and where each folder's phase stood. */
  private readonly work = { files: 0, chunks: 0, last: new Map<string, number>() };

  constructor(
    private readonly engine: Engine,
    private readonly settingsStore: SettingsStore,
    private readonly scheduler: IndexScheduler,
    private readonly emit: Emit,
    sampleMs: number | undefined,
  ) {
    this.prometheus = new PrometheusMetrics(engine, scheduler);
    scheduler.on('progress', (progress) => this.countWork(progress));
    scheduler.on('summary', (summary) => this.prometheus.recordRun(summary, engine.activeModel()));
    this.sampler = setInterval(() => void this.sample(), sampleMs ?? SAMPLE_MS);
    this.sampler.unref();
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.sampler);
  }

  /** Counts a finished search towards the search-time metrics, overall and for its mode. */
  recordSearch(result: SearchResult): void {
    const now = Date.now();
    this.searchTimes.record(result.tookMs, now);
    let window = this.searchTimesByMode.get(result.mode);
    if (!window) this.searchTimesByMode.set(result.mode, (window = new LatencyWindow()));
    window.record(result.tookMs, now);
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

  async trends(): Promise<StatsSample[]> {
    return [...this.history];
  }

  /** Puts newly saved rules in force, announcing the firing alerts they resolve; before first use the evaluator reads them itself. */
  async applyAlertRules(rules: Settings['alertRules']): Promise<void> {
    if (this.alertEvaluator) for (const resolved of (await this.alertEvaluator).setRules(rules, Date.now())) this.emit('alert', resolved);
  }

  private evaluator(): Promise<AlertEvaluator> {
    this.alertEvaluator ??= this.settingsStore.read().then((settings) => new AlertEvaluator(settings.alertRules, Date.now()));
    return this.alertEvaluator;
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
    if (progress.unit === 'chunks') this.work.chunks += done;
    else this.work.files += done;
  }

  /** Samples the metrics (a `stats` event), and announces each alert that fires or resolves. */
  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const now = Date.now();
      const memory = process.memoryUsage();
      const caches = this.engine.cacheStats();
      const previous = this.history.at(-1);
      const seconds = previous ? Math.max((now - previous.at) / 1000, 1e-3) : 1;
      const results = caches.find((c) => c.name === RESULT_CACHE);
      const before = previous?.caches.find((c) => c.name === RESULT_CACHE);
      const hits = (results?.hits ?? 0) - (before?.hits ?? 0);
      const misses = (results?.misses ?? 0) - (before?.misses ?? 0);
      const stats: StatsSample = {
        at: now,
        searchP50Ms: this.searchTimes.percentile(50, now),
        searchP95Ms: this.searchTimes.percentile(95, now),
        searchesLastMinute: this.searchTimes.count(now),
        searchByMode: [...this.searchTimesByMode].flatMap(([mode, window]) => {
          const searches = window.count(now);
          return searches === 0 ? [] : [{ mode, p50Ms: window.percentile(50, now)!, p95Ms: window.percentile(95, now)!, searches }];
        }),
        filesPerSecond: this.work.files / seconds,
        chunksEmbeddedPerSecond: this.work.chunks / seconds,
        // Counters restart when the caches are cleared (a folder removed): no rate across that.
        resultCacheHitRate: hits >= 0 && misses >= 0 && hits + misses > 0 ? hits / (hits + misses) : null,
        rssMb: memory.rss / MB,
        heapMb: memory.heapUsed / MB,
        caches,
      };
      this.work.files = 0;
      this.work.chunks = 0;
      this.history.push(stats);
      if (this.history.length > TREND_SAMPLES) this.history.shift();
      const evaluator = await this.evaluator();
      for (const status of evaluator.evaluate(this.alertMetrics(stats), now)) this.emit('alert', status);
      // After the rules have seen it: a front end that refreshes the alerts on a sample gets its values.
      this.emit('stats', stats);
    } catch (error) {
      console.warn(`quarry: could not sample the metrics: ${(error as Error).message}`);
    } finally {
      this.sampling = false;
    }
  }

  private alertMetrics(stats: StatsSample): MetricSample {
    const sample: MetricSample = { rssMb: stats.rssMb, failedJobs: this.scheduler.jobs().filter((job) => job.state === 'failed').length };
    if (stats.searchP95Ms !== null) sample.searchP95Ms = stats.searchP95Ms;
    return sample;
  }
}
