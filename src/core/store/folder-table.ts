import type { DuckDBConnection } from '@duckdb/node-api';
import type { FolderInfo } from '../../shared/types.js';
import { readRows, type CommittedReads } from './rows.js';

/** Adds a folder under the next free id, inside the caller's transaction; returns the id. */
export async function insertFolder(db: DuckDBConnection, name: string, root: string, addedAt: number): Promise<number> {
  const [row] = await readRows<{ id: number }>(db, 'SELECT coalesce(max(id), 0)::INTEGER + 1 AS id FROM folders');
  await db.run('INSERT INTO folders (id, name, root, added_at) VALUES (?, ?, ?, ?)', [row!.id, name, root, addedAt]);
  return row!.id;
}

/** Every folder, by name, as callers see them. */
export async function selectFolders(reads: CommittedReads): Promise<FolderInfo[]> {
  const rows = await reads.all<{ id: number; name: string; root: string; added_at: bigint; git_head: string | null; indexed_at: bigint | null }>(
    'SELECT * FROM folders ORDER BY name',
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    root: r.root,
    addedAt: Number(r.added_at),
    gitHead: r.git_head,
    lastIndexedAt: r.indexed_at === null ? null : Number(r.indexed_at),
  }));
}

/** Records a finished index run of the folder (now) and the git head it saw, inside the caller's transaction. */
export async function updateFolderIndexed(db: DuckDBConnection, folderId: number, gitHead: string | null): Promise<void> {
  await db.run('UPDATE folders SET git_head = ?, indexed_at = ? WHERE id = ?', [gitHead, Date.now(), folderId]);
}

/**
 * Deletes a folder's postings, chunks and files, and the folder itself or else its run record, inside
 * the caller's transaction; returns the deleted chunk ids for the in-memory mirrors.
 */
export async function deleteFolderContent(db: DuckDBConnection, folderId: number, dropFolder: boolean): Promise<number[]> {
  const ids = await readRows<{ id: number }>(db, 'SELECT id FROM chunks WHERE folder_id = ?', [folderId]);
  await db.run('DELETE FROM postings WHERE chunk_id IN (SELECT id FROM chunks WHERE folder_id = ?)', [folderId]);
  await db.run('DELETE FROM chunks WHERE folder_id = ?', [folderId]);
  await db.run('DELETE FROM files WHERE folder_id = ?', [folderId]);
  if (dropFolder) await db.run('DELETE FROM folders WHERE id = ?', [folderId]);
  else await db.run('UPDATE folders SET git_head = NULL, indexed_at = NULL WHERE id = ?', [folderId]);
  return ids.map((r) => r.id);
}
