import { formatBytes } from '../../shared/format';
import type { StatusReport } from '../../shared/types';

/** Cache hit rates and sizes as the engine reports them now; trends come later. */
export function StatsPage({ status }: { status: StatusReport | null }) {
  if (!status) return <div className="empty-state">Loading…</div>;
  const e = status.embeddings;
  const hitRate = (hits: number, misses: number): string => (hits + misses === 0 ? '–' : `${Math.round((hits / (hits + misses)) * 100)}%`);
  return (
    <div className="stats-page">
      <table className="table" aria-label="Search caches">
        <thead><tr><th>Cache</th><th>Hit rate</th><th>Hits</th><th>Misses</th><th>Entries</th><th>Evictions</th></tr></thead>
        <tbody>
          {status.caches.map((c) => (
            <tr key={c.name}><td>{c.name}</td><td>{hitRate(c.hits, c.misses)}</td><td>{c.hits}</td><td>{c.misses}</td><td>{c.entries}</td><td>{c.evictions}</td></tr>
          ))}
          <tr>
            <td>embeddings</td><td>{hitRate(e.cacheHits, e.computed)}</td><td>{e.cacheHits}</td><td>{e.computed}</td>
            <td>{e.entries} ({formatBytes(e.bytes)})</td><td>{e.evicted}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">Index on disk: {formatBytes(status.indexBytes)} in {status.dataDir}. Throughput and latency trends arrive with the observability work.</p>
    </div>
  );
}
