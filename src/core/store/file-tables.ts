import type { DuckDBConnection } from '@duckdb/node-api';
import { BIGINT, BOOLEAN, INTEGER, USMALLINT, VARCHAR } from '@duckdb/node-api';
import type { SkipReason } from '../../shared/types.js';
import type { IndexedChunk } from '../indexing/process-file.js';
import { ColumnBuffer } from './column-buffer.js';
import { readRows, type CommittedReads } from './rows.js';

/** What change detection knows about one file of a folder. */
export interface FileRow {
  id: number;
  path: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  status: 'indexed' | 'skipped';
  skipReason: SkipReason | null;
  /** Chunked by lines for now; the syntax pass re-chunks it. */
  provisional: boolean;
}

/** A file's new state; `chunks` is empty for skipped files. */
export interface FileWrite {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  language: string | null;
  skip: { reason: SkipReason; detail: string } | null;
  chunks: IndexedChunk[];
  provisional: boolean;
}

/** One atomic change to a folder's index. */
export interface FolderBatch {
  folderId: number;
  /** Files whose rows, chunks and postings are removed (deleted, or about to be rewritten). */
  removeFileIds: number[];
  write: FileWrite[];
  /** Files whose content is unchanged but whose size or mtime moved. */
  touch: Array<{ id: number; size: number; mtimeMs: number }>;
}

/** The ids the next appended file and chunk get: the Store assigns them, the tables have no sequences. */
export interface NextIds {
  file: number;
  chunk: number;
}

/** What a batch changed, for the in-memory mirrors once it commits. */
export interface BatchWritten {
  /** The chunk ids of the removed files. */
  removed: number[];
  files: Array<{ id: number; write: FileWrite }>;
  chunks: Array<{ id: number; fileId: number; chunk: IndexedChunk }>;
}

/** A folder's file rows keyed by relative path, read column-wise: a large folder's catalog makes no row objects. */
export async function readFileCatalog(reads: CommittedReads, folderId: number): Promise<Map<string, FileRow>> {
  const reader = await reads.columns('SELECT id, path, size, mtime_ms, hash, status, skip_reason, provisional FROM files WHERE folder_id = ?', [folderId]);
  const catalog = new Map<string, FileRow>();
  if (reader.currentRowCount === 0) return catalog;
  const [ids, paths, sizes, mtimes, hashes, statuses, reasons, provisional] = reader.getColumnsJS() as [
    number[], string[], bigint[], bigint[], (string | null)[], FileRow['status'][], (SkipReason | null)[], boolean[],
  ];
  for (let i = 0; i < paths.length; i++) {
    catalog.set(paths[i]!, {
      id: ids[i]!,
      path: paths[i]!,
      size: Number(sizes[i]),
      mtimeMs: Number(mtimes[i]),
      hash: hashes[i]!,
      status: statuses[i]!,
      skipReason: reasons[i]!,
      provisional: provisional[i]!,
    });
  }
  return catalog;
}

/**
 * Writes one batch inside the caller's transaction: removes files with their chunks and postings,
 * updates touched files, appends the written ones under ids taken from `next`.
 */
export async function writeBatch(db: DuckDBConnection, batch: FolderBatch, next: NextIds): Promise<BatchWritten> {
  let removed: number[] = [];
  if (batch.removeFileIds.length > 0) {
    const ids = `[${batch.removeFileIds.join(',')}]`;
    // `IN (SELECT unnest(...))` is a hash semi-join; `list_contains` on a long list literal
    // compares each row with every item (measured: 4-5x slower for 1,024 files).
    removed = (await readRows<{ id: number }>(db, `SELECT id FROM chunks WHERE file_id IN (SELECT unnest(${ids}::INTEGER[]))`)).map((r) => r.id);
    if (removed.length > 0) {
      // The range lets DuckDB skip row groups by their min/max: postings are appended in chunk id order.
      const low = removed.reduce((a, b) => Math.min(a, b));
      const high = removed.reduce((a, b) => Math.max(a, b));
      await db.run(`DELETE FROM postings WHERE chunk_id BETWEEN ${low} AND ${high} AND chunk_id IN (SELECT unnest([${removed.join(',')}]::INTEGER[]))`);
    }
    await db.run(`DELETE FROM chunks WHERE file_id IN (SELECT unnest(${ids}::INTEGER[]))`);
    await db.run(`DELETE FROM files WHERE id IN (SELECT unnest(${ids}::INTEGER[]))`);
  }
  for (const t of batch.touch) {
    await db.run('UPDATE files SET size = ?, mtime_ms = ? WHERE id = ?', [t.size, t.mtimeMs, t.id]);
  }
  return { removed, ...(await appendFiles(db, batch.folderId, batch.write, next)) };
}

