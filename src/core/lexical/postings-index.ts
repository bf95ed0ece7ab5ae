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
 * Layout: a compact base (terms sorted, one offsets array, parallel chunk id and tf arrays) plus a
 * delta map for postings added since; removed chunks are masked by a zero length. Both are merged
 * back into a fresh base when the delta or the dead postings grow large, so memory stays near
 * 6 bytes a posting.
 */
export class PostingsIndex {
  private baseTerms = new Int32Array(0);
  private baseOffsets = new Int32Array(1);
  private baseChunks = new Int32Array(0);
  private baseTfs = new Uint16Array(0);
  private delta = new Map<number, { chunks: number[]; tfs: number[] }>();
  private deltaSize = 0;
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

  /** The file a live chunk belongs to. */
  fileOf(chunkId: number): number {
    return this.files[chunkId] ?? 0;
  }

  get chunkCount(): number {
    return this.liveChunks;
  }

  get postingCount(): number {
    return this.baseChunks.length + this.deltaSize - this.deadPostings;
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
    const n = postings.terms.length;
    const terms: number[] = [];
    const offsets: number[] = [];
    index.baseChunks = Int32Array.from(postings.chunks);
    index.baseTfs = Uint16Array.from(postings.tfs);
    for (let i = 0; i < n; i++) {
      const term = postings.terms[i]!;
      if (i === 0 || term !== postings.terms[i - 1]) {
        terms.push(term);
        offsets.push(i);
      }
      index.postingCounts[index.baseChunks[i]!]!++;
    }
    offsets.push(n);
    index.baseTerms = Int32Array.from(terms);
    index.baseOffsets = Int32Array.from(offsets);
    return index;
  }

  add(chunkId: number, fileId: number, length: number, terms: ArrayLike<number>, tfs: ArrayLike<number>): void {
    this.setLength(chunkId, Math.max(1, length));
    this.files[chunkId] = fileId;
    this.postingCounts[chunkId] = terms.length;
    for (let i = 0; i < terms.length; i++) {
      let list = this.delta.get(terms[i]!);
      if (!list) this.delta.set(terms[i]!, (list = { chunks: [], tfs: [] }));
      list.chunks.push(chunkId);
      list.tfs.push(tfs[i]!);
    }
    this.deltaSize += terms.length;
    if (this.deltaSize > Math.max(100_000, this.baseChunks.length)) this.compact();
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
    if (this.deadPostings > 50_000 && this.deadPostings * 4 > this.baseChunks.length + this.deltaSize) this.compact();
  }

  /**
   * BM25 with coverage: a query word is covered by its whole identifier or by all of its parts; a
   * chunk must cover at least one word fully, and its score scales with the square of the share
   * of words covered. Returns the best `limit` chunks, best first.
   */
  score(
    terms: readonly QueryTerm[],
    groupCount: number,
    options: { allowed?: ((chunkId: number) => boolean) | null; limit: number },
  ): ScoredChunk[] {
    const groups = Math.min(groupCount, MAX_GROUPS);
    const partsPerGroup = new Array<number>(groups).fill(0);
    for (const t of terms) if (!t.whole && t.group < groups) partsPerGroup[t.group]!++;
    while (this.partsHit.length < groups) this.partsHit.push(new Uint8Array(this.stamp.length));
    const qid = ++this.queryId;
    const touched: number[] = [];
    const averageLength = this.liveChunks > 0 ? this.totalLength / this.liveChunks : 1;
    const n = Math.max(this.liveChunks, 1);
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
          touched.push(id);
        }
        const tf = tfs[i]!;
        bm25[id]! += (weight * tf) / (tf + K1 * (1 - B + (B * length) / averageLength));
        if (term.whole) wholeMask[id]! |= bit;
        else parts[id]!++;
      }
    };

    for (const term of terms) {
      if (term.group >= groups) continue;
      const base = this.baseRange(term.hash);
      const recent = this.delta.get(term.hash);
      // Removed chunks' postings stay until a compaction; they must not count.
      const live = (chunks: ArrayLike<number>, start: number, end: number): number => {
        if (this.deadPostings === 0) return end - start;
        let count = 0;
        for (let i = start; i < end; i++) if (lengths[chunks[i]!] !== 0) count++;
        return count;
      };
      const df = (base ? live(this.baseChunks, base[0], base[1]) : 0) + (recent ? live(recent.chunks, 0, recent.chunks.length) : 0);
      if (df === 0) continue;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      if (base) accumulate(term, idf, this.baseChunks, this.baseTfs, base[0], base[1]);
      if (recent) accumulate(term, idf, recent.chunks, recent.tfs, 0, recent.chunks.length);
    }

    const best = new TopK(options.limit);
    for (const id of touched) {
      let coverage = 0;
      let coversOne = false;
      for (let g = 0; g < groups; g++) {
        const parts = partsPerGroup[g]!;
        const share = (wholeMask[id]! >> g) & 1 ? 1 : parts > 0 ? this.partsHit[g]![id]! / parts : 0;
        coverage += share;
        if (share >= 1) coversOne = true;
      }
      if (coversOne) best.offer(id, bm25[id]! * (coverage / groups) ** 2);
    }
    return best.sorted();
  }

  /** [start, end) of a term's postings in the base, or null. */
  private baseRange(term: number): [number, number] | null {
    const at = binarySearch(this.baseTerms, term);
    return at < 0 ? null : [this.baseOffsets[at]!, this.baseOffsets[at + 1]!];
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
    this.partsHit = this.partsHit.map((p) => grown(p, (n) => new Uint8Array(n)));
  }

  /** Merges the delta into a new base and drops postings of removed chunks. */
  private compact(): void {
    const terms = new Set<number>(this.baseTerms);
    for (const term of this.delta.keys()) terms.add(term);
    const sorted = Int32Array.from(terms).sort();
    const total = this.baseChunks.length + this.deltaSize - this.deadPostings;
    const chunks = new Int32Array(Math.max(total, 0));
    const tfs = new Uint16Array(chunks.length);
    const keptTerms: number[] = [];
    const offsets: number[] = [];
    let at = 0;
    const copy = (from: ArrayLike<number>, fromTfs: ArrayLike<number>, begin: number, end: number): void => {
      for (let i = begin; i < end; i++) {
        const id = from[i]!;
        if (this.lengths[id] === 0) continue;
        chunks[at] = id;
        tfs[at] = fromTfs[i]!;
        at++;
      }
    };
    for (const term of sorted) {
      const start = at;
      const base = this.baseRange(term);
      if (base) copy(this.baseChunks, this.baseTfs, base[0], base[1]);
      const recent = this.delta.get(term);
      if (recent) copy(recent.chunks, recent.tfs, 0, recent.chunks.length);
      if (at > start) {
        keptTerms.push(term);
        offsets.push(start);
      }
    }
    offsets.push(at);
    this.baseTerms = Int32Array.from(keptTerms);
    this.baseOffsets = Int32Array.from(offsets);
    this.baseChunks = chunks.subarray(0, at);
    this.baseTfs = tfs.subarray(0, at);
    this.delta = new Map();
    this.deltaSize = 0;
    this.deadPostings = 0;
  }
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

  offer(chunkId: number, score: number): void {
    const heap = this.heap;
    if (heap.length < this.capacity) {
      heap.push({ chunkId, score });
      this.up(heap.length - 1);
    } else if (heap.length > 0 && score > heap[0]!.score) {
      heap[0] = { chunkId, score };
      this.down(0);
    }
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
