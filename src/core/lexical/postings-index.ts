/** One query term: its hash, weight, and the query word (group) it belongs to. */
export interface QueryTerm {
  hash: number;
  weight: number;
  /** Index of the query word or phrase the term came from (at most 31 groups). */
  group: number;
  /** A whole identifier, as opposed to one of its camelCase or snake_case parts. */
  whole: boolean;
}

export interface ScoredChunk {
  chunkId: number;
  score: number;
}

/** BM25 parameters; b below the usual 0.75 because long code chunks are not padded prose. */
const K1 = 1.2;
const B = 0.6;
export const MAX_GROUPS = 31;

/**
 * Postings mirrored in memory for query speed: DuckDB keeps them durable, but a BM25 query there
 * costs about 15 ms of planning and operators, against about 1 ms here.
 *
 * Layout: a compact base and a few newer runs, each sorted by term (terms, one offsets array,
 * parallel chunk id and tf arrays), plus the postings added since the last run, kept flat until a
 * query or their number seals them into a run. Removed chunks are masked by a zero length. The runs
 * are merged back into a fresh base when they, or the dead postings, grow large, so memory stays
 * near 6 bytes a posting and adding one allocates nothing.
 */
export class PostingsIndex {
  private base: Run = emptyRun();
  private runs: Run[] = [];
  private runsSize = 0;
  private pendingTerms = new Int32Array(1024);
  private pendingChunks = new Int32Array(1024);
  private pendingTfs = new Uint16Array(1024);
  private pendingSize = 0;
  private deadPostings = 0;
  /** Per chunk id: term occurrences (the BM25 document length); 0 means no live chunk. */
  private lengths = new Int32Array(1024);
  /** Per chunk id: number of postings, to know how many die with it. */
  private postingCounts = new Int32Array(1024);
  /** Per chunk id: the file it belongs to, so file-level filters need no per-chunk query. */
  private files = new Int32Array(1024);
  private liveChunks = 0;
  private totalLength = 0;
  // Per-query scratch, indexed by chunk id; `stamp` marks which entries belong to the current query.
  private stamp = new Uint32Array(1024);
  private queryId = 0;
  private bm25 = new Float64Array(1024);
  private wholeMask = new Uint32Array(1024);
  private partsHit: Uint8Array[] = [];
  private touched = new Int32Array(1024);
  /** Per file id, the groups its path covers in the current query (zero outside it). */
  private pathBits = new Uint32Array(0);

  /** The file a live chunk belongs to. */
  fileOf(chunkId: number): number {
    return this.files[chunkId] ?? 0;
  }

  get chunkCount(): number {
    return this.liveChunks;
  }

  get postingCount(): number {
    return this.base.chunks.length + this.runsSize + this.pendingSize - this.deadPostings;
  }

  /** Builds the base from postings sorted by term, and chunk lengths. */
  static fromSorted(
    postings: { terms: ArrayLike<number>; chunks: ArrayLike<number>; tfs: ArrayLike<number> },
    chunks: { ids: ArrayLike<number>; files: ArrayLike<number>; lengths: ArrayLike<number> },
  ): PostingsIndex {
    const index = new PostingsIndex();
    for (let i = 0; i < chunks.ids.length; i++) {
      index.setLength(chunks.ids[i]!, chunks.lengths[i]!);
      index.files[chunks.ids[i]!] = chunks.files[i]!;
    }
    index.base = runFromSorted(postings.terms, Int32Array.from(postings.chunks), Uint16Array.from(postings.tfs));
    for (const id of index.base.chunks) index.postingCounts[id]!++;
    return index;
  }

  add(chunkId: number, fileId: number, length: number, terms: ArrayLike<number>, tfs: ArrayLike<number>): void {
    this.setLength(chunkId, Math.max(1, length));
    this.files[chunkId] = fileId;
    this.postingCounts[chunkId] = terms.length;
    if (this.pendingSize + terms.length > this.pendingTerms.length) this.growPending(this.pendingSize + terms.length);
    for (let i = 0; i < terms.length; i++) {
      this.pendingTerms[this.pendingSize] = terms[i]!;
      this.pendingChunks[this.pendingSize] = chunkId;
      this.pendingTfs[this.pendingSize] = tfs[i]!;
      this.pendingSize++;
    }
    if (this.pendingSize >= RUN_POSTINGS) this.seal();
  }