async function appendFiles(db: DuckDBConnection, folderId: number, writes: FileWrite[], next: NextIds): Promise<Omit<BatchWritten, 'removed'>> {
  const files = await ColumnBuffer.open(db, 'files', [INTEGER, INTEGER, VARCHAR, BIGINT, BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, INTEGER, BOOLEAN]);
  const chunks = await ColumnBuffer.open(db, 'chunks', [INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, INTEGER]);
  const postings = await ColumnBuffer.open(db, 'postings', [INTEGER, INTEGER, USMALLINT]);
  const written: BatchWritten['chunks'] = [];
  const writtenFiles: BatchWritten['files'] = [];
  for (const write of writes) {
    const fileId = next.file++;
    writtenFiles.push({ id: fileId, write });
    files.push([
      fileId, folderId, write.path, BigInt(write.size), BigInt(write.mtimeMs), write.hash, write.language,
      write.skip ? 'skipped' : 'indexed', write.skip?.reason ?? null, write.skip?.detail ?? null, write.chunks.length,
      write.provisional,
    ]);
    for (const chunk of write.chunks) {
      const chunkId = next.chunk++;
      written.push({ id: chunkId, fileId, chunk });
      chunks.push([
        chunkId, fileId, folderId, chunk.startLine, chunk.endLine, chunk.kind, chunk.symbol,
        chunk.symbols.join(' '), chunk.context, chunk.text, chunk.hash, chunk.length,
      ]);
      // The syntax pass soon replaces provisional chunks: their postings stay in memory only,
      // which saves writing and then deleting most of a new folder's postings.
      if (!write.provisional) for (let i = 0; i < chunk.terms.length; i++) postings.push([chunk.terms[i]!, chunkId, chunk.counts[i]!]);
    }
  }
  files.close();
  chunks.close();
  postings.close();
  return { files: writtenFiles, chunks: written };
}

/** Files in the catalog and an estimate of the bytes their rows take (the path, plus size, time, hash and ids). */
export async function countCatalog(reads: CommittedReads): Promise<{ files: number; bytes: number }> {
  const [row] = await reads.all<{ files: bigint; bytes: bigint | null }>('SELECT count(*) AS files, (sum(length(path)) + 72 * count(*))::BIGINT AS bytes FROM files');
  return { files: Number(row!.files), bytes: Number(row!.bytes ?? 0) };
}

/** Whether a folder holds files whose stamps were forgotten: only a full walk reads them again. */
export async function hasForgottenStamps(reads: CommittedReads, folderId: number): Promise<boolean> {
  const rows = await reads.all('SELECT 1 FROM files WHERE folder_id = ? AND mtime_ms = -1 LIMIT 1', [folderId]);
  return rows.length > 0;
}

/**
 * Forgets every file's size and time stamp, so the next run reads and hashes each file instead of
 * trusting an unchanged stamp (content that still matches its hash is not re-chunked). Returns
 * how many stamps were forgotten.
 */
export async function forgetFileStamps(db: DuckDBConnection): Promise<number> {
  const rows = await readRows<{ n: bigint }>(db, "UPDATE files SET mtime_ms = -1 WHERE status = 'indexed' RETURNING 1 AS n");
  return rows.length;
}
