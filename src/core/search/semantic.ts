import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { chunkMeta } from './hits.js';
import type { Admissible, RankedChunk } from './lexical.js';
import type { StageCounts } from './profile.js';
import type { VectorIndex } from './vector-index.js';

const CANDIDATES = 100;
/** Nearest texts read per result wanted when a scope will filter some out. */
const OVERFETCH = 4;
/** Reciprocal rank fusion constant (Cormack et al.): dampens the weight of top ranks. */
const RRF_K = 60;

/** The text a query's meaning is read from: its words and phrases, without filters. */
export function semanticText(query: ParsedQuery): string {
  return [...query.words, ...query.phrases].join(' ').trim();
}

/**
 * Chunks nearest to the query vector, best first, among the admissible ones (filters, phrases). A text
 * that occurs in several chunks (the vector is per text) yields all of them. Counts the vectors compared.
 */
export function rankSemantic(
  store: Store,
  queryVector: Float32Array,
  vectors: VectorIndex,
  admissible: Admissible | null,
  counts: StageCounts,
): RankedChunk[] {
  const tally = { compared: 0 };
  const ranked = nearestAdmissible(store, admissible, (k, allowed = null) => vectors.search(queryVector, k, allowed, 'auto', tally));
  counts.vectorsCompared = tally.compared;
  return ranked;
}

type Nearest = (k: number, allowed?: ((hash: string) => boolean) | null) => Array<{ hash: string; score: number }>;

function nearestAdmissible(store: Store, admissible: Admissible | null, nearest: Nearest): RankedChunk[] {
  if (!admissible) return nearestChunks(store, nearest(CANDIDATES));
  // Scoped: most scopes keep plenty of the nearest texts, so filter those first; a narrow one
  // searches among its own texts (phrases came with theirs).
  if (!admissible.hashes) {
    const wide = nearestChunks(store, nearest(CANDIDATES * OVERFETCH), admissible);
    if (wide.length >= CANDIDATES / 2) return wide;
  }
  const hashes = admissible.hashes ?? admissibleHashes(store, admissible);
  return nearestChunks(store, nearest(CANDIDATES, (hash) => hashes.has(hash)), admissible);
}

/** The (admissible) chunks holding the nearest texts, best first. */
function nearestChunks(store: Store, nearest: Array<{ hash: string; score: number }>, admissible: Admissible | null = null): RankedChunk[] {
  if (nearest.length === 0) return [];
  const scores = new Map<number, number>();
  for (const { hash, score } of nearest) {
    for (const id of store.scope.chunksWithText(hash)) if (!admissible || admissible(id)) scores.set(id, score);
  }
  return [...chunkMeta(store, scores.keys()).values()]
    .map((row) => ({ row, score: scores.get(row.chunk_id)! }))
    .sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path) || a.row.start_line - b.row.start_line);
}

/** Hashes of the texts of the chunks a scope admits. */
function admissibleHashes(store: Store, admissible: Admissible): Set<string> {
  const hashes = new Set<string>();
  for (const id of store.scope.chunkIds()) if (admissible(id)) hashes.add(store.scope.chunk(id)!.hash);
  return hashes;
}

/**
 * Reciprocal rank fusion of the lexical and semantic rankings: a chunk scores the sum of
 * 1 / (60 + rank) over the lists it is in, plus first-place shares by how directly the query
 * names it (`naming`: 2 for a definition it names, 1 for an identifier as typed), so exact
 * matches stay on top and definitions above mentions.
 */
export function fuse(
  lexical: readonly RankedChunk[],
  semantic: readonly RankedChunk[],
  naming: (row: RankedChunk['row']) => number,
): RankedChunk[] {
  const fused = new Map<number, RankedChunk>();
  for (const list of [lexical, semantic]) {
    list.forEach((entry, rank) => {
      const seen = fused.get(entry.row.chunk_id);
      const add = 1 / (RRF_K + rank + 1);
      if (seen) seen.score += add;
      else fused.set(entry.row.chunk_id, { row: entry.row, score: add + naming(entry.row) / (RRF_K + 1) });
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path));
}
