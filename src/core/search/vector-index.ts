/** Below this many vectors an exact scan is fast enough (about 5 ms per 20K at 384 dims). */
const EXACT_BELOW = 20_000;
/** Candidates kept by the binary prefilter, per result asked for, before exact re-ranking. */
const OVERSAMPLE = 10;
const MIN_CANDIDATES = 200;

/**
 * Unit vectors for one model, keyed by chunk content hash, held as int8 with a scale per vector
 * (a quarter of float32's memory; scores within about 0.002 of the float dot product). Searches
 * scan every vector below 20K; above, a sign-bit (binary-quantized) Hamming scan picks candidates
 * that are re-ranked by the int8 dot product: 100K x 384 in about 3 ms instead of 25-50 ms
 * (BENCHMARKS.md has the comparison and the recall it costs).
 */
export class VectorIndex {
  private readonly rows = new Map<string, number>();
  private hashes: string[] = [];
  private matrix: Int8Array;
  /** Per row: the float value of one int8 step. */
  private scales: Float32Array;
  private signs: Uint32Array;
  private readonly words: number;
  /** Bumped whenever the set of hashes or their rows change, so masks computed against this index know when they are stale. */
  private version = 0;
  /** Per row, 1 when `covered`'s index holds the same text: see `search`. Rebuilt when either index changed. */
  private coveredMask: { by: VectorIndex; version: number; byVersion: number; mask: Uint8Array; left: number } | null = null;