  remove(chunkIds: Iterable<number>): void {
    for (const id of chunkIds) {
      const length = this.lengths[id] ?? 0;
      if (length === 0) continue;
      this.lengths[id] = 0;
      this.liveChunks--;
      this.totalLength -= length;
      this.deadPostings += this.postingCounts[id]!;
    }
    if (this.deadPostings > 50_000 && this.deadPostings * 4 > this.postingCount + this.deadPostings) this.compact();
  }

  /**
   * BM25 with coverage: a query word is covered by its whole identifier or by all of its parts; a
   * chunk must cover at least one word fully, and its score scales with the square of the share
   * of words covered. Returns the best `limit` chunks, and the best of the preferred ones, best
   * first; `tally.scored` counts the chunks that held any of the terms.
   */
  score(
    terms: readonly QueryTerm[],
    groupCount: number,
    options: {
      allowed?: ((chunkId: number) => boolean) | null;
      limit: number;
      tally?: { scored: number };
      /**
       * Files whose paths spell some of the query's words, each with the bits of the groups its
       * path covers (they count as covered in its chunks); the best `limit` of their chunks are
       * returned wherever they rank overall.
       */
      preferred?: { files: ReadonlyMap<number, number>; limit: number } | null;
      /** How steeply a chunk's score falls with the share of query words it lacks (default 2: squared). */
      coveragePower?: number;
    },
  ): ScoredChunk[] {
    const groups = Math.min(groupCount, MAX_GROUPS);
    const partsPerGroup = new Array<number>(groups).fill(0);
    for (const t of terms) if (!t.whole && t.group < groups) partsPerGroup[t.group]!++;
    while (this.partsHit.length < groups) this.partsHit.push(new Uint8Array(this.stamp.length));
    const qid = ++this.queryId;
    // Scratch kept between queries: a fresh array of tens of thousands of ids per query went to the old generation and brought on full GCs.
    const touched = this.touched;
    let touchedCount = 0;
    const averageLength = this.liveChunks > 0 ? this.totalLength / this.liveChunks : 1;
    const allowed = options.allowed ?? null;
    const { lengths, stamp, bm25, wholeMask } = this;

    const accumulate = (term: QueryTerm, idf: number, chunks: ArrayLike<number>, tfs: ArrayLike<number>, start: number, end: number): void => {
      const bit = 1 << term.group;
      const parts = this.partsHit[term.group]!;
      const weight = term.weight * idf * (K1 + 1);
      for (let i = start; i < end; i++) {
        const id = chunks[i]!;
        const length = lengths[id]!;
        if (length === 0 || (allowed !== null && !allowed(id))) continue;
        if (stamp[id] !== qid) {
          stamp[id] = qid;
          bm25[id] = 0;
          wholeMask[id] = 0;
          for (let g = 0; g < groups; g++) this.partsHit[g]![id] = 0;
          touched[touchedCount++] = id;
        }
        const tf = tfs[i]!;
        bm25[id]! += (weight * tf) / (tf + K1 * (1 - B + (B * length) / averageLength));
        if (term.whole) wholeMask[id]! |= bit;
        else parts[id]!++;
      }
    };

    for (const term of terms) {
      if (term.group >= groups) continue;
      const found = this.lookup(term.hash);
      for (const { run, start, end } of found.ranges) accumulate(term, found.idf, run.chunks, run.tfs, start, end);
    }

    if (options.tally) options.tally.scored = touchedCount;
    const best = new TopK(options.limit);
    const preferred = options.preferred ?? null;
    const coveragePower = options.coveragePower ?? 2;
    const bestPreferred = new TopK(preferred?.limit ?? 0);
    const pathBits = this.pathBitsByFile(preferred?.files);
    const { files } = this;
    let floor = best.threshold;
    let preferredFloor = bestPreferred.threshold;
    try {
      for (let t = 0; t < touchedCount; t++) {
        const id = touched[t]!;
        const file = files[id]!;
        const byPath = file < pathBits.length ? pathBits[file]! : 0;
        // Coverage only lowers a score: a chunk whose BM25 alone cannot enter the heaps is done.
        if (bm25[id]! <= floor && (byPath === 0 || bm25[id]! <= preferredFloor)) continue;
        let coverage = 0;
        let coversOne = false;
        const covered = wholeMask[id]! | byPath;
        for (let g = 0; g < groups; g++) {
          const parts = partsPerGroup[g]!;
          const share = (covered >> g) & 1 ? 1 : parts > 0 ? this.partsHit[g]![id]! / parts : 0;
          coverage += share;
          if (share >= 1) coversOne = true;
        }
        if (!coversOne) continue;
        const score = bm25[id]! * (coverage / groups) ** coveragePower;
        floor = best.offer(id, score);
        if (byPath !== 0) preferredFloor = bestPreferred.offer(id, score);
      }
    } finally {
      // Scratch shared by every query: the next one must find it zeroed.
      if (preferred) for (const file of preferred.files.keys()) pathBits[file] = 0;
    }
    if (!preferred) return best.sorted();
    const merged = new Map([...best.sorted(), ...bestPreferred.sorted()].map((s) => [s.chunkId, s]));
    return [...merged.values()].sort((a, b) => b.score - a.score || a.chunkId - b.chunkId);
  }

