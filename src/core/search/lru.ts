import { QuarryError } from '../../shared/errors.js';
import type { CacheInvalidationCause, CacheStats } from '../../shared/types.js';

/** How a cache may be tuned while Quarry runs. */
export interface CacheSettings {
  maxEntries?: number;
  /** Entries older than this are dropped on their next use; null keeps them until evicted. */
  ttlSeconds?: number | null;
}

/** No entries dropped yet, by cause. */
export function noInvalidations(): Record<CacheInvalidationCause, number> {
  return { generation: 0, model: 0, fileChange: 0, ttl: 0, manual: 0, size: 0 };
}

/**
 * A least-recently-used map that counts its hits, misses and the entries it drops by cause
 * (size, time to live, a new index generation, a model switch, a manual clear), with a capacity
 * and an optional time to live that can be changed while it runs, and a running size in bytes
 * from the caller's estimate of each value.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, { value: V; at: number; bytes: number }>();
  private hits = 0;
  private misses = 0;
  private bytes = 0;
  private readonly invalidations = noInvalidations();
  private ttlMs: number | null = null;

  constructor(
    readonly name: string,
    private capacity: number,
    private readonly sizeOf: (key: K, value: V) => number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.expired(entry.at)) {
      this.remove(key, 'ttl');
    } else if (entry !== undefined) {
      this.hits++;
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, entry);
      return entry.value;
    }
    this.misses++;
    return undefined;
  }

  set(key: K, value: V): void {
    if (this.entries.has(key)) this.drop(key);
    const bytes = this.sizeOf(key, value);
    this.entries.set(key, { value, at: this.now(), bytes });
    this.bytes += bytes;
    this.evictOverflow();
  }

  /** Forgets an entry that turned out wrong (a failed computation): not counted as an invalidation. */
  delete(key: K): void {
    if (this.entries.has(key)) this.drop(key);
  }

  /** Drops the entries the predicate picks, counted under `cause`; returns how many. */
  invalidate(cause: CacheInvalidationCause, pick: (key: K, at: number) => boolean): number {
    let dropped = 0;
    for (const [key, entry] of [...this.entries]) {
      if (!pick(key, entry.at)) continue;
      this.remove(key, cause);
      dropped++;
    }
    return dropped;
  }

  /** Drops the entries past their time to live now (otherwise dropped when next looked up); returns how many. */
  expire(): number {
    return this.invalidate('ttl', (_key, at) => this.expired(at));
  }

  private expired(at: number): boolean {
    return this.ttlMs !== null && this.now() - at > this.ttlMs;
  }

  /** Drops every entry, counted under `cause` (a user's request unless said otherwise). */
  clear(cause: CacheInvalidationCause = 'manual'): void {
    this.invalidate(cause, () => true);
  }

  configure(settings: CacheSettings): void {
    if (settings.maxEntries !== undefined) {
      if (!Number.isInteger(settings.maxEntries) || settings.maxEntries < 1) throw new QuarryError('BAD_CACHE_SETTINGS', `${this.name}: max entries must be a whole number of at least 1`);
      this.capacity = settings.maxEntries;
      this.evictOverflow();
    }
    if (settings.ttlSeconds !== undefined) {
      if (settings.ttlSeconds !== null && !(settings.ttlSeconds > 0)) throw new QuarryError('BAD_CACHE_SETTINGS', `${this.name}: a time to live must be more than 0 seconds`);
      this.ttlMs = settings.ttlSeconds === null ? null : settings.ttlSeconds * 1000;
    }
  }

  stats(actions: CacheStats['actions'] = ['clear', 'configure']): CacheStats {
    return {
      name: this.name,
      kind: 'memory',
      hits: this.hits,
      misses: this.misses,
      entries: this.entries.size,
      bytes: this.bytes,
      maxEntries: this.capacity,
      ttlSeconds: this.ttlMs === null ? null : this.ttlMs / 1000,
      invalidations: { ...this.invalidations },
      actions,
    };
  }

  private remove(key: K, cause: CacheInvalidationCause): void {
    this.drop(key);
    this.invalidations[cause]++;
  }

  private drop(key: K): void {
    this.bytes -= this.entries.get(key)!.bytes;
    this.entries.delete(key);
  }

  private evictOverflow(): void {
    while (this.entries.size > this.capacity) this.remove(this.entries.keys().next().value!, 'size');
  }
}
