import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lru, noInvalidations } from './lru.js';

const size = (key: string) => key.length;

describe('Lru', () => {
  it('evicts the least recently used entry beyond its capacity, counting hits, misses, bytes and the eviction by size', () => {
    const lru = new Lru<string, number>('test', 2, size);
    lru.set('a', 1);
    lru.set('bb', 2);
    assert.equal(lru.get('a'), 1); // a is now the most recent
    lru.set('ccc', 3);
    assert.equal(lru.get('bb'), undefined);
    assert.equal(lru.get('ccc'), 3);
    assert.deepEqual(lru.stats(), {
      name: 'test', kind: 'memory', hits: 2, misses: 1, entries: 2, bytes: 4, maxEntries: 2, ttlSeconds: null,
      invalidations: { ...noInvalidations(), size: 1 }, actions: ['clear', 'configure'],
    });
  });

  it('expires the entries past their time to live on its own clock, keeping the younger ones, and none without a TTL', () => {
    let now = 0;
    const lru = new Lru<string, number>('test', 10, size, () => now);
    lru.set('old', 1);
    now = 1_000;
    lru.set('new', 2);
    assert.equal(lru.expire(), 0, 'no time to live: nothing expires');
    lru.configure({ ttlSeconds: 1.5 });
    now = 2_000;
    assert.equal(lru.expire(), 1);
    assert.equal(lru.get('new'), 2);
    assert.equal(lru.stats().invalidations.ttl, 1);
  });

  it('drops entries older than its time to live on their next use, counted as ttl invalidations', () => {
    let now = 0;
    const lru = new Lru<string, number>('test', 10, size, () => now);
    lru.set('a', 1);
    lru.configure({ ttlSeconds: 5 });
    now = 4000;
    assert.equal(lru.get('a'), 1);
    now = 5001;
    assert.equal(lru.get('a'), undefined);
    assert.equal(lru.stats().invalidations.ttl, 1);
    assert.equal(lru.stats().bytes, 0);
    lru.configure({ ttlSeconds: null });
    lru.set('b', 2);
    now = 1e9;
    assert.equal(lru.get('b'), 2, 'without a time to live entries stay');
  });

  it('clears by hand, invalidates by cause, and shrinking its capacity evicts at once', () => {
    const lru = new Lru<string, number>('test', 5, size);
    for (const key of ['a', 'b', 'c', 'd']) lru.set(key, 0);
    lru.configure({ maxEntries: 3 });
    assert.equal(lru.stats().entries, 3);
    assert.equal(lru.stats().invalidations.size, 1);
    assert.equal(lru.invalidate('generation', (key) => key === 'b'), 1);
    assert.equal(lru.get('d'), 0, 'the most recent stay');
    lru.clear();
    lru.set('e', 0);
    lru.clear('model');
    assert.deepEqual(lru.stats().invalidations, { ...noInvalidations(), size: 1, generation: 1, manual: 2, model: 1 });
    assert.equal(lru.stats().bytes, 0);
  });

  it('refuses settings it cannot take, with a stable code', () => {
    const lru = new Lru<string, number>('test', 5, size);
    assert.throws(() => lru.configure({ maxEntries: 0 }), (e: unknown) => (e as { code?: string }).code === 'BAD_CACHE_SETTINGS');
    assert.throws(() => lru.configure({ ttlSeconds: -1 }), (e: unknown) => (e as { code?: string }).code === 'BAD_CACHE_SETTINGS');
    assert.equal(lru.stats().maxEntries, 5);
  });
});