  /** `capacity`: vectors to make room for up front (the count being loaded), so loading does not over-allocate. */
  constructor(
    readonly dims: number,
    capacity = 1024,
  ) {
    this.words = Math.ceil(dims / 32);
    this.matrix = new Int8Array(dims * Math.max(capacity, 16));
    this.scales = new Float32Array(Math.max(capacity, 16));
    this.signs = new Uint32Array(this.words * Math.max(capacity, 16));
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
      if ((row + 1) * this.dims > this.matrix.length) this.grow();
      this.rows.set(hash, row);
      this.hashes.push(hash);
      this.version++;
    }
    let largest = 0;
    for (let d = 0; d < this.dims; d++) largest = Math.max(largest, Math.abs(vector[d]!));
    const scale = largest / 127;
    this.scales[row] = scale;
    const offset = row * this.dims;
    for (let d = 0; d < this.dims; d++) this.matrix[offset + d] = scale === 0 ? 0 : Math.round(vector[d]! / scale);
    const base = row * this.words;
    this.signs.fill(0, base, base + this.words);
    for (let d = 0; d < this.dims; d++) if (vector[d]! > 0) this.signs[base + (d >> 5)]! |= 1 << (d & 31);
  }

  /** Forgets a vector: the last row moves into its place, so rows stay dense. */
  remove(hash: string): void {
    const row = this.rows.get(hash);
    if (row === undefined) return;
    const last = this.hashes.length - 1;
    if (row !== last) {
      const moved = this.hashes[last]!;
      this.matrix.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.scales[row] = this.scales[last]!;
      this.signs.copyWithin(row * this.words, last * this.words, (last + 1) * this.words);
      this.hashes[row] = moved;
      this.rows.set(moved, row);
    }
    this.hashes.pop();
    this.rows.delete(hash);
    this.version++;
  }

  /**
   * The `k` most similar vectors to `query` (cosine, as vectors are unit length), best first.
   * `strategy` overrides the size-based choice between the exact scan and the binary prefilter;
   * `tally.compared` adds the vectors scored against the query. `covered`: another index (a better
   * tier's) whose texts are left out here, as that tier judges them; the rows it covers are found
   * once per change of either index, not per search.
   */
  search(
    query: Float32Array,
    k: number,
    allowed: ((hash: string) => boolean) | null = null,
    strategy: 'auto' | 'exact' | 'approximate' = 'auto',
    tally?: { compared: number },
    covered: VectorIndex | null = null,
  ): Array<{ hash: string; score: number }> {
    const skip = covered ? this.maskCoveredBy(covered) : null;
    if (skip && skip.left === 0) return [];
    const searched = skip ? skip.left : this.size;
    const exact = strategy === 'exact' || (strategy === 'auto' && searched < EXACT_BELOW);
    const mask = skip?.mask ?? null;
    const candidates = exact ? this.allRows(allowed, mask) : this.nearestBySigns(query, Math.max(MIN_CANDIDATES, k * OVERSAMPLE), allowed, mask);
    if (tally) tally.compared += candidates.length;
    // Keep the best k: a sorted short list, trimmed when it doubles.
    let best: Array<{ row: number; score: number }> = [];
    let floor = -Infinity;
    for (const row of candidates) {
      const score = this.dot(row, query);
      if (score <= floor) continue;
      best.push({ row, score });
      if (best.length >= 2 * k) {
        best = best.sort((a, b) => b.score - a.score).slice(0, k);
        floor = best[k - 1]!.score;
      }
    }
    return best
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map(({ row, score }) => ({ hash: this.hashes[row]!, score }));
  }

  /** Which rows' texts `other` also holds, and how many it does not: cached until either index changes. */
  private maskCoveredBy(other: VectorIndex): { mask: Uint8Array; left: number } {
    const cached = this.coveredMask;
    if (cached && cached.by === other && cached.version === this.version && cached.byVersion === other.version) return cached;
    const n = this.hashes.length;
    const mask = new Uint8Array(n);
    let left = n;
    for (let row = 0; row < n; row++) {
      if (other.rows.has(this.hashes[row]!)) {
        mask[row] = 1;
        left--;
      }
    }
    this.coveredMask = { by: other, version: this.version, byVersion: other.version, mask, left };
    return this.coveredMask;
  }

  /**
   * The query's similarity to the texts at large: mean and standard deviation over an even sample
   * of up to `samples` vectors (every n-th row), the background a hit's score is judged against.
   */
  background(query: Float32Array, samples = 256): { mean: number; sd: number } {
    const rows = this.hashes.length;
    if (rows === 0) return { mean: 0, sd: 0 };
    const stride = Math.max(1, Math.floor(rows / samples));
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (let row = 0; row < rows; row += stride) {
      const score = this.dot(row, query);
      sum += score;
      squares += score * score;
      n++;
    }
    const mean = sum / n;
    return { mean, sd: Math.sqrt(Math.max(0, squares / n - mean * mean)) };
  }

  private dot(row: number, query: Float32Array): number {
    const m = this.matrix;
    const base = row * this.dims;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let d = 0;
    // Four accumulators: measurably faster in V8 than one.
    for (; d + 3 < this.dims; d += 4) {
      a0 += m[base + d]! * query[d]!;
      a1 += m[base + d + 1]! * query[d + 1]!;
      a2 += m[base + d + 2]! * query[d + 2]!;
      a3 += m[base + d + 3]! * query[d + 3]!;
    }
    for (; d < this.dims; d++) a0 += m[base + d]! * query[d]!;
    return (a0 + a1 + a2 + a3) * this.scales[row]!;
  }

  private allRows(allowed: ((hash: string) => boolean) | null, skip: Uint8Array | null): number[] {
    const rows: number[] = [];
    for (let row = 0; row < this.hashes.length; row++) if (!skip?.[row] && (!allowed || allowed(this.hashes[row]!))) rows.push(row);
    return rows;
  }

  /** Rows with the fewest sign disagreements with the query: a histogram of Hamming distances picks the cut. */
  private nearestBySigns(query: Float32Array, wanted: number, allowed: ((hash: string) => boolean) | null, skip: Uint8Array | null): number[] {
    const words = this.words;
    const q = new Uint32Array(words);
    for (let d = 0; d < this.dims; d++) if (query[d]! > 0) q[d >> 5]! |= 1 << (d & 31);
    const n = this.hashes.length;
    const distance = new Uint16Array(n);
    const histogram = new Uint32Array(this.dims + 1);
    const signs = this.signs;
    for (let row = 0; row < n; row++) {
      if ((skip && skip[row]) || (allowed && !allowed(this.hashes[row]!))) {
        distance[row] = 0xffff;
        continue;
      }
      let h = 0;
      const base = row * words;
      for (let w = 0; w < words; w++) h += popcount(signs[base + w]! ^ q[w]!);
      distance[row] = h;
      histogram[h]!++;
    }
    let cut = 0;
    for (let seen = 0; cut <= this.dims; cut++) {
      seen += histogram[cut]!;
      if (seen >= wanted) break;
    }
    const rows: number[] = [];
    for (let row = 0; row < n; row++) if (distance[row]! <= cut) rows.push(row);
    return rows;
  }

  /** Grows by half: vectors dominate memory, so doubling would waste up to half of it. */
  private grow(): void {
    const rows = Math.ceil((this.matrix.length / this.dims) * 1.5);
    const matrix = new Int8Array(rows * this.dims);
    matrix.set(this.matrix);
    this.matrix = matrix;
    const scales = new Float32Array(rows);
    scales.set(this.scales);
    this.scales = scales;
    const signs = new Uint32Array(rows * this.words);
    signs.set(this.signs);
    this.signs = signs;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
