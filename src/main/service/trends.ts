import { changeMarkers } from '../../core/observability/change-markers.js';
import { bucketPercentile } from '../../core/observability/latency-histogram.js';
import type { HistoryStep, MetricsHistory } from '../../core/observability/metrics-history.js';
import { benchmarkFigures, indexRunReport, TREND_RANGES, type TrendChart, type TrendRange, type TrendsReport } from '../../shared/contract.js';

/** Points per chart: enough to see a minute's spike in an hour, few enough to draw at once. */
const POINTS_PER_RANGE = 180;
/** No step finer than the sampler's default rate: a finer one would only show gaps. */
const MIN_STEP_MS = 5000;
/** Runs drawn per range; a busy week of watcher updates would hide the charts otherwise. */
const MAX_RUNS = 200;

/**
 * Names of the history's series, shared by the recorder and the report: counts since the
 * previous sample and gauges at the sample. Dynamic parts (mode, phase, cache) follow a dot.
 */
export const SERIES = {
  searches: 'search', // + '.' + mode: a latency histogram
  work: 'work', // + '.' + phase: files (indexing, parsing) or chunks (embedding) done
  cacheHits: 'cache.hits', // + '.' + cache name
  cacheMisses: 'cache.misses',
  rssMb: 'memory.rss_mb',
  heapMb: 'memory.heap_mb',
  indexBytes: 'index.bytes',
  coverage: 'embedding.coverage',
} as const;

type Series = TrendsReport['series'][number];

/** The history over `range`, up to `now`: derived series, index runs as spans, and where each series moved. */
export async function trendsReport(history: MetricsHistory | null, range: TrendRange, now: number): Promise<TrendsReport> {
  const spanMs = TREND_RANGES[range];
  const stepMs = Math.max(MIN_STEP_MS, Math.ceil(spanMs / POINTS_PER_RANGE));
  const from = now - spanMs;
  const empty: TrendsReport = { range, from, to: now, stepMs, series: [], points: [], runs: [], changes: [], benchmarks: [] };
  if (!history) return empty;
  const [steps, runs, benchmarks] = await Promise.all([history.steps(from, now + 1, stepMs), history.runs(from, now, MAX_RUNS), history.benchmarks(from, now)]);
  const series = new Map<string, Series>();
  const points = steps.map((step) => ({ at: step.at, values: deriveValues(step, stepMs, series) }));
  const changes = [...series.keys()].flatMap((key) =>
    changeMarkers(points.map((point) => ({ at: point.at, value: point.values[key] ?? null }))).map((marker) => ({ key, ...marker })),
  );
  return {
    ...empty,
    series: [...series.values()].sort((a, b) => a.key.localeCompare(b.key)),
    points,
    // Rows another version wrote that no longer fit are left out, not an error.
    runs: runs.flatMap((run) => {
      const outcome = indexRunReport.shape.outcome.safeParse((run.report as { outcome?: unknown } | null)?.outcome);
      return outcome.success ? [{ folder: run.folder, startedAt: run.startedAt, endedAt: run.endedAt, outcome: outcome.data }] : [];
    }),
    changes,
    benchmarks: benchmarks.flatMap((run) => {
      const figures = benchmarkFigures.safeParse(run.figures);
      return figures.success ? [{ ...run, figures: figures.data }] : [];
    }),
  };
}

/** One step's chart values from its sums, histograms and gauge means; registers each series it meets. */
function deriveValues(step: HistoryStep, stepMs: number, series: Map<string, Series>): Record<string, number> {
  const values: Record<string, number> = {};
  const put = (key: string, label: string, unit: string, chart: TrendChart, value: number) => {
    if (!series.has(key)) series.set(key, { key, label, unit, chart });
    values[key] = value;
  };
  for (const [name, buckets] of step.histograms) {
    const mode = name.slice(SERIES.searches.length + 1);
    const p50 = bucketPercentile(buckets, 50);
    const p95 = bucketPercentile(buckets, 95);
    if (p50 !== null) put(`search.p50.${mode}`, mode, 'ms', 'search-p50', p50);
    if (p95 !== null) put(`search.p95.${mode}`, mode, 'ms', 'search-p95', p95);
  }
  for (const [name, count] of step.counts) {
    if (name.startsWith(`${SERIES.work}.`)) {
      const phase = name.slice(SERIES.work.length + 1);
      put(`throughput.${phase}`, phase, phase === 'embedding' ? 'chunks/s' : 'files/s', 'throughput', count / (stepMs / 1000));
    } else if (name.startsWith(`${SERIES.cacheHits}.`)) {
      const cache = name.slice(SERIES.cacheHits.length + 1);
      const lookups = count + (step.counts.get(`${SERIES.cacheMisses}.${cache}`) ?? 0);
      if (lookups > 0) put(`cache.hit_rate.${cache}`, cache, '%', 'cache-hit-rate', (count / lookups) * 100);
    }
  }
  const gauge = (name: string) => step.gauges.get(name)?.mean;
  const rss = gauge(SERIES.rssMb);
  const heap = gauge(SERIES.heapMb);
  const indexBytes = gauge(SERIES.indexBytes);
  const coverage = gauge(SERIES.coverage);
  if (rss !== undefined) put('memory.rss', 'RSS', 'MB', 'memory', rss);
  if (heap !== undefined) put('memory.heap', 'JS heap', 'MB', 'memory', heap);
  if (indexBytes !== undefined) put('index.size', 'index on disk', 'MB', 'index-size', indexBytes / (1024 * 1024));
  if (coverage !== undefined) put('embedding.coverage', 'chunks with a vector', '%', 'coverage', coverage * 100);
  return values;
}
