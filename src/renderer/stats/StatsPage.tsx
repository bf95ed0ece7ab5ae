import type { StatsSample } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import type { StatusReport } from '../../shared/types';
import { CachesTable } from './CachesTable';
import { IndexRuns } from './IndexRuns';

const ms = (value: number | null): string => (value === null ? '–' : `${value.toFixed(1)} ms`);

/** Live metrics, every cache with its actions, and the reports of the latest index runs. */
export function StatsPage({ status, stats, notify }: { status: StatusReport | null; stats: StatsSample | null; notify(message: string): void }) {
  if (!status) return <div className="empty-state">Loading…</div>;
  return (
    <div className="stats-page">
      <table className="table" aria-label="Now">
        <thead><tr><th>Searches in the last minute</th><th>Search time p50</th><th>p95</th><th>Memory (RSS)</th><th>JavaScript heap</th></tr></thead>
        <tbody>
          {stats ? (
            <tr>
              <td>{stats.searchesLastMinute}</td><td>{ms(stats.searchP50Ms)}</td><td>{ms(stats.searchP95Ms)}</td>
              <td>{Math.round(stats.rssMb)} MB</td><td>{Math.round(stats.heapMb)} MB</td>
            </tr>
          ) : (
            <tr><td colSpan={5} className="muted">The first sample arrives within a few seconds…</td></tr>
          )}
        </tbody>
      </table>
      <CachesTable notify={notify} />
      <p className="muted">Index on disk: {formatBytes(status.indexBytes)} in {status.dataDir}. Trends shows these over time.</p>
      <h3>Index runs</h3>
      <IndexRuns />
    </div>
  );
}
