import type { CacheStats } from '../../shared/types.js';

/** A small least-recently-used map that counts its hits, misses and evictions. */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    readonly name: string,
    private readonly capacity: number,
  ) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key); // re-insert: most recently used last
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evictions++;
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  stats(): CacheStats {
    return { name: this.name, hits: this.hits, misses: this.misses, entries: this.entries.size, evictions: this.evictions };
  }
}
