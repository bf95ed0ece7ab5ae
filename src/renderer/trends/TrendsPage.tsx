import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { StatsSample } from '../../shared/contract';
import { api, errorMessage, subscribe } from '../api';

/** Samples shown: the last hour at the service's rate. */
const KEPT = 720;
const WIDTH = 480;
const HEIGHT = 180;

interface Series {
  key: keyof StatsSample;
  name: string;
  colour: string;
}

const CHARTS: Array<{ title: string; unit: string; series: Series[]; scale?: number }> = [
  {
    title: 'Throughput',
    unit: '/s',
    series: [
      { key: 'filesPerSecond', name: 'files processed', colour: '#2e7d32' },
      { key: 'chunksEmbeddedPerSecond', name: 'chunks embedded', colour: '#6a1b9a' },
    ],
  },
  {
    title: 'Search time, last minute',
    unit: ' ms',
    series: [
      { key: 'searchP50Ms', name: 'p50', colour: '#1565c0' },
      { key: 'searchP95Ms', name: 'p95', colour: '#c62828' },
    ],
  },
  { title: 'Result cache hit rate', unit: '%', scale: 100, series: [{ key: 'resultCacheHitRate', name: 'hit rate', colour: '#ef6c00' }] },
  {
    title: 'Memory',
    unit: ' MB',
    series: [
      { key: 'rssMb', name: 'RSS', colour: '#37474f' },
      { key: 'heapMb', name: 'JS heap', colour: '#00838f' },
    ],
  },
];

/** Throughput, search time, cache hit rate and memory over the last hour, from the service's samples. */
export function TrendsPage({ notify }: { notify(message: string): void }) {
  const [samples, setSamples] = useState<StatsSample[]>([]);
  useEffect(() => {
    let live = true;
    // Samples that arrived as events while the history was on its way are kept after it.
    const merge = (history: StatsSample[]) => (arrived: StatsSample[]) => [...history, ...arrived.filter((s) => s.at > (history.at(-1)?.at ?? 0))];
    api.trends({}).then((history) => live && setSamples(merge(history)), (e: unknown) => notify(errorMessage(e)));
    const off = subscribe('stats', (sample) => setSamples((all) => [...all.slice(-(KEPT - 1)), sample]));
    return () => {
      live = false;
      off();
    };
  }, [notify]);
  if (samples.length === 0) return <div className="empty-state">The first sample arrives within a few seconds…</div>;
  const time = (at: number): string => new Date(at).toLocaleTimeString();
  return (
    <div className="trends-page">
      {CHARTS.map((chart) => {
        const data = samples.map((s) => {
          const point: Record<string, number | string | null> = { time: time(s.at) };
          for (const { key } of chart.series) {
            const value = s[key] as number | null;
            point[key] = value === null ? null : +(value * (chart.scale ?? 1)).toFixed(1);
          }
          return point;
        });
        return (
          <figure key={chart.title} className="trend" aria-label={chart.title}>
            <figcaption>{chart.title}</figcaption>
            <LineChart width={WIDTH} height={HEIGHT} data={data}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="time" minTickGap={40} fontSize={11} />
              <YAxis fontSize={11} unit={chart.unit} width={70} />
              <Tooltip />
              <Legend />
              {chart.series.map((s) => (
                <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.colour} dot={false} isAnimationActive={false} connectNulls />
              ))}
            </LineChart>
          </figure>
        );
      })}
    </div>
  );
}