  /** The path-covered group bits of the query's preferred files, indexed by file id: read once per scored chunk, where a map lookup cost a millisecond a query. */
  private pathBitsByFile(files: ReadonlyMap<number, number> | undefined): Uint32Array {
    if (!files) return this.pathBits.subarray(0, 0);
    let largest = -1;
    for (const file of files.keys()) largest = Math.max(largest, file);
    if (largest >= this.pathBits.length) this.pathBits = new Uint32Array(Math.max(largest + 1, this.pathBits.length * 2));
    for (const [file, groups] of files) this.pathBits[file] = groups;
    return this.pathBits;
  }

  /**
   * The chunks holding one term, best first: what `score` returns for that lone whole term (the
   * same scores and order), without its bookkeeping of words and coverage, for callers that look
   * up many single names per query.
   */
  holders(hash: number, options: { allowed?: ((chunkId: number) => boolean) | null; limit: number }): ScoredChunk[] {
    const { ranges, idf } = this.lookup(hash);
    const allowed = options.allowed ?? null;
    const { lengths } = this;
    const averageLength = this.liveChunks > 0 ? this.totalLength / this.liveChunks : 1;
    const weight = idf * (K1 + 1);
    const best = new TopK(options.limit);
    let floor = best.threshold;
    for (const { run, start, end } of ranges) {
      for (let i = start; i < end; i++) {
        const id = run.chunks[i]!;
        const length = lengths[id]!;
        if (length === 0 || (allowed !== null && !allowed(id))) continue;
        const tf = run.tfs[i]!;
        const score = (weight * tf) / (tf + K1 * (1 - B + (B * length) / averageLength));
        if (score > floor) floor = best.offer(id, score);
      }
    }
    return best.sorted();
  }

  /** Where a term's postings are in each run, and its idf over the live chunks (empty when none holds it). */
  private lookup(hash: number): { ranges: Array<{ run: Run; start: number; end: number }>; idf: number } {
    this.seal();
    const ranges: Array<{ run: Run; start: number; end: number }> = [];
    let df = 0;
    for (const run of [this.base, ...this.runs]) {
      const range = termRange(run, hash);
      if (!range) continue;
      ranges.push({ run, start: range[0], end: range[1] });
      // Removed chunks' postings stay until a compaction; they must not count.
      if (this.deadPostings === 0) df += range[1] - range[0];
      else for (let i = range[0]; i < range[1]; i++) if (this.lengths[run.chunks[i]!] !== 0) df++;
    }
    if (df === 0) return { ranges: [], idf: 0 };
    const n = Math.max(this.liveChunks, 1);
    return { ranges, idf: Math.log(1 + (n - df + 0.5) / (df + 0.5)) };
  }

  private setLength(chunkId: number, length: number): void {
    if (chunkId >= this.lengths.length) this.grow(chunkId + 1);
    if (this.lengths[chunkId] === 0) this.liveChunks++;
    else this.totalLength -= this.lengths[chunkId]!;
    this.lengths[chunkId] = length;
    this.totalLength += length;
  }

