import type { DuckDBConnection } from '@duckdb/node-api';
import { readRows } from './rows.js';

/** Below this many unsorted postings, re-sorting the table is not worth a rewrite. */
const UNSORTED_POSTINGS_FLOOR = 50_000;
/** Below this many deleted chunk rows, compacting the chunk and file tables is not worth a rewrite. */
const DELETED_CHUNKS_FLOOR = 1_000;

/** The postings' row count when so much was appended since the last sort that re-sorting pays; else null. */
export async function postingsToSort(db: DuckDBConnection): Promise<number | null> {
  const [row] = await readRows<{ total: bigint; sorted: string | null }>(
    db,
    "SELECT (SELECT count(*) FROM postings) AS total, (SELECT value FROM meta WHERE key = 'postings_sorted_rows') AS sorted",
  );
  const total = Number(row!.total);
  const unsorted = total - Number(row!.sorted ?? 0);
  return unsorted > Math.max(UNSORTED_POSTINGS_FLOOR, total / 4) ? total : null;
}

/** Rewrites the postings in term order and records that `total` rows are sorted, inside the caller's transaction. */
export async function sortPostings(db: DuckDBConnection, total: number): Promise<void> {
  await rewriteTable(db, 'postings', 'term, chunk_id');
  await db.run("INSERT OR REPLACE INTO meta VALUES ('postings_sorted_rows', ?)", [String(total)]);
}

/** Whether `deletedChunks` deleted rows are enough of the chunk table that rewriting it pays. */
export async function chunkTablesNeedCompacting(db: DuckDBConnection, deletedChunks: number): Promise<boolean> {
  const [chunks] = await readRows<{ n: bigint }>(db, 'SELECT count(*) AS n FROM chunks');
  return deletedChunks > Math.max(DELETED_CHUNKS_FLOOR, Number(chunks!.n) / 4);
}

/** Rewrites the file and chunk tables without their deleted rows, inside the caller's transaction. */
export async function compactChunkTables(db: DuckDBConnection): Promise<void> {
  await rewriteTable(db, 'files', 'id');
  await rewriteTable(db, 'chunks', 'id');
}

/** Rewrites a table in the given order, with its columns, constraints and indexes as they are. */
async function rewriteTable(db: DuckDBConnection, table: 'files' | 'chunks' | 'postings', orderBy: string): Promise<void> {
  const [definition] = await readRows<{ sql: string }>(db, 'SELECT sql FROM duckdb_tables() WHERE table_name = ?', [table]);
  const indexes = await readRows<{ sql: string }>(db, 'SELECT sql FROM duckdb_indexes() WHERE table_name = ?', [table]);
  const copy = `${table}_rewritten`;
  await db.run(definition!.sql.replace(new RegExp(`^CREATE TABLE ${table}\\b`), `CREATE TABLE ${copy}`));
  await db.run(`INSERT INTO ${copy} SELECT * FROM ${table} ORDER BY ${orderBy}`);
  await db.run(`DROP TABLE ${table}`);
  await db.run(`ALTER TABLE ${copy} RENAME TO ${table}`);
  for (const index of indexes) await db.run(index.sql);
}
