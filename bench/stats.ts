/** The p-th percentile (nearest rank) of a sample. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A uniformly random unit vector: vector search costs the same whatever the values. */
export function randomUnit(dims: number): Float32Array {
  const v = new Float32Array(dims);
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += (v[d] = Math.random() - 0.5) ** 2;
  for (let d = 0; d < dims; d++) v[d]! /= Math.sqrt(norm);
  return v;
}