  private grow(minimum: number): void {
    let size = this.lengths.length;
    while (size < minimum) size *= 2;
    const grown = <T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.lengths = grown(this.lengths, (n) => new Int32Array(n));
    this.postingCounts = grown(this.postingCounts, (n) => new Int32Array(n));
    this.files = grown(this.files, (n) => new Int32Array(n));
    this.stamp = grown(this.stamp, (n) => new Uint32Array(n));
    this.bm25 = grown(this.bm25, (n) => new Float64Array(n));
    this.wholeMask = grown(this.wholeMask, (n) => new Uint32Array(n));
    this.touched = new Int32Array(size);
    this.partsHit = this.partsHit.map((p) => grown(p, (n) => new Uint8Array(n)));
  }

  private growPending(minimum: number): void {
    let size = this.pendingTerms.length;
    while (size < minimum) size *= 2;
    const terms = new Int32Array(size);
    const chunks = new Int32Array(size);
    const tfs = new Uint16Array(size);
    terms.set(this.pendingTerms.subarray(0, this.pendingSize));
    chunks.set(this.pendingChunks.subarray(0, this.pendingSize));
    tfs.set(this.pendingTfs.subarray(0, this.pendingSize));
    this.pendingTerms = terms;
    this.pendingChunks = chunks;
    this.pendingTfs = tfs;
  }

  /**
   * Sorts the pending postings into a run. Runs of similar size merge, so that there are few
   * however often queries seal small ones, and all merge into the base once they rival it.
   */
  private seal(): void {
    if (this.pendingSize === 0) return;
    const order = sortByTerm(this.pendingTerms, this.pendingSize);
    const terms = new Int32Array(this.pendingSize);
    const chunks = new Int32Array(this.pendingSize);
    const tfs = new Uint16Array(this.pendingSize);
    for (let i = 0; i < this.pendingSize; i++) {
      terms[i] = this.pendingTerms[order[i]!]!;
      chunks[i] = this.pendingChunks[order[i]!]!;
      tfs[i] = this.pendingTfs[order[i]!]!;
    }
    this.runs.push(runFromSorted(terms, chunks, tfs));
    this.runsSize += this.pendingSize;
    this.pendingSize = 0;
    while (this.runs.length >= 2 && this.runs.at(-2)!.chunks.length <= 2 * this.runs.at(-1)!.chunks.length) {
      const newer = this.runs.pop()!;
      const older = this.runs.pop()!;
      this.runs.push(this.merge([older, newer], false));
    }
    if (this.runsSize > Math.max(COMPACT_POSTINGS, this.base.chunks.length)) this.compact();
  }

  /** Merges the base and the runs into a new base, without the postings of removed chunks. */
  private compact(): void {
    this.seal();
    this.base = this.merge([this.base, ...this.runs], true);
    this.runs = [];
    this.runsSize = 0;
    this.deadPostings = 0;
  }

  /** One run of the postings of `runs`, term by term in the order given; `dropDead` leaves out removed chunks'. */
  private merge(runs: Run[], dropDead: boolean): Run {
    const size = runs.reduce((sum, run) => sum + run.chunks.length, 0);
    const chunks = new Int32Array(size);
    const tfs = new Uint16Array(size);
    const keptTerms: number[] = [];
    const offsets: number[] = [];
    const cursors = new Array<number>(runs.length).fill(0);
    let at = 0;
    for (;;) {
      // The smallest term not merged yet, across the runs' sorted term lists.
      let term = Infinity;
      runs.forEach((run, r) => {
        if (cursors[r]! < run.terms.length) term = Math.min(term, run.terms[cursors[r]!]!);
      });
      if (term === Infinity) break;
      const start = at;
      runs.forEach((run, r) => {
        const c = cursors[r]!;
        if (c >= run.terms.length || run.terms[c] !== term) return;
        for (let i = run.offsets[c]!; i < run.offsets[c + 1]!; i++) {
          const id = run.chunks[i]!;
          if (dropDead && this.lengths[id] === 0) continue;
          chunks[at] = id;
          tfs[at] = run.tfs[i]!;
          at++;
        }
        cursors[r] = c + 1;
      });
      if (at > start) {
        keptTerms.push(term);
        offsets.push(start);
      }
    }
    offsets.push(at);
    return { terms: Int32Array.from(keptTerms), offsets: Int32Array.from(offsets), chunks: chunks.subarray(0, at), tfs: tfs.subarray(0, at) };
  }
}

