import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RankedChunk } from './lexical.js';
import { SeededRandom } from '../../../test/models/seeded-random.js';
import { chanceLevel, evidence, fuse, judge, tailChance, tailOf, type Calibration } from './semantic.js';

const chunk = (id: number, score: number): RankedChunk => ({
  row: { chunk_id: id, file_id: id, folder: 'f', path: `file${id}.ts`, language: 'typescript', start_line: 1, end_line: 9, kind: 'function', symbol: null, symbols: '' },
  score,
});
const ids = (ranked: RankedChunk[]) => ranked.map((entry) => entry.row.chunk_id);
/** A background like random vectors': mean 0, spread 0.1, among 10,000 texts (their expected best about 4.3 spreads up). */
const background: Calibration = { mean: 0, sd: 0.1, population: 10_000 };
/** EVIDENCE_SPAN: spreads past the chance level at which a hit counts in full. */
const EVIDENCE_SPAN_FOR_TEST = 2;

describe('calibrated fusion', () => {
  it('gives a semantic hit no weight at what chance reaches, and full weight two spreads past it', () => {
    const chance = chanceLevel(10_000) * 0.1;
    assert.ok(chanceLevel(10_000) > Math.sqrt(2 * Math.log(10_000)), 'above the expected maximum of 10,000 draws');
    assert.ok(chanceLevel(100) < chanceLevel(10_000), 'more texts, a higher chance maximum');
    assert.equal(evidence(chance, background), 0);
    assert.equal(evidence(0.2, background), 0, 'far inside the background');
    assert.ok(Math.abs(evidence(chance + 0.1, background) - 0.5) < 1e-9);
    assert.equal(evidence(chance + 0.5, background), 1);
    assert.equal(evidence(0.9, { mean: 0, sd: 0, population: 5 }), 0, 'no spread, no evidence');
  });

  it('fits the tail of the nearest texts from their spacings, leaving the best few out', () => {
    // An exponential tail of scale 0.02 above 0.3: the i-th best of 100 lies H(99) - H(i - 1) scales above the 100th.
    const harmonic = (n: number) => Array.from({ length: n }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0);
    const scores = Array.from({ length: 100 }, (_, i) => 0.3 + 0.02 * (harmonic(99) - harmonic(i)));
    const tail = tailOf([0.9, ...scores.slice(1)])!;
    assert.ok(Math.abs(tail.scale - 0.02) < 1e-9, `scale ${tail.scale}: the outlier on top does not widen it`);
    assert.equal(tail.floor, scores[99]);
    assert.equal(tail.count, 100);
    assert.equal(tailOf(scores.slice(0, 29)), undefined, 'too few texts to fit a tail');
    assert.ok(tailChance(100) > harmonic(99) + 3, 'past the expected best of 100');
  });

  it('gives no evidence to the best of a heavy tail, however far past the Gaussian chance level, and full evidence to a hit standing out of it', () => {
    // A bag of words' background: Gaussian, plus a few texts in a hundred sharing the query's tokens, far out.
    const random = new SeededRandom(3);
    const background = Array.from({ length: 20_000 }, () => 0.1 * random.normals(1, 1)[0]! + (random.uniform() < 0.01 ? 0.4 + random.uniform() * 0.4 : 0));
    const sorted = [...background].sort((a, b) => b - a);
    const mean = background.reduce((a, b) => a + b, 0) / background.length;
    const sd = Math.sqrt(background.reduce((a, b) => a + (b - mean) ** 2, 0) / background.length);
    const calibration: Calibration = { mean, sd, population: background.length, tail: tailOf(sorted.slice(0, 100)) };
    assert.ok((sorted[0]! - mean) / sd > chanceLevel(background.length) + EVIDENCE_SPAN_FOR_TEST, 'the Gaussian alone would count the best in full');
    assert.equal(evidence(sorted[0]!, { ...calibration, tail: undefined }), 1);
    assert.equal(evidence(sorted[0]!, calibration), 0, 'against the tail of the nearest, it is what chance gives');
    const tail = calibration.tail!;
    assert.equal(evidence(tail.floor + tail.scale * (tailChance(100) + 2.01 * Math.PI / Math.sqrt(6)), calibration), 1, 'standing out of the tail: full evidence');
  });

  it('keeps the lexical order when the semantic list is at chance, and adds none of its own hits', () => {
    const lexical = [chunk(1, 9), chunk(2, 8), chunk(3, 7)];
    // A reversed list, all near chance (random vectors' top scores).
    const semantic = judge([chunk(3, 0.43), chunk(2, 0.42), chunk(9, 0.41)], background);
    assert.deepEqual(ids(fuse(lexical, semantic, () => 0)), [1, 2, 3]);
    assert.deepEqual(ids(fuse([], semantic, () => 0)), [3, 2, 9], 'with no lexical match, the semantic ranking is all there is');
  });

  it('lets a hit far past chance lift a chunk, in proportion to its evidence', () => {
    const lexical = [chunk(1, 9), chunk(2, 8), chunk(3, 7)];
    const strong = judge([chunk(3, 0.95), chunk(7, 0.9)], background);
    const fused = ids(fuse(lexical, strong, () => 0));
    assert.equal(fused[0], 3, 'in both lists, with full evidence: first');
    assert.ok(fused.includes(7), 'a semantic-only hit with evidence is kept');
    // The expected best of 10,000 random texts, and a little more: what a model without signal gives.
    const weak = judge([chunk(3, 0.47)], background);
    assert.equal(ids(fuse(lexical, weak, () => 0))[0], 1, 'a hit just past chance cannot take the lead from the lexical first');
  });

  it('keeps the definition the query names first when a confident model prefers something else', () => {
    const lexical = [chunk(2, 9), chunk(1, 8)];
    const strong = judge([chunk(1, 0.95), chunk(7, 0.94)], background);
    const definition = (row: RankedChunk['row']) => (row.chunk_id === 2 ? 2 : 0);
    assert.deepEqual(ids(fuse(lexical, strong, definition)), [2, 1, 7]);
    assert.deepEqual(ids(fuse(lexical, strong, () => 0)), [1, 2, 7], 'without it, the model would have put the other first');
  });
});
