export { percentile } from '../src/core/observability/metrics.js';

/** A uniformly random unit vector: vector search costs the same whatever the values. */
export function randomUnit(dims: number): Float32Array {
  const v = new Float32Array(dims);
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += (v[d] = Math.random() - 0.5) ** 2;
  for (let d = 0; d < dims; d++) v[d]! /= Math.sqrt(norm);
  return v;
}
