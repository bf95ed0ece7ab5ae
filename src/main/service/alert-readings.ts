import { statfs } from 'node:fs/promises';
import type { IndexScheduler } from '../../core/indexing/scheduler.js';
import { RESULT_CACHE } from '../../core/caches.js';
import { bucketPercentile, emptyBuckets } from '../../core/observability/latency-histogram.js';
import type { HistorySample } from '../../core/observability/metrics-history.js';
import { median } from '../../core/observability/metrics.js';
import type { AlertRule, Settings } from '../../shared/contract.js';
import { SERIES } from './trends.js';

/** Samples kept for windowed metrics: the longest window a rule may have (an hour) at the default rate. */
const KEPT_MS = 3_600_000;
/** A pass's throughput needs this many active samples before it has a median to fall from. */
const MIN_BASELINE_SAMPLES = 6;

/**
 * The values alert rules read, from the metrics samples of the last hour and a few slower
 * looks at the folders and the disk. Windowed metrics (search time, hit rate, throughput) are
 * read over each rule's own window, with its minimum of traffic.
 */
export class AlertReadings {
  private samples: HistorySample[] = [];
  private staleFolders: number | null = null;
  private indexDiskShare: number | null = null;
  /** When a chunk was last seen embedded, or an embedding pass first seen; null while none runs. */
  private embeddingSince: number | null = null;
  /** The memory budget in the settings as of the latest sample; null until a sample has read them. */
  private memoryBudgetMb: number | null = null;

  /** `settings`: where the memory budget is read at each sample; by default the settings saved in the data directory. */
  constructor(
    private readonly scheduler: IndexScheduler,
    private readonly dataDir: string,
    private readonly folders: { watcherFailures(): number; staleFolders(): Promise<number> },
    private readonly settings: { read(): Promise<Pick<Settings, 'memoryBudgetMb'>> },
  ) {}

  /**
   * Takes in a sample and the memory budget saved now (a budget changed since the last sample
   * counts from this one); with the index's size (read every few samples), looks at the folders'
   * HEADs and the disk's free space too.
   */
  async add(sample: HistorySample, indexBytes: number | null): Promise<void> {
    // Settings that cannot be read keep the budget last read.
    this.memoryBudgetMb = await this.settings.read().then((settings) => settings.memoryBudgetMb, () => this.memoryBudgetMb);
    this.samples.push(sample);
    while (this.samples.length > 0 && sample.at - this.samples[0]!.at > KEPT_MS) this.samples.shift();
    const embedding = this.scheduler.jobs().some((job) => job.state === 'running' && job.progress?.phase === 'embedding');
    if (!embedding) this.embeddingSince = null;
    else if (this.embeddingSince === null || (sample.counts[`${SERIES.work}.embedding`] ?? 0) > 0) this.embeddingSince = sample.at;
    if (indexBytes !== null) {
      this.staleFolders = await this.folders.staleFolders();
      this.indexDiskShare = await diskShare(this.dataDir, indexBytes);
    }
  }

  /** The rule's metric now, or null when it has none (too little traffic in the window, no pass running). */
  read = (rule: AlertRule): number | null => {
    const latest = this.samples.at(-1);
    if (!latest) return null;
    const window = this.samples.filter((sample) => sample.at > latest.at - rule.windowSeconds * 1000);
    switch (rule.metric) {
      case 'hybridSearchP95Ms':
        return searchP95(window, (series) => series === `${SERIES.searches}.hybrid`, rule.minEvents);
      case 'searchP95Ms':
        return searchP95(window, (series) => series.startsWith(`${SERIES.searches}.`), rule.minEvents);
      case 'resultCacheHitRate':
        return hitRate(window, RESULT_CACHE, rule.minEvents);
      case 'rssMb':
        return latest.gauges[SERIES.rssMb] ?? null;
      case 'rssBudgetShare': {
        const rss = latest.gauges[SERIES.rssMb];
        return rss === undefined || this.memoryBudgetMb === null ? null : (rss / this.memoryBudgetMb) * 100;
      }
      case 'indexingThroughputShare':
        return this.throughputShare(window, rule.windowSeconds);
      case 'embeddingStallSeconds':
        return this.embeddingSince === null ? null : (latest.at - this.embeddingSince) / 1000;
      case 'watcherFailures':
        return this.folders.watcherFailures();
      case 'staleFolders':
        return this.staleFolders;
      case 'indexDiskShare':
        return this.indexDiskShare;
      case 'failedJobs':
        return this.scheduler.jobs().filter((job) => job.state === 'failed').length;
    }
  };

  /** A cache's hit rate (%) over the last `windowSeconds` of samples; null without lookups. */
  recentHitRate(cache: string, windowSeconds: number): number | null {
    const latest = this.samples.at(-1);
    return latest ? hitRate(this.samples.filter((sample) => sample.at > latest.at - windowSeconds * 1000), cache, 1) : null;
  }

  /**
   * The running pass's files per second over the window, as a percentage of the median rate of its
   * active samples this hour: a collapse shows as a small share. Null until the pass has run for a
   * whole window and has a baseline, and when no files pass runs.
   */
  private throughputShare(window: HistorySample[], windowSeconds: number): number | null {
    const running = this.scheduler.jobs().find((job) => job.state === 'running')?.progress;
    if (!running || running.unit !== 'files' || running.elapsedMs < windowSeconds * 1000) return null;
    const series = `${SERIES.work}.${running.phase === 'scanning' ? 'indexing' : running.phase}`;
    const rates: number[] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const done = this.samples[i]!.counts[series] ?? 0;
      if (done > 0) rates.push(done / ((this.samples[i]!.at - this.samples[i - 1]!.at) / 1000));
    }
    if (rates.length < MIN_BASELINE_SAMPLES) return null;
    return ((sum(window, series) / windowSeconds) / median(rates)) * 100;
  }

}

/** Hits as a percentage of lookups in the samples; null below `minLookups` (or with none). */
function hitRate(samples: readonly HistorySample[], cache: string, minLookups: number): number | null {
  const hits = sum(samples, `${SERIES.cacheHits}.${cache}`);
  const lookups = hits + sum(samples, `${SERIES.cacheMisses}.${cache}`);
  return lookups === 0 || lookups < minLookups ? null : (hits / lookups) * 100;
}

function sum(samples: readonly HistorySample[], series: string): number {
  return samples.reduce((total, sample) => total + (sample.counts[series] ?? 0), 0);
}

/** The p95 of the searches in the samples whose series matches; null below `minEvents` searches (or with none). */
function searchP95(samples: readonly HistorySample[], matches: (series: string) => boolean, minEvents: number): number | null {
  const buckets = emptyBuckets();
  for (const sample of samples) {
    for (const [series, counts] of Object.entries(sample.histograms)) {
      if (matches(series)) counts.forEach((count, i) => (buckets[i]! += count));
    }
  }
  const searches = buckets.reduce((total, n) => total + n, 0);
  return searches === 0 || searches < minEvents ? null : bucketPercentile(buckets, 95);
}

/** The index's size as a percentage of the free space left on its disk; null where the platform cannot say. */
async function diskShare(dataDir: string, indexBytes: number): Promise<number | null> {
  const disk = await statfs(dataDir).catch(() => null);
  if (!disk) return null;
  const free = disk.bavail * disk.bsize;
  return free === 0 ? 100 : (indexBytes / free) * 100;
}
