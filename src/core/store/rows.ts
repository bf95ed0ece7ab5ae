import type { DuckDBConnection, DuckDBResultReader, DuckDBValue } from '@duckdb/node-api';

/** A result row by column name: what reads return unless the caller names its columns. */
export type Row = Record<string, DuckDBValue>;

/** Runs a statement and returns its rows as objects, on either connection (on the writer, inside a transaction, it sees the transaction's own changes). */
export async function readRows<T extends object = Row>(connection: DuckDBConnection, sql: string, params: DuckDBValue[] = []): Promise<T[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjects() as T[];
}

/**
 * Reads of committed data on the Store's reader connection, one query at a time: how the table
 * modules read without holding a connection of their own.
 */
export interface CommittedReads {
  /** The rows as objects. */
  all<T extends object = Row>(sql: string, params?: DuckDBValue[]): Promise<T[]>;
  /** The whole result, to be read column-wise. */
  columns(sql: string, params: DuckDBValue[]): Promise<DuckDBResultReader>;
  /** The result in DataChunks, column-wise, without materialising it whole. */
  readChunks(sql: string, onChunk: (columns: DuckDBValue[][]) => void): Promise<void>;
}
