import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostingsIndex, type QueryTerm } from './postings-index.js';
import { termHash, termPostings } from './tokenize.js';

/** Adds a chunk from its text, as indexing does. */
function addText(index: PostingsIndex, id: number, text: string): void {
  const { terms, counts, length } = termPostings(text);
  index.add(id, id, length, terms, counts);
}

const word = (text: string, group = 0): QueryTerm => ({ hash: termHash(text), weight: 1, group, whole: true });
const part = (text: string, group = 0): QueryTerm => ({ hash: termHash(text), weight: 0.4, group, whole: false });
const ids = (index: PostingsIndex, terms: QueryTerm[], groups = 1, limit = 10): number[] =>
  index.score(terms, groups, { limit }).map((r) => r.chunkId);

describe('PostingsIndex', () => {
  it('ranks by BM25: more occurrences and shorter chunks first, rare terms weigh more', () => {
    const index = new PostingsIndex();
    addText(index, 1, 'parse parse parse tokens');
    addText(index, 2, 'parse tokens and many other words that make this chunk longer than the rest');
    addText(index, 3, 'tokens only');
    assert.deepEqual(ids(index, [word('parse')]), [1, 2]);
    const both = index.score([word('parse', 0), word('tokens', 1)], 2, { limit: 10 });
    assert.equal(both[0]?.chunkId, 1);
    assert.ok(both.find((r) => r.chunkId === 3)!.score < both.find((r) => r.chunkId === 2)!.score, 'covering both words beats one');
  });

  it('covers a word by its whole identifier or by all of its parts, never by some parts', () => {
    const index = new PostingsIndex();
    addText(index, 1, 'parseHttpRequest()');
    addText(index, 2, 'parse the http body');
    addText(index, 3, 'http request');
    const query = [word('parsehttprequest'), part('parse'), part('http'), part('request')];
    assert.deepEqual(ids(index, query), [1], 'chunk 2 has two of three parts, chunk 3 two of three');
    addText(index, 4, 'parse an http request');
    assert.deepEqual(ids(index, query).sort(), [1, 4]);
  });

  it('forgets removed chunks and honours the allowed predicate', () => {
    const index = new PostingsIndex();
    for (let id = 1; id <= 5; id++) addText(index, id, `shared term${id}`);
    index.remove([2, 4]);
    assert.deepEqual(ids(index, [word('shared')]).sort(), [1, 3, 5]);
    assert.equal(index.chunkCount, 3);
    const odd = index.score([word('shared')], 1, { allowed: (id) => id !== 3, limit: 10 }).map((r) => r.chunkId);
    assert.deepEqual(odd.sort(), [1, 5]);
  });

  it('scores as if removed chunks had never been added, before any compaction', () => {
    const edited = new PostingsIndex();
    const fresh = new PostingsIndex();
    for (let id = 1; id <= 6; id++) addText(edited, id, `shared rare${id % 2} ${'pad '.repeat(id)}`);
    edited.remove([2, 4, 6]);
    for (const id of [1, 3, 5]) addText(fresh, id, `shared rare${id % 2} ${'pad '.repeat(id)}`);
    const scores = (index: PostingsIndex) => index.score([word('shared', 0), word('rare1', 1)], 2, { limit: 10 });
    assert.deepEqual(scores(edited), scores(fresh));
  });

  it('returns the best `limit` results, best first', () => {
    const index = new PostingsIndex();
    for (let id = 1; id <= 50; id++) addText(index, id, `${'hit '.repeat(id)} filler`);
    const top = index.score([word('hit')], 1, { limit: 5 });
    assert.equal(top.length, 5);
    for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.score >= top[i]!.score);
    assert.equal(top[0]!.chunkId, 50);
  });

  it('gives the same answers after compaction as before, with removed chunks dropped', () => {
    const loaded = PostingsIndex.fromSorted({ terms: [], chunks: [], tfs: [] }, { ids: [], files: [], lengths: [] });
    // Enough postings to pass the compaction threshold twice over.
    for (let id = 1; id <= 3000; id++) addText(loaded, id, Array.from({ length: 80 }, (_, j) => `w${(id * 7 + j) % 500}`).join(' ') + ` doc${id}`);
    loaded.remove([10, 20, 30]);
    for (let id = 3001; id <= 3100; id++) addText(loaded, id, `w1 w2 doc${id}`);
    assert.deepEqual(ids(loaded, [word('doc10')]), []);
    assert.deepEqual(ids(loaded, [word('doc11')]), [11]);
    assert.deepEqual(ids(loaded, [word('doc3100')]), [3100]);
    assert.equal(loaded.chunkCount, 3097);
    assert.ok(loaded.postingCount > 200_000);
  });

  it('scores the same whether postings sit in runs, unsorted, or in one base', () => {
    const texts = new Map<number, string>();
    for (let id = 1; id <= 2500; id++) texts.set(id, Array.from({ length: 60 }, (_, j) => `w${(id * 13 + j * j) % 700}`).join(' ') + ` doc${id % 40}`);
    const incremental = new PostingsIndex();
    const rows: number[][] = [];
    for (const [id, text] of texts) {
      addText(incremental, id, text);
      // A query seals the postings added so far into a small run, as searching during indexing does.
      if (id % 97 === 0) incremental.score([word('w1')], 1, { limit: 1 });
      if (id === 1200) incremental.remove([5, 50, 500]);
      const { terms, counts } = termPostings(text);
      terms.forEach((term, i) => rows.push([term, id, counts[i]!]));
    }
    // The last few chunks' postings are still pending, below a run's size.
    addText(incremental, 2501, 'w1 w2 doc7');
    texts.set(2501, 'w1 w2 doc7');
    rows.push(...[...termPostings('w1 w2 doc7').terms].map((term) => [term, 2501, 1]));
    rows.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    const ids = [...texts.keys()];
    const whole = PostingsIndex.fromSorted(
      { terms: rows.map((r) => r[0]!), chunks: rows.map((r) => r[1]!), tfs: rows.map((r) => r[2]!) },
      { ids, files: ids, lengths: ids.map((id) => termPostings(texts.get(id)!).length) },
    );
    whole.remove([5, 50, 500]);
    assert.equal(incremental.postingCount, whole.postingCount);
    assert.equal(incremental.chunkCount, whole.chunkCount);
    for (const query of [[word('w1')], [word('doc7'), word('w350', 1)], [word('w699'), word('doc0', 1), word('w3', 2)]]) {
      const groups = query.length;
      assert.deepEqual(incremental.score(query, groups, { limit: 3000 }), whole.score(query, groups, { limit: 3000 }));
    }
    assert.equal(incremental.score([word('doc7')], 1, { limit: 3000 }).length, [...texts].filter(([id, t]) => / doc7$/.test(t) && id !== 5 && id !== 50 && id !== 500).length);
  });

  it('loads a base from sorted postings and adds to it', () => {
    const rows = [
      [termHash('alpha'), 1],
      [termHash('alpha'), 2],
      [termHash('beta'), 2],
    ].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    const index = PostingsIndex.fromSorted(
      { terms: rows.map((r) => r[0]!), chunks: rows.map((r) => r[1]!), tfs: [1, 1, 1] },
      { ids: [1, 2], files: [1, 1], lengths: [3, 3] },
    );
    assert.equal(index.chunkCount, 2);
    addText(index, 3, 'alpha beta gamma');
    assert.equal(ids(index, [word('alpha')]).length, 3);
    assert.deepEqual(ids(index, [word('gamma')]), [3]);
  });

  it('counts the groups a preferred chunk\'s path covers, and keeps its best chunks wherever they rank', () => {
    const index = new PostingsIndex();
    for (let id = 1; id <= 6; id++) addText(index, id, 'expression printer decide needed expression printer');
    addText(index, 7, 'expression expression');
    const query = [word('printer', 0), word('parentheses', 1), word('expression', 2)];
    assert.ok(!ids(index, query, 3, 3).includes(7), 'by its text alone chunk 7 covers one word of three');
    const preferred = { files: new Map([[7, 0b010]]), limit: 1 };
    const withPath = index.score(query, 3, { limit: 3, preferred });
    assert.ok(withPath.some((r) => r.chunkId === 7), 'its path spells "parentheses": kept beside the best three');
    assert.equal(withPath.length, 4);
    const alone = index.score([word('expression', 0), word('parentheses', 1)], 2, { limit: 10, preferred });
    const seven = alone.find((r) => r.chunkId === 7)!;
    assert.ok(seven.score > alone.find((r) => r.chunkId === 1)!.score, 'covering both words, one by path, beats covering one');
  });

  it('falls more gently with missing words under a lower coverage power', () => {
    const index = new PostingsIndex();
    addText(index, 1, 'alpha beta gamma delta');
    addText(index, 2, 'alpha alpha alpha alpha');
    const query = [word('alpha', 0), word('beta', 1), word('gamma', 2), word('delta', 3)];
    const ratio = (power: number) => {
      const [first, second] = index.score(query, 4, { limit: 2, coveragePower: power });
      return second!.score / first!.score;
    };
    assert.ok(ratio(1.5) > ratio(2));
  });

  it('ranks the holders of one term exactly as scoring that lone term does, across runs, removals and filters', () => {
    const index = new PostingsIndex();
    const words = ['alpha', 'beta', 'gamma', 'delta'];
    // Seeded variety: chunks of different lengths and term counts, sealed into several runs by queries between additions.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let id = 1; id <= 400; id++) {
      addText(index, id, Array.from({ length: 1 + Math.floor(next() * 30) }, () => words[Math.floor(next() * words.length)]).join(' '));
      if (id % 97 === 0) index.score([word('alpha')], 1, { limit: 1 });
    }
    index.remove([5, 50, 150, 250]);
    const even = (id: number) => id % 2 === 0;
    for (const term of words) {
      for (const options of [{ limit: 24 }, { limit: 400 }, { limit: 10, allowed: even }]) {
        assert.deepEqual(index.holders(termHash(term), options), index.score([word(term)], 1, options), `${term} ${JSON.stringify(options)}`);
      }
    }
    assert.deepEqual(index.holders(termHash('absent'), { limit: 5 }), []);
  });
});
