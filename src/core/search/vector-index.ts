/**
 * Unit vectors for one model, keyed by chunk content hash, in one growable Float32Array: an exact
 * brute-force scan (dot product) is a few milliseconds per 10K vectors and needs no tuning.
 */
export class VectorIndex {
  private readonly rows = new Map<string, number>();
  private hashes: string[] = [];
  private matrix: Float32Array;

  constructor(readonly dims: number) {
    this.matrix = new Float32Array(dims * 1024);
  }

  get size(): number {
    return this.hashes.length;
  }

  has(hash: string): boolean {
    return this.rows.has(hash);
  }

  add(hash: string, vector: Float32Array): void {
    if (vector.length !== this.dims) throw new Error(`vector of ${vector.length} floats for a ${this.dims}-dim index`);
    let row = this.rows.get(hash);
    if (row === undefined) {
      row = this.hashes.length;
      if ((row + 1) * this.dims > this.matrix.length) {
        const grown = new Float32Array(this.matrix.length * 2);
        grown.set(this.matrix);
        this.matrix = grown;
      }
      this.rows.set(hash, row);
      this.hashes.push(hash);
    }
    this.matrix.set(vector, row * this.dims);
  }

  /** The `k` most similar vectors to `query` (cosine, as vectors are unit length), best first. */
  search(query: Float32Array, k: number, allowed: ((hash: string) => boolean) | null = null): Array<{ hash: string; score: number }> {
    const dims = this.dims;
    const matrix = this.matrix;
    const best: Array<{ hash: string; score: number }> = [];
    let floor = -Infinity;
    for (let row = 0; row < this.hashes.length; row++) {
      let dot = 0;
      const base = row * dims;
      for (let d = 0; d < dims; d++) dot += matrix[base + d]! * query[d]!;
      if (dot <= floor && best.length >= k) continue;
      const hash = this.hashes[row]!;
      if (allowed && !allowed(hash)) continue;
      best.push({ hash, score: dot });
      if (best.length > k * 2) {
        best.sort((a, b) => b.score - a.score);
        best.length = k;
        floor = best[k - 1]!.score;
      }
    }
    return best.sort((a, b) => b.score - a.score).slice(0, k);
  }
}
