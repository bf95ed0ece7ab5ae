import type { StatsSample } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import type { StatusReport } from '../../shared/types';
import { IndexRuns } from './IndexRuns';

const ms = (value: number | null): string => (value === null ? '–' : `${value.toFixed(1)} ms`);

/** Live metrics and cache hit rates and sizes; the caches as of the latest sample, else as of the last status. */
export function StatsPage({ status, stats }: { status: StatusReport | null; stats: StatsSample | null }) {
  if (!status) return <div className="empty-state">Loading…</div>;
  const e = status.embeddings;
  const caches = stats?.caches ?? status.caches;
  const hitRate = (hits: number, misses: number): string => (hits + misses === 0 ? '–' : `${Math.round((hits / (hits + misses)) * 100)}%`);
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
      <table className="table" aria-label="Search caches">
        <thead><tr><th>Cache</th><th>Hit rate</th><th>Hits</th><th>Misses</th><th>Entries</th><th>Evictions</th></tr></thead>
        <tbody>
          {caches.map((c) => (
            <tr key={c.name}><td>{c.name}</td><td>{hitRate(c.hits, c.misses)}</td><td>{c.hits}</td><td>{c.misses}</td><td>{c.entries}</td><td>{c.evictions}</td></tr>
          ))}
          <tr>
            <td>embeddings</td><td>{hitRate(e.cacheHits, e.computed)}</td><td>{e.cacheHits}</td><td>{e.computed}</td>
            <td>{e.entries} ({formatBytes(e.bytes)})</td><td>{e.evicted}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">Index on disk: {formatBytes(status.indexBytes)} in {status.dataDir}. Trends shows these over time.</p>
      <h3>Index runs</h3>
      <IndexRuns />
    </div>
  );
}