/** Postings sorted by term: each distinct term once, its postings at [offsets[i], offsets[i + 1]). */
interface Run {
  terms: Int32Array;
  offsets: Int32Array;
  chunks: Int32Array;
  tfs: Uint16Array;
}

/** Postings added before they are sorted into a run: enough to make sorting them worth it. */
const RUN_POSTINGS = 1 << 16;
/** Runs merge into the base once they hold more postings than this, or than the base. */
const COMPACT_POSTINGS = 100_000;

function emptyRun(): Run {
  return { terms: new Int32Array(0), offsets: new Int32Array(1), chunks: new Int32Array(0), tfs: new Uint16Array(0) };
}

function runFromSorted(terms: ArrayLike<number>, chunks: Int32Array, tfs: Uint16Array): Run {
  const distinct: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < terms.length; i++) {
    if (i === 0 || terms[i] !== terms[i - 1]) {
      distinct.push(terms[i]!);
      offsets.push(i);
    }
  }
  offsets.push(terms.length);
  return { terms: Int32Array.from(distinct), offsets: Int32Array.from(offsets), chunks, tfs };
}

/** [start, end) of a term's postings in a run, or null. */
function termRange(run: Run, term: number): [number, number] | null {
  const at = binarySearch(run.terms, term);
  return at < 0 ? null : [run.offsets[at]!, run.offsets[at + 1]!];
}

const radixCounts = new Uint32Array(1 << 16);

/**
 * The order of the first `n` terms sorted as signed integers, stable (so postings keep the order
 * they were added in): a radix sort on 16 bits at a time, linear where a comparison sort is not.
 */
function sortByTerm(terms: Int32Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const byLowBits = radixPass(terms, order, 0, 0);
  // Flipping the sign bit orders negative terms first.
  return radixPass(terms, byLowBits, 16, 0x8000);
}

/** `order` stably sorted by one 16-bit digit of the terms it points to. */
function radixPass(terms: Int32Array, order: Uint32Array, shift: number, flip: number): Uint32Array {
  const sorted = new Uint32Array(order.length);
  radixCounts.fill(0);
  for (let i = 0; i < order.length; i++) radixCounts[((terms[order[i]!]! >>> shift) & 0xffff) ^ flip]!++;
  for (let d = 0, sum = 0; d < radixCounts.length; d++) {
    const count = radixCounts[d]!;
    radixCounts[d] = sum;
    sum += count;
  }
  for (let i = 0; i < order.length; i++) sorted[radixCounts[((terms[order[i]!]! >>> shift) & 0xffff) ^ flip]!++] = order[i]!;
  return sorted;
}

function binarySearch(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Keeps the `capacity` highest-scoring chunks offered, in a min-heap on score. */
class TopK {
  private readonly heap: ScoredChunk[] = [];

  constructor(private readonly capacity: number) {}

  /** The score an offer must beat to enter: the lowest kept once full. */
  get threshold(): number {
    return this.heap.length < this.capacity ? -Infinity : (this.heap[0]?.score ?? Infinity);
  }

  /** Keeps the chunk if it is among the best so far; returns the new threshold. */
  offer(chunkId: number, score: number): number {
    const heap = this.heap;
    if (heap.length < this.capacity) {
      heap.push({ chunkId, score });
      this.up(heap.length - 1);
    } else if (heap.length > 0 && score > heap[0]!.score) {
      heap[0] = { chunkId, score };
      this.down(0);
    }
    return this.threshold;
  }

  sorted(): ScoredChunk[] {
    return [...this.heap].sort((a, b) => b.score - a.score || a.chunkId - b.chunkId);
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.score <= heap[i]!.score) return;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left]!.score < heap[smallest]!.score) smallest = left;
      if (right < heap.length && heap[right]!.score < heap[smallest]!.score) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
  }
}
