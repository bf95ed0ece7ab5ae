import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeMarkers } from './change-markers.js';

const series = (values: Array<number | null>) => values.map((value, i) => ({ at: i * 1000, value }));

describe('changeMarkers', () => {
  it('marks where a lasting move of more than 10% begins, once', () => {
    const markers = changeMarkers(series([10, 10.5, 9.8, 10.2, 10, 9.9, 10.1, 10, 13, 13.2, 12.9, 13.1, 13, 13]));
    assert.equal(markers.length, 1);
    assert.equal(markers[0]!.at, 8000);
    assert.equal(markers[0]!.baseline, 10);
    assert.ok(Math.abs(markers[0]!.change - 0.3) < 1e-9);
  });

  it('ignores a single outlier, moves within 10%, and a series too short for a baseline', () => {
    assert.deepEqual(changeMarkers(series([10, 10, 10, 10, 10, 10, 10, 30, 10, 10, 10])), [], 'one noisy point');
    assert.deepEqual(changeMarkers(series([10, 10, 10, 10, 10, 10, 10.9, 10.9, 10.9, 10.9])), [], 'a 9% move');
    assert.deepEqual(changeMarkers(series([10, 10, 10, 20, 20, 20])), [], 'three points are no baseline');
  });

  it('marks falls as well as rises, skips gaps, and marks a second move after the baseline settles', () => {
    const values = [...Array(8).fill(100), null, null, ...Array(10).fill(50), ...Array(10).fill(80)];
    const markers = changeMarkers(series(values));
    assert.deepEqual(markers.map((m) => [m.at, Math.round(m.change * 100)]), [[10_000, -50], [20_000, 60]]);
  });

  it('leaves a series rising from zero alone: no relative change exists', () => {
    assert.deepEqual(changeMarkers(series([0, 0, 0, 0, 0, 0, 0, 5, 5, 5])), []);
  });
});
