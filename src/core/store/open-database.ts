import { DuckDBInstance } from '@duckdb/node-api';
import { QuarryError } from '../../shared/errors.js';

/** DuckDB's memory limit while writing (an index run's writes, until its checkpoint) and at open, whose sorted read of the postings needs room. */
export const WRITING_MEMORY_LIMIT = '256MB';
/**
 * Between runs: searches read little, and what DuckDB kept from writing goes back to the system
 * (measured: 175 MB less RSS once babel is indexed).
 */
export const IDLE_MEMORY_LIMIT = '64MB';
/** While loading vectors at open: keeps DuckDB from caching the table it reads once (measured: about 90 MB less RSS). */
export const VECTOR_LOADING_MEMORY_LIMIT = '32MB';

/** Opens the index database file with Quarry's settings; a failure says what to do about it (another Quarry holds the lock, the file is not writable). */
export function openInstance(path: string): Promise<DuckDBInstance> {
  return openDuckDBFile(path, {
    // The newest storage format compresses chunk text (DICT_FSST) to well under the source size.
    storage_compatibility_version: 'latest',
    // Checkpoints mid-index leave rewritten blocks behind and the file a third larger; the
    // indexer checkpoints once at the end of each run instead.
    checkpoint_threshold: '1GB',
    memory_limit: WRITING_MEMORY_LIMIT,
  });
}

/** Opens a DuckDB file with the given settings and never an extension; errors as openInstance's, naming `what` the file is. */
export async function openDuckDBFile(path: string, settings: Record<string, string>, what = 'index'): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(path, {
      // fts and vss cannot be fetched offline; nothing may try.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      ...settings,
    });
  } catch (error) {
    throw openError(path, what, error);
  }
}

function openError(path: string, what: string, error: unknown): QuarryError {
  const message = error instanceof Error ? error.message : String(error);
  // DuckDB's own words: "Could not set lock on file ...: Conflicting lock is held in ... (PID n)".
  if (/Could not set lock|Conflicting lock/i.test(message)) {
    const holder = /PID (\d+)/.exec(message)?.[1];
    return new QuarryError(
      'DATABASE_LOCKED',
      `The ${what} at ${path} is in use by another Quarry process${holder ? ` (pid ${holder})` : ''}. Close it and try again.`,
    );
  }
  // A file that is not DuckDB's, or is damaged or cut short: its contents, not the disk, are the trouble.
  if (/not a valid DuckDB database|Corrupt database file|Could not read enough bytes|Serialization Error/i.test(message)) {
    return new QuarryError('DATABASE_ERROR', `Cannot open the ${what} at ${path}: it is damaged or not a DuckDB file (${message.split('\n')[0]})`);
  }
  if (/permission|read-only|cannot open|IO Error/i.test(message)) {
    return new QuarryError('DATA_DIR_UNWRITABLE', `Cannot open the ${what} at ${path}: ${message.split('\n')[0]}`);
  }
  return new QuarryError('DATABASE_ERROR', `Cannot open the ${what} at ${path}: ${message.split('\n')[0]}`);
}
