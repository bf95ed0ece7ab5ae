import type { DuckDBConnection } from '@duckdb/node-api';
import { BLOB, DuckDBBlobValue, VARCHAR } from '@duckdb/node-api';
import { AUXILIARY_PATH_PATTERN } from '../files/auxiliary-path.js';
import { VectorIndex } from '../search/vector-index.js';
import { ColumnBuffer } from './column-buffer.js';
import { readRows, type CommittedReads } from './rows.js';

/** Reads one model's stored vectors into a new in-memory index. */
export async function loadVectorIndex(reads: CommittedReads, modelKey: string, dims: number): Promise<VectorIndex> {
  const [count] = await reads.all<{ n: bigint }>('SELECT count(*) AS n FROM vectors WHERE model = ?', [modelKey]);
  const loaded = new VectorIndex(dims, Math.ceil(Number(count!.n) * 1.1));
  await reads.readChunks(`SELECT chunk_hash, vector FROM vectors WHERE model = '${modelKey.replace(/'/g, "''")}'`, ([hashes, blobs]) => {
    hashes!.forEach((hash, i) => loaded.add(hash as string, toFloats((blobs![i] as DuckDBBlobValue).bytes)));
  });
  return loaded;
}

/**
 * Chunk texts of a folder that have no vector for the model yet, one per distinct text, most
 * useful first; `exclude`, a path pattern (RE2), leaves the files it matches out.
 */
export function selectChunksWithoutVectors(reads: CommittedReads, modelKey: string, folderId: number, limit: number, exclude: string | null): Promise<Array<{ hash: string; text: string }>> {
  return reads.all<{ hash: string; text: string }>(
    `SELECT hash, text FROM (
       SELECT DISTINCT ON (c.hash) c.hash, c.text, f.path, f.mtime_ms, f.size
       FROM chunks c JOIN files f ON f.id = c.file_id
       WHERE c.folder_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.chunk_hash = c.hash)
         AND NOT EXISTS (SELECT 1 FROM embedding_failures x WHERE x.model = ? AND x.chunk_hash = c.hash)
         AND NOT regexp_matches(f.path, ?, 'i')
     )
     -- Source before tests, docs and fixtures; recently changed first; small files first.
     ORDER BY regexp_matches(path, ?, 'i'), mtime_ms DESC, size, hash
     LIMIT ${limit}`,
    [folderId, modelKey, modelKey, exclude ?? NOTHING, AUXILIARY_PATH_PATTERN],
  );
}

/** How many distinct chunk texts of a folder still want a vector for the model (failed ones and `exclude`'s do not). */
export async function countDistinctChunksWithoutVectors(reads: CommittedReads, modelKey: string, folderId: number, exclude: string | null): Promise<number> {
  const [row] = await reads.all<{ n: bigint }>(
    `SELECT count(DISTINCT c.hash) AS n FROM chunks c JOIN files f ON f.id = c.file_id
     WHERE c.folder_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.chunk_hash = c.hash)
       AND NOT EXISTS (SELECT 1 FROM embedding_failures x WHERE x.model = ? AND x.chunk_hash = c.hash)
       AND NOT regexp_matches(f.path, ?, 'i')`,
    [folderId, modelKey, modelKey, exclude ?? NOTHING],
  );
  return Number(row!.n);
}

/** A pattern no path matches. */
const NOTHING = '$^';

/** Chunks of every folder whose file a reason's pattern matches, by reason (the first that matches). */
export async function countChunksByPathReason(reads: CommittedReads, patterns: Readonly<Record<string, string>>): Promise<Record<string, number>> {
  const reasons = Object.entries(patterns);
  if (reasons.length === 0) return {};
  const cases = reasons.map(() => "WHEN regexp_matches(f.path, ?, 'i') THEN ?").join(' ');
  const rows = await reads.all<{ reason: string | null; n: bigint }>(
    `SELECT CASE ${cases} END AS reason, count(*) AS n FROM chunks c JOIN files f ON f.id = c.file_id GROUP BY 1`,
    reasons.flatMap(([reason, pattern]) => [pattern, reason]),
  );
  return Object.fromEntries(rows.filter((row) => row.reason !== null).map((row) => [row.reason!, Number(row.n)]));
}

