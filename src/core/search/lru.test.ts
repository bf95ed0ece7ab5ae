import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry beyond its capacity, and counts hits and misses', () => {
    const lru = new Lru<string, number>('test', 2);
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1); // a is now the most recent
    lru.set('c', 3);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('c'), 3);
    assert.deepEqual(lru.stats(), { name: 'test', hits: 2, misses: 1, entries: 2, evictions: 1, maxEntries: 2, ttlSeconds: null, invalidations: { manual: 0, ttl: 0 } });
  });

  it('drops entries older than its time to live on their next use, counted as ttl invalidations', () => {
    let now = 0;
    const lru = new Lru<string, number>('test', 10, () => now);
    lru.set('a', 1);
    lru.configure({ ttlSeconds: 5 });
    now = 4000;
    assert.equal(lru.get('a'), 1);
    now = 5001;
    assert.equal(lru.get('a'), undefined);
    assert.deepEqual(lru.stats().invalidations, { manual: 0, ttl: 1 });
    lru.configure({ ttlSeconds: null });
    lru.set('b', 2);
    now = 1e9;
    assert.equal(lru.get('b'), 2, 'without a time to live entries stay');
  });

  it('clears by hand, and shrinking its capacity evicts at once', () => {
    const lru = new Lru<string, number>('test', 5);
    for (const key of ['a', 'b', 'c', 'd']) lru.set(key, 0);
    lru.configure({ maxEntries: 2 });
    assert.equal(lru.stats().entries, 2);
    assert.equal(lru.stats().evictions, 2);
    assert.equal(lru.get('d'), 0, 'the most recent stay');
    lru.clear();
    assert.equal(lru.stats().entries, 0);
    assert.deepEqual(lru.stats().invalidations, { manual: 2, ttl: 0 });
  });

  it('refuses settings it cannot take, with a stable code', () => {
    const lru = new Lru<string, number>('test', 5);
    assert.throws(() => lru.configure({ maxEntries: 0 }), (e: unknown) => (e as { code?: string }).code === 'BAD_CACHE_SETTINGS');
    assert.throws(() => lru.configure({ ttlSeconds: -1 }), (e: unknown) => (e as { code?: string }).code === 'BAD_CACHE_SETTINGS');
    assert.equal(lru.stats().maxEntries, 5);
  });
});
