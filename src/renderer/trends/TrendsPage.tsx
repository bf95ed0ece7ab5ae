import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ReferenceDot, Tooltip, XAxis, YAxis } from 'recharts';
import type { TrendChart, TrendRange, TrendsReport } from '../../shared/contract';
import { api, errorMessage, subscribe } from '../api';

const WIDTH = 480;
const HEIGHT = 190;
/** A live range is read again on a new sample, but not more often than this. */
const REFRESH_MS = 4000;
/** Below this many points a line gets dots, so a lone sample still shows. */
const DOTTED_BELOW = 40;

const RANGES: Array<{ range: TrendRange; label: string }> = [
  { range: '15m', label: '15 min' },
  { range: '1h', label: '1 h' },
  { range: '24h', label: '24 h' },
  { range: '7d', label: '7 d' },
  { range: '90d', label: '90 d' },
];

const CHARTS: Array<{ chart: TrendChart; title: string; unit: string }> = [
  { chart: 'search-p95', title: 'Search time p95 by mode', unit: ' ms' },
  { chart: 'search-p50', title: 'Search time p50 by mode', unit: ' ms' },
  { chart: 'throughput', title: 'Indexing throughput by stage', unit: '/s' },
  { chart: 'cache-hit-rate', title: 'Cache hit rate', unit: '%' },
  { chart: 'memory', title: 'Memory', unit: ' MB' },
  { chart: 'index-size', title: 'Index size', unit: ' MB' },
  { chart: 'coverage', title: 'Embedding coverage', unit: '%' },
];

const COLOURS = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f', '#37474f', '#ad1457'];

type Row = { at: number; values: Record<string, number | null> };

/**
 * The metrics history from the engine's history file: search times per mode, indexing throughput
 * per stage, cache hit rates, memory, index size and coverage over a chosen range, with index
 * runs as shaded spans and a marker wherever a series moved over 10% against its trailing baseline.
 */
export function TrendsPage({ notify }: { notify(message: string): void }) {
  const [range, setRange] = useState<TrendRange>('1h');
  const [report, setReport] = useState<TrendsReport | null>(null);
  useEffect(() => {
    let live = true;
    let lastRead = 0;
    const read = () => {
      lastRead = Date.now();
      api.trends({ range }).then((next) => live && setReport(next), (e: unknown) => notify(errorMessage(e)));
    };
    read();
    const off = subscribe('stats', () => {
      if (Date.now() - lastRead >= REFRESH_MS) read();
    });
    return () => {
      live = false;
      off();
    };
  }, [range, notify]);
  return (
    <div className="trends-page">
      <div className="trend-ranges" role="radiogroup" aria-label="Range">
        {RANGES.map((option) => (
          <label key={option.range}>
            <input type="radio" name="trend-range" checked={range === option.range} onChange={() => setRange(option.range)} />
            {option.label}
          </label>
        ))}
      </div>
      {!report ? null : report.points.length === 0 && report.benchmarks.length === 0 ? (
        <div className="empty-state">No samples in this range yet: the first arrives within a few seconds.</div>
      ) : (
        <div className="trend-charts">
          {CHARTS.map((chart) => <TrendFigure key={chart.chart} report={report} {...chart} />)}
          {report.benchmarks.length > 0 && <BenchmarkFigure report={report} />}
        </div>
      )}
    </div>
  );
}

