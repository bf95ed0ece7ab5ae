import type { DuckDBAppender, DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { DuckDBDataChunk } from '@duckdb/node-api';

const APPEND_ROWS = 2048;

/**
 * Buffers rows column-wise and appends them in DataChunks of 2,048 rows, the fast path
 * (row-by-row appends cost far more memory and time: docs/architecture.md).
 */
export class ColumnBuffer {
  private readonly columns: DuckDBValue[][];
  private rows = 0;

  private constructor(
    private readonly appender: DuckDBAppender,
    private readonly types: DuckDBType[],
  ) {
    this.columns = types.map(() => new Array<DuckDBValue>(APPEND_ROWS));
  }

  static async open(db: DuckDBConnection, table: string, types: DuckDBType[]): Promise<ColumnBuffer> {
    return new ColumnBuffer(await db.createAppender(table), types);
  }

  push(values: DuckDBValue[]): void {
    for (let c = 0; c < values.length; c++) this.columns[c]![this.rows] = values[c]!;
    if (++this.rows === APPEND_ROWS) this.flush();
  }

  private flush(): void {
    if (this.rows === 0) return;
    const chunk = DuckDBDataChunk.create(this.types, this.rows);
    chunk.setColumns(this.rows === APPEND_ROWS ? this.columns : this.columns.map((col) => col.slice(0, this.rows)));
    this.appender.appendDataChunk(chunk);
    this.rows = 0;
  }

  close(): void {
    this.flush();
    this.appender.closeSync();
  }
}