/** Per folder: chunks (but those of `exclude`'s files), and those whose text has a vector for any of the models. */
export async function selectEmbeddingCoverage(reads: CommittedReads, modelKeys: readonly string[], exclude: string | null): Promise<Map<number, { chunks: number; embedded: number }>> {
  const keys = modelKeys.length > 0 ? [...modelKeys] : [''];
  const rows = await reads.all<{ folder_id: number; chunks: bigint; embedded: bigint }>(
    `SELECT c.folder_id, count(*) AS chunks, count(v.chunk_hash) AS embedded
     FROM chunks c JOIN files f ON f.id = c.file_id
     LEFT JOIN (SELECT DISTINCT chunk_hash FROM vectors WHERE model IN (${keys.map(() => '?').join(', ')})) v ON v.chunk_hash = c.hash
     WHERE NOT regexp_matches(f.path, ?, 'i')
     GROUP BY c.folder_id`,
    [...keys, exclude ?? NOTHING],
  );
  return new Map(rows.map((r) => [r.folder_id, { chunks: Number(r.chunks), embedded: Number(r.embedded) }]));
}

/** Appends vectors and counts them as computed, inside the caller's transaction. */
export async function appendVectors(db: DuckDBConnection, modelKey: string, entries: Array<{ hash: string; vector: Float32Array }>): Promise<void> {
  const buffer = await ColumnBuffer.open(db, 'vectors', [VARCHAR, VARCHAR, BLOB]);
  // A copy of exactly the vector's bytes: the blob takes the whole underlying buffer.
  for (const { hash, vector } of entries) buffer.push([modelKey, hash, new DuckDBBlobValue(new Uint8Array(Float32Array.from(vector).buffer))]);
  buffer.close();
  await bumpCounter(db, 'embeddings_computed', entries.length);
}

/** Deletes the vectors (of every model) whose text no chunk holds, counts them as evicted, and returns them; inside the caller's transaction. */
export async function deleteUnreferencedVectors(db: DuckDBConnection): Promise<Array<{ model: string; chunk_hash: string }>> {
  const rows = await readRows<{ model: string; chunk_hash: string }>(
    db,
    'DELETE FROM vectors v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = v.chunk_hash) RETURNING model, chunk_hash',
  );
  if (rows.length > 0) await bumpCounter(db, 'vectors_evicted', rows.length);
  return rows;
}

/** Vectors no chunk's text has any more (left by a run that stopped before its clean-up), with their bytes. */
export async function countUnreferencedVectors(reads: CommittedReads): Promise<{ vectors: number; bytes: number }> {
  const [row] = await reads.all<{ vectors: bigint; bytes: bigint | null }>(
    'SELECT count(*) AS vectors, sum(octet_length(vector))::BIGINT AS bytes FROM vectors v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = v.chunk_hash)',
  );
  return { vectors: Number(row!.vectors), bytes: Number(row!.bytes ?? 0) };
}

/** Vectors stored for the model, and for other models (stale after a model change). */
export async function countVectors(reads: CommittedReads, modelKey: string): Promise<{ entries: number; otherModels: number }> {
  const [row] = await reads.all<{ entries: bigint; others: bigint }>(
    'SELECT count(*) FILTER (WHERE model = ?) AS entries, count(*) FILTER (WHERE model <> ?) AS others FROM vectors',
    [modelKey, modelKey],
  );
  return { entries: Number(row!.entries), otherModels: Number(row!.others) };
}

/** Records texts the model failed on and counts them, inside the caller's transaction. */
export async function insertEmbeddingFailures(db: DuckDBConnection, modelKey: string, failures: Array<{ hash: string; reason: string }>): Promise<void> {
  for (const f of failures) await db.run('INSERT INTO embedding_failures VALUES (?, ?, ?)', [modelKey, f.hash, f.reason]);
  await bumpCounter(db, 'embedding_failures', failures.length);
}

/** Counts chunks whose text already had a vector, inside the caller's transaction. */
export function addCacheHits(db: DuckDBConnection, hits: number): Promise<void> {
  return bumpCounter(db, 'embedding_cache_hits', hits);
}

/** The embedding counters kept in `meta`, for status. */
export async function selectEmbeddingCounters(reads: CommittedReads): Promise<{ computed: number; cacheHits: number; failed: number; evicted: number }> {
  const rows = await reads.all<{ key: string; value: string }>(
    "SELECT key, value FROM meta WHERE key IN ('embeddings_computed', 'embedding_cache_hits', 'embedding_failures', 'vectors_evicted')",
  );
  const get = (key: string): number => Number(rows.find((r) => r.key === key)?.value ?? 0);
  return {
    computed: get('embeddings_computed'),
    cacheHits: get('embedding_cache_hits'),
    failed: get('embedding_failures'),
    evicted: get('vectors_evicted'),
  };
}

async function bumpCounter(db: DuckDBConnection, key: string, by: number): Promise<void> {
  await db.run(
    `INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = (CAST(meta.value AS BIGINT) + CAST(excluded.value AS BIGINT))::VARCHAR`,
    [key, String(by)],
  );
}

function toFloats(bytes: Uint8Array): Float32Array {
  // Copy the blob's own bytes: they are a view into a larger (Node Buffer) chunk, maybe unaligned.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