function TrendFigure({ report, chart, title, unit }: { report: TrendsReport; chart: TrendChart; title: string; unit: string }) {
  const series = report.series.filter((s) => s.chart === chart);
  if (series.length === 0) return null;
  const keys = new Set(series.map((s) => s.key));
  const changes = report.changes.filter((change) => keys.has(change.key));
  const shortRange = report.to - report.from <= 86_400_000;
  // History younger than the range is drawn from its start, not as a sliver at the right edge.
  const start = Math.max(report.from, (report.points[0]?.at ?? report.from) - report.stepMs);
  const dotted = report.points.length < DOTTED_BELOW;
  const time = (at: number) =>
    new Date(at).toLocaleString(undefined, shortRange ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: '2-digit' });
  return (
    <figure className="trend" aria-label={title}>
      <figcaption>
        {title}
        {start > report.from && <span className="trend-changes"> · since {time(start)}</span>}
        {changes.length > 0 && <span className="trend-changes"> · {changes.length} change{changes.length === 1 ? '' : 's'} over 10%</span>}
      </figcaption>
      <LineChart width={WIDTH} height={HEIGHT} data={withGaps(report.points, report.stepMs)}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="at" type="number" scale="time" domain={[start, report.to]} allowDataOverflow tickFormatter={time} minTickGap={40} fontSize={11} />
        <YAxis fontSize={11} unit={unit} width={70} />
        <Tooltip labelFormatter={(at) => new Date(Number(at)).toLocaleString()} formatter={(value) => (typeof value === 'number' ? value.toFixed(1) : value)} />
        <Legend />
        {report.runs.map((run) => (
          <ReferenceArea key={`${run.folder}-${run.startedAt}`} x1={run.startedAt} x2={Math.max(run.endedAt, run.startedAt + report.stepMs)}
            fill={run.outcome === 'failed' ? '#c62828' : '#90a4ae'} fillOpacity={0.15} ifOverflow="hidden" className="trend-run" />
        ))}
        {series.map((s, i) => (
          <Line key={s.key} type="monotone" dataKey={(row: Row) => row.values[s.key] ?? null} name={`${s.label} (${s.unit})`}
            stroke={COLOURS[i % COLOURS.length]} dot={dotted ? { r: 2 } : false} isAnimationActive={false} />
        ))}
        {changes.map((change) => (
          <ReferenceDot key={`${change.key}-${change.at}`} x={change.at} y={change.value} r={4} fill="#fff" stroke="#000" className="trend-change"
            label={{ value: `${change.change > 0 ? '+' : ''}${Math.round(change.change * 100)}%`, position: 'top', fontSize: 10 }} />
        ))}
      </LineChart>
    </figure>
  );
}

/** Benchmark runs recorded with `npm run bench -- --record`: each gated ratio over time, one dot a run. */
function BenchmarkFigure({ report }: { report: TrendsReport }) {
  const names = [...new Set(report.benchmarks.flatMap((run) => Object.keys(run.figures)))].sort();
  const rows: Row[] = report.benchmarks.map((run) => ({ at: run.at, values: Object.fromEntries(Object.entries(run.figures).map(([name, f]) => [name, f.ratio])) }));
  const first = report.benchmarks[0]!.at;
  return (
    <figure className="trend" aria-label="Benchmark ratios">
      <figcaption>Benchmark ratios (ours / reference, lower is better) · {report.benchmarks.length} run{report.benchmarks.length === 1 ? '' : 's'}, last at {report.benchmarks.at(-1)!.commit}</figcaption>
      <LineChart width={WIDTH} height={HEIGHT} data={rows}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="at" type="number" scale="time" domain={[Math.min(first, report.to - report.stepMs), report.to]} tickFormatter={(at: number) => new Date(at).toLocaleDateString()} minTickGap={40} fontSize={11} />
        <YAxis fontSize={11} width={50} />
        <Tooltip labelFormatter={(at) => new Date(Number(at)).toLocaleString()} formatter={(value) => (typeof value === 'number' ? value.toFixed(2) : value)} />
        <Legend />
        {names.map((name, i) => (
          <Line key={name} type="monotone" dataKey={(row: Row) => row.values[name] ?? null} name={name} stroke={COLOURS[i % COLOURS.length]} dot={{ r: 3 }} isAnimationActive={false} />
        ))}
      </LineChart>
    </figure>
  );
}

/** The points with an empty row wherever samples stop for a while (Quarry was closed), so lines break there instead of bridging it. */
function withGaps(points: TrendsReport['points'], stepMs: number): Row[] {
  const rows: Row[] = [];
  for (const point of points) {
    const previous = rows.at(-1);
    if (previous && point.at - previous.at > 3 * stepMs) rows.push({ at: previous.at + stepMs, values: {} });
    rows.push(point);
  }
  return rows;
}
