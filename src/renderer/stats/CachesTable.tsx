import { useCallback, useEffect, useState } from 'react';
import type { CacheReport } from '../../shared/contract';
import { formatBytes, formatInvalidated } from '../../shared/format';
import { api, errorMessage, subscribe } from '../api';

const percent = (value: number | null): string => (value === null ? '–' : `${Math.round(value)}%`);

/**
 * Every cache as one list: hit rate overall and over the last 15 minutes, entries, bytes,
 * entries dropped by cause, settings, and the cache's actions (clear, invalidate what is no
 * longer valid, warm, collect unused vectors after showing what that frees, and size and time to
 * live for the caches in memory).
 */
export function CachesTable({ notify }: { notify(message: string): void }) {
  const [caches, setCaches] = useState<CacheReport[]>([]);
  const [garbage, setGarbage] = useState<{ vectors: number; bytes: number } | null>(null);
  const reload = useCallback(() => void api.caches({}).then(setCaches, (e: unknown) => notify(errorMessage(e))), [notify]);
  useEffect(() => {
    reload();
    return subscribe('stats', reload);
  }, [reload]);
  const run = (work: Promise<unknown>, done: (result: never) => string) =>
    void work.then((result) => {
      notify(done(result as never));
      reload();
    }, (e: unknown) => notify(errorMessage(e)));
  // Settings as typed, by cache: read only on saving (an empty time to live means none).
  const [edits, setEdits] = useState<Record<string, { max?: string; ttl?: string }>>({});
  const edit = (name: string, change: { max?: string; ttl?: string }) => setEdits((all) => ({ ...all, [name]: { ...all[name], ...change } }));
  const configure = (cache: CacheReport) => {
    const typed = edits[cache.name] ?? {};
    const maxEntries = Number(typed.max ?? cache.maxEntries);
    const ttl = typed.ttl ?? (cache.ttlSeconds === null ? '' : String(cache.ttlSeconds));
    run(api.configureCache({ name: cache.name, maxEntries, ttlSeconds: ttl.trim() === '' ? null : Number(ttl) }), () => {
      setEdits((all) => Object.fromEntries(Object.entries(all).filter(([name]) => name !== cache.name)));
      return `${cache.name} configured`;
    });
  };
  return (
    <table className="table caches-table" aria-label="Caches">
      <thead>
        <tr><th>Cache</th><th>Hit rate</th><th>Last 15 min</th><th>Hits</th><th>Misses</th><th>Entries</th><th>Size</th><th>Dropped</th><th>TTL</th><th /></tr>
      </thead>
      <tbody>
        {caches.map((cache) => {
          const lookups = cache.hits + cache.misses;
          const dropped = Object.entries(cache.invalidations).filter(([, n]) => n > 0);
          return (
            <tr key={cache.name} aria-label={cache.name}>
              <td>{cache.name} <span className="muted">({cache.kind})</span></td>
              <td>{percent(lookups === 0 ? null : (cache.hits / lookups) * 100)}</td>
              <td>{percent(cache.recentHitRate)}</td>
              <td>{cache.hits}</td>
              <td>{cache.misses}</td>
              <td>
                {cache.entries}
                {cache.actions.includes('configure') ? (
                  <> / <input type="number" min={1} className="narrow" aria-label={`${cache.name} max entries`} value={edits[cache.name]?.max ?? String(cache.maxEntries)} onChange={(e) => edit(cache.name, { max: e.target.value })} /></>
                ) : cache.maxEntries === null ? '' : ` / ${cache.maxEntries}`}
              </td>
              <td>{formatBytes(cache.bytes)}</td>
              <td>{dropped.length === 0 ? '–' : dropped.map(([cause, n]) => `${cause} ${n}`).join(', ')}</td>
              <td>
                {cache.actions.includes('configure') ? (
                  <input type="number" min={1} className="narrow" placeholder="none" aria-label={`${cache.name} time to live`}
                    value={edits[cache.name]?.ttl ?? (cache.ttlSeconds === null ? '' : String(cache.ttlSeconds))} onChange={(e) => edit(cache.name, { ttl: e.target.value })} />
                ) : cache.ttlSeconds === null ? '–' : `${cache.ttlSeconds} s`}
              </td>
              <td className="actions">
                {cache.actions.includes('clear') && (
                  <button type="button" className="link" onClick={() => run(api.clearCache({ name: cache.name }), () => `${cache.name} cleared`)}>Clear</button>
                )}
                {cache.actions.includes('invalidate') && (
                  <button type="button" className="link" title="Drop only the entries no longer valid: rankings of past index generations, entries past their time to live"
                    onClick={() => run(api.invalidateCache({ name: cache.name }), (r: { dropped: number; byCause: Record<string, number> }) => `${cache.name}: ${formatInvalidated(r.dropped, r.byCause)}`)}>Invalidate</button>
                )}
                {cache.actions.includes('warm') && (
                  <button type="button" className="link" onClick={() => run(api.warmCache({}), (r: { warmed: number }) => `Warmed ${r.warmed} frequent queries`)}>Warm</button>
                )}
                {cache.actions.includes('configure') && (
                  <button type="button" className="link" disabled={!edits[cache.name]} onClick={() => configure(cache)}>Save settings</button>
                )}
                {cache.actions.includes('gc') && (garbage === null ? (
                  <button type="button" className="link" onClick={() => void api.collectGarbage({ dryRun: true }).then(setGarbage, (e: unknown) => notify(errorMessage(e)))}>Collect unused…</button>
                ) : (
                  <span>
                    {garbage.vectors} unused ({formatBytes(garbage.bytes)})
                    <button type="button" className="link" disabled={garbage.vectors === 0}
                      onClick={() => run(api.collectGarbage({}), (r: { vectors: number; bytes: number }) => {
                        setGarbage(null);
                        return `Deleted ${r.vectors} unused vectors, ${formatBytes(r.bytes)} freed`;
                      })}>Delete</button>
                  </span>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
