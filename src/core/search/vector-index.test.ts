import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VectorIndex } from './vector-index.js';

/** A deterministic pseudo-random unit vector. */
function unit(seed: number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let x = seed * 2654435761;
  let norm = 0;
  for (let d = 0; d < dims; d++) {
    x = (Math.imul(x ^ (x >>> 15), 2246822519) + d) | 0;
    v[d] = ((x >>> 0) / 2 ** 32) - 0.5;
    norm += v[d]! ** 2;
  }
  for (let d = 0; d < dims; d++) v[d]! /= Math.sqrt(norm);
  return v;
}

function nudged(v: Float32Array, amount: number, seed: number): Float32Array {
  const noise = unit(seed, v.length);
  const out = v.map((x, d) => x + amount * noise[d]!);
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0));
  return out.map((x) => x / norm);
}

describe('VectorIndex', () => {
  it('ranks by cosine on small indexes, and replaces a re-added vector', () => {
    const index = new VectorIndex(3);
    index.add('x', Float32Array.from([1, 0, 0]));
    index.add('y', Float32Array.from([0, 1, 0]));
    index.add('xy', Float32Array.from([Math.SQRT1_2, Math.SQRT1_2, 0]));
    const result = index.search(Float32Array.from([0.9, 0.1, 0]), 3);
    assert.deepEqual(result.map((r) => r.hash), ['x', 'xy', 'y']);
    index.add('y', Float32Array.from([1, 0, 0]));
    assert.equal(index.size, 3);
    assert.ok(index.search(Float32Array.from([1, 0, 0]), 1, (h) => h !== 'x')[0]!.hash === 'y');
  });

  it('scores within 0.002 of the float dot product although it stores int8', () => {
    const dims = 384;
    const index = new VectorIndex(dims);
    const stored = Array.from({ length: 50 }, (_, i) => unit(i + 1, dims));
    stored.forEach((v, i) => index.add(`h${i}`, v));
    const query = unit(1234, dims);
    for (const { hash, score } of index.search(query, 50)) {
      const v = stored[Number(hash.slice(1))]!;
      const exact = v.reduce((sum, x, d) => sum + x * query[d]!, 0);
      assert.ok(Math.abs(score - exact) < 0.002, `${hash}: ${score} against ${exact}`);
    }
  });

  it('forgets removed vectors and keeps the rest findable', () => {
    const index = new VectorIndex(8);
    for (let i = 0; i < 5; i++) index.add(`h${i}`, unit(i + 1, 8));
    index.remove('h1');
    index.remove('h4');
    index.remove('missing');
    assert.equal(index.size, 3);
    assert.ok(!index.has('h1'));
    for (const i of [0, 2, 3]) assert.equal(index.search(unit(i + 1, 8), 1)[0]!.hash, `h${i}`);
  });

  it('finds near neighbours through the binary prefilter on large indexes, like the exact scan', () => {
    const dims = 64;
    const index = new VectorIndex(dims);
    for (let i = 0; i < 25_000; i++) index.add(`h${i}`, unit(i + 1, dims));
    for (const target of [7, 4242, 24_999]) {
      const query = nudged(unit(target + 1, dims), 0.3, 99);
      const approximate = index.search(query, 5);
      const exact = index.search(query, 5, null, 'exact');
      assert.equal(approximate[0]!.hash, `h${target}`, 'the planted neighbour is found');
      assert.equal(approximate[0]!.score, exact[0]!.score, 'the same scores as the full scan');
    }
  });

  it('applies the allowed filter in the prefilter too', () => {
    const dims = 64;
    const index = new VectorIndex(dims);
    for (let i = 0; i < 25_000; i++) index.add(`h${i}`, unit(i + 1, dims));
    const query = unit(11, dims);
    const result = index.search(query, 10, (h) => h.endsWith('7'));
    assert.equal(result.length, 10);
    assert.ok(result.every((r) => r.hash.endsWith('7')));
  });

  it('leaves out the texts a covering index holds, in the exact scan and the prefilter alike', () => {
    for (const [count, dims] of [[300, 16], [25_000, 64]] as const) {
      const index = new VectorIndex(dims);
      const better = new VectorIndex(dims * 2);
      for (let i = 0; i < count; i++) {
        index.add(`h${i}`, unit(i + 1, dims));
        if (i % 3 !== 0) better.add(`h${i}`, unit(i + 7, dims * 2));
      }
      const query = unit(5, dims);
      for (const strategy of ['exact', 'approximate'] as const) {
        const result = index.search(query, 10, null, strategy, undefined, better);
        assert.equal(result.length, 10);
        assert.ok(result.every((r) => !better.has(r.hash)), 'only texts the covering index lacks');
        // The same as filtering them out one by one.
        assert.deepEqual(result, index.search(query, 10, (h) => !better.has(h), strategy));
      }
      // What is left is under the exact scan's size, so it is scanned exactly.
      assert.deepEqual(index.search(query, 10, null, 'auto', undefined, better), index.search(query, 10, (h) => !better.has(h), 'exact'));
    }
  });

  it('follows changes to either index when leaving out covered texts', () => {
    const index = new VectorIndex(8);
    const better = new VectorIndex(4);
    for (let i = 0; i < 4; i++) index.add(`h${i}`, unit(i + 1, 8));
    for (let i = 0; i < 4; i++) better.add(`h${i}`, unit(i + 1, 4));
    const tally = { compared: 0 };
    assert.deepEqual(index.search(unit(1, 8), 4, null, 'auto', tally, better), [], 'all covered: nothing compared');
    assert.equal(tally.compared, 0);
    better.remove('h2');
    assert.deepEqual(index.search(unit(3, 8), 4, null, 'auto', undefined, better).map((r) => r.hash), ['h2']);
    index.add('h9', unit(9, 8));
    assert.deepEqual(index.search(unit(9, 8), 4, null, 'auto', undefined, better).map((r) => r.hash), ['h9', 'h2']);
    index.remove('h9');
    better.add('h2', unit(3, 4));
    assert.deepEqual(index.search(unit(3, 8), 4, null, 'auto', undefined, better), []);
    assert.equal(index.search(unit(3, 8), 4).length, 4, 'without a covering index, every text');
  });
});
