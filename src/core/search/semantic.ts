import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { filterClause } from './filters.js';
import { CHUNK_META_COLUMNS, type ChunkMeta } from './hits.js';
import type { Admissible, RankedChunk } from './lexical.js';
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
 * that occurs in several chunks (the vector is per text) yields all of them.
 */
export async function rankSemantic(
  store: Store,
  query: ParsedQuery,
  queryVector: Float32Array,
  vectors: VectorIndex,
  admissible: Admissible | null,
): Promise<RankedChunk[]> {
  if (!admissible) return nearestChunks(store, query, vectors.search(queryVector, CANDIDATES));
  // Scoped by filters: most keep plenty of the nearest texts, so filter those first; only a
  // narrow scope pays for reading every admissible text's hash and searching within them.
  // Phrases already came with their (few) texts' hashes.
  if (!admissible.hashes) {
    const wide = await nearestChunks(store, query, vectors.search(queryVector, CANDIDATES * OVERFETCH), admissible);
    if (wide.length >= CANDIDATES / 2) return wide;
  }
  const hashes = admissible.hashes ?? (await admissibleHashes(store, query));
  return nearestChunks(store, query, vectors.search(queryVector, CANDIDATES, (hash) => hashes.has(hash)), admissible);
}

/** The chunks holding the nearest texts (within `ids` when given), best first. */
async function nearestChunks(
  store: Store,
  query: ParsedQuery,
  nearest: Array<{ hash: string; score: number }>,
  admissible: Admissible | null = null,
): Promise<RankedChunk[]> {
  if (nearest.length === 0) return [];
  const filters = filterClause(query.filters);
  const scores = new Map(nearest.map((n) => [n.hash, n.score]));
  // Hashes are hex digests of our own making, inlined so the hash index serves the lookup.
  const hashes = nearest.map((n) => n.hash).filter((h) => /^[0-9a-f]+$/.test(h));
  const rows = await store.all<ChunkMeta & { hash: string }>(
    `SELECT ${CHUNK_META_COLUMNS}, c.hash FROM chunks c JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id
     WHERE c.hash IN (${hashes.map((h) => `'${h}'`).join(', ')}) AND ${filters.sql}`,
    filters.params,
  );
  return rows
    .filter((row) => !admissible || admissible(row.chunk_id))
    .map((row) => ({ row, score: scores.get(row.hash)! }))
    .sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path) || a.row.start_line - b.row.start_line);
}

/** Hashes of the texts of the chunks a query's filters admit (for narrow scopes, where this set is small). */
async function admissibleHashes(store: Store, query: ParsedQuery): Promise<Set<string>> {
  const filters = filterClause(query.filters);
  const rows = await store.all<{ hash: string }>(
    `SELECT DISTINCT c.hash FROM chunks c JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id WHERE ${filters.sql}`,
    filters.params,
  );
  return new Set(rows.map((r) => r.hash));
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
