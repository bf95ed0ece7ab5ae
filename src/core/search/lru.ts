import { QuarryError } from '../../shared/errors.js';
import type { CacheStats } from '../../shared/types.js';

/** How a cache may be tuned while Quarry runs. */
export interface CacheSettings {
  maxEntries?: number;
  /** Entries older than this are dropped on their next use; null keeps them until evicted. */
  ttlSeconds?: number | null;
}

/**
 * A least-recently-used map that counts its hits, misses, evictions and invalidations, with a
 * capacity and an optional time to live that can be changed while it runs.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private cleared = 0;
  private expired = 0;
  private ttlMs: number | null = null;

  constructor(
    readonly name: string,
    private capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.ttlMs !== null && this.now() - entry.at > this.ttlMs) {
      this.entries.delete(key);
      this.expired++;
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
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    this.evictOverflow();
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops every entry (a user's request); counted apart from evictions. */
  clear(): void {
    this.cleared += this.entries.size;
    this.entries.clear();
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

  stats(): CacheStats {
    return {
      name: this.name,
      hits: this.hits,
      misses: this.misses,
      entries: this.entries.size,
      evictions: this.evictions,
      maxEntries: this.capacity,
      ttlSeconds: this.ttlMs === null ? null : this.ttlMs / 1000,
      invalidations: { manual: this.cleared, ttl: this.expired },
    };
  }

  private evictOverflow(): void {
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evictions++;
    }
  }
}
