import { promises as fs } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { QuarryError } from '../../shared/errors.js';
import type { FolderInfo } from '../../shared/types.js';
import { PostingsIndex } from '../lexical/postings-index.js';
import type { VectorIndex } from '../search/vector-index.js';
import { chunkTablesNeedCompacting, compactChunkTables, postingsToSort, sortPostings } from './compaction.js';
import {
  addCacheHits,
  countUnreferencedVectors,
  appendVectors,
  countChunksByPathReason,
  countDistinctChunksWithoutVectors,
  countVectors,
  deleteUnreferencedVectors,
  insertEmbeddingFailures,
  loadVectorIndex,
  selectChunksWithoutVectors,
  selectEmbeddingCounters,
  selectEmbeddingCoverage,
} from './embedding-tables.js';
import { countCatalog, forgetFileStamps, hasForgottenStamps, readFileCatalog, writeBatch, type BatchWritten, type FileRow, type FolderBatch, type NextIds } from './file-tables.js';
import { deleteFolderContent, insertFolder, selectFolders, updateFolderIndexed } from './folder-table.js';
import { loadMirrors } from './load-mirrors.js';
import { IDLE_MEMORY_LIMIT, openInstance, VECTOR_LOADING_MEMORY_LIMIT, WRITING_MEMORY_LIMIT } from './open-database.js';
import { readRows, type CommittedReads, type Row } from './rows.js';
import { MIGRATIONS } from './schema.js';
import { ScopeMirror } from './scope-mirror.js';
import { SerialQueue } from './serial-queue.js';

/** Re-exported: callers take the batch types from the Store they pass them to. */
export type { FileRow, FileWrite, FolderBatch } from './file-tables.js';

/**
 * The one owner of the DuckDB database: schema, migrations and every write. DuckDB does not
 * lock between threads of one process, so nothing else may open the file.
 *
 * Two connections, each serving one query at a time: the writer holds a transaction for a whole
 * batch, while the reader answers searches and status from what is committed. The SQL of each
 * table lives in its module (folder-table, file-tables, embedding-tables, compaction); the Store
 * runs it on its connections, inside its transactions, and keeps the in-memory mirrors in step.
 */
export class Store {
  private nextIds: NextIds = { file: 1, chunk: 1 };
  /** Bumped on every committed write and kept in the database; caches and cursors key on it. */
  generation = 0;
  /** Chunk rows deleted since the tables were last compacted (in this opening). */
  private deletedChunks = 0;
  /** The postings, mirrored in memory for ranking; kept in step with every commit. */
  postings = new PostingsIndex();
  /** Files, folders and chunks as filters and result lists see them (no text); kept in step with every commit. */
  readonly scope = new ScopeMirror();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    /** The writer: migrations, transactions and appends, one at a time under `writes`. */
    private readonly db: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {}

  private readonly writes = new SerialQueue();
  private readonly reads = new SerialQueue();
  /** The reader connection as the table modules use it: one query at a time, under `reads`. */
  private readonly committed: CommittedReads = {
    all: this.all.bind(this),
    columns: (sql, params) => this.reads.run(() => this.reader.runAndReadAll(sql, params)),
    readChunks: this.readChunks.bind(this),
  };

  /** `vectors`: the models (every tier's) whose vectors to load now, while loading is cheapest in memory. */
  static async open(path: string, vectors: ReadonlyArray<{ key: string; dims: number }> = []): Promise<Store> {
    const instance = await openInstance(path);
    const store = new Store(path, instance, await instance.connect(), await instance.connect());
    await store.migrate();
    await store.loadCounters();
    store.postings = await loadMirrors(store.committed, store.scope);
    if (vectors.length > 0) {
      // A plain scan of the whole vectors table, which nothing reads again: not worth caching.
      // (Not for the postings: their sorted read needs the room, and failed under a low limit.)
      await store.setMemoryLimit(VECTOR_LOADING_MEMORY_LIMIT);
      for (const model of vectors) await store.vectors(model.key, model.dims);
    }
    await store.setMemoryLimit(IDLE_MEMORY_LIMIT);
    return store;
  }

  private writers = 0;

  /**
   * Gives DuckDB room for the writes of an index run (or another large change) until the
   * returned function is called; between them it keeps little memory.
   */
  async makeRoomForWrites(): Promise<() => Promise<void>> {
    if (this.writers++ === 0) await this.setMemoryLimit(WRITING_MEMORY_LIMIT);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (--this.writers === 0) await this.setMemoryLimit(IDLE_MEMORY_LIMIT);
    };
  }

  /** The limit is the database's, whichever connection sets it; the reader is free between queries. */
  private setMemoryLimit(limit: string): Promise<void> {
    return this.reads.run(async () => {
      await this.reader.run(`SET memory_limit = '${limit}'`);
    });
  }

  close(): void {
    this.reader.closeSync();
    this.db.closeSync();
    this.instance.closeSync();
  }

  /** A read of committed data, on the reader connection. */
  all<T extends object = Row>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
    return this.reads.run(() => readRows<T>(this.reader, sql, params));
  }

  private async migrate(): Promise<void> {
    await this.db.run('CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
    const rows = await readRows<{ value: string }>(this.db, "SELECT value FROM meta WHERE key = 'schema_version'");
    let version = rows[0] ? Number(rows[0].value) : 0;
    if (version > MIGRATIONS.length) {
      throw new QuarryError('DATABASE_ERROR', `${this.path} was written by a newer Quarry (schema ${version}); upgrade Quarry to open it`);
    }
    while (version < MIGRATIONS.length) {
      await this.transaction(async () => {
        for (const statement of MIGRATIONS[version]!) await this.db.run(statement);
        version++;
        await this.db.run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [String(version)]);
      });
    }
  }

  private async loadCounters(): Promise<void> {
    const [generation] = await this.all<{ value: string }>("SELECT value FROM meta WHERE key = 'generation'");
    this.generation = Number(generation?.value ?? 0);
    const [row] = await this.all<{ f: number; c: number }>(
      'SELECT (SELECT coalesce(max(id), 0) FROM files)::INTEGER AS f, (SELECT coalesce(max(id), 0) FROM chunks)::INTEGER AS c',
    );
    this.nextIds = { file: (row?.f ?? 0) + 1, chunk: (row?.c ?? 0) + 1 };
  }

  /** Streams a query's result in DataChunks, column-wise, without materialising it whole. */
  private readChunks(sql: string, onChunk: (columns: DuckDBValue[][]) => void): Promise<void> {
    return this.reads.run(async () => {
      const result = await this.reader.stream(sql);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        onChunk(chunk.getColumns());
      }
    });
  }

  /**
   * Runs `work` atomically, alone on the writer connection; each commit is a new index
   * generation, persisted with it. Inside, use `this.db` (directly or through the table
   * modules), never `this.all`.
   */
  private transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.writes.run(() => this.inTransaction(work));
  }

  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.db.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.db.run("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", [String(this.generation + 1)]);
      await this.db.run('COMMIT');
      this.generation++;
      return result;
    } catch (error) {
      await this.db.run('ROLLBACK');
      throw error;
    }
  }

  // Folders

  async addFolder(root: string, name: string): Promise<FolderInfo> {
    const addedAt = Date.now();
    const id = await this.transaction(() => insertFolder(this.db, name, root, addedAt));
    this.scope.folderNames.set(id, name);
    return { id, name, root, addedAt, gitHead: null, lastIndexedAt: null };
  }

  async listFolders(): Promise<FolderInfo[]> {
    return selectFolders(this.committed);
  }

  async markFolderIndexed(folderId: number, gitHead: string | null): Promise<void> {
    await this.transaction(() => updateFolderIndexed(this.db, folderId, gitHead));
  }

  async removeFolder(folderId: number): Promise<void> {
    await this.dropFolderContent(folderId, true);
  }

  /** Forgets everything indexed in a folder but keeps the folder, so the next run starts afresh. */
  async clearFolder(folderId: number): Promise<void> {
    await this.dropFolderContent(folderId, false);
  }

  private async dropFolderContent(folderId: number, dropFolder: boolean): Promise<void> {
    const release = await this.makeRoomForWrites();
    const removed = await this.transaction(() => deleteFolderContent(this.db, folderId, dropFolder)).finally(release);
    this.deletedChunks += removed.length;
    this.postings.remove(removed);
    this.scope.removeFolder(folderId, removed);
    if (dropFolder) this.scope.folderNames.delete(folderId);
  }

  // Files

  /** Everything change detection needs about a folder's files, keyed by relative path. */
  async fileCatalog(folderId: number): Promise<Map<string, FileRow>> {
    return readFileCatalog(this.committed, folderId);
  }

  /** Applies one batch atomically: a crash leaves every file in it either old or new, never half. */
  async applyBatch(batch: FolderBatch): Promise<{ chunks: number }> {
    // Taken when this batch's turn comes: a batch queued behind another must not roll the ids
    // back past the one that committed before it.
    let idsBefore = this.nextIds;
    let written: BatchWritten;
    try {
      written = await this.transaction(() => {
        idsBefore = { ...this.nextIds };
        return writeBatch(this.db, batch, this.nextIds);
      });
    } catch (error) {
      this.nextIds = idsBefore;
      throw error;
    }
    // Only what committed reaches the in-memory mirrors.
    this.deletedChunks += written.removed.length;
    this.postings.remove(written.removed);
    this.scope.removeFiles(batch.removeFileIds, written.removed);
    for (const { id, write } of written.files) {
      if (!write.skip) this.scope.addFile(id, { folderId: batch.folderId, path: write.path, language: write.language, provisional: write.provisional });
    }
    for (const { id, fileId, chunk } of written.chunks) {
      this.postings.add(id, fileId, chunk.length, chunk.terms, chunk.counts);
      this.scope.addChunk(id, {
        hash: chunk.hash, startLine: chunk.startLine, endLine: chunk.endLine, kind: chunk.kind, symbol: chunk.symbol, symbols: chunk.symbols.join(' '),
      });
    }
    return { chunks: written.chunks.length };
  }

  // Vectors

  private readonly vectorIndexes = new Map<string, Promise<VectorIndex>>();

  /** The vectors of one model, loaded into memory once and kept in step with every write. */
  vectors(modelKey: string, dims: number): Promise<VectorIndex> {
    let index = this.vectorIndexes.get(modelKey);
    if (!index) {
      index = loadVectorIndex(this.committed, modelKey, dims);
      this.vectorIndexes.set(modelKey, index);
    }
    return index;
  }

  /** Chunk texts of a folder that have no vector for the model yet, one per distinct text, most useful first; none of `exclude`'s files. */
  async chunksWithoutVectors(modelKey: string, folderId: number, limit: number, exclude: string | null = null): Promise<Array<{ hash: string; text: string }>> {
    return selectChunksWithoutVectors(this.committed, modelKey, folderId, limit, exclude);
  }

  async countChunksWithoutVectors(modelKey: string, folderId: number, exclude: string | null = null): Promise<number> {
    return countDistinctChunksWithoutVectors(this.committed, modelKey, folderId, exclude);
  }

  /** Chunks whose file path matches each reason's pattern (the first that matches). */
  chunksByPathReason(patterns: Readonly<Record<string, string>>): Promise<Record<string, number>> {
    return countChunksByPathReason(this.committed, patterns);
  }

  /** Per folder: chunks (but those of `exclude`'s files), and those whose text has a vector for any of the models. */
  async embeddingCoverage(modelKeys: readonly string[], exclude: string | null = null): Promise<Map<number, { chunks: number; embedded: number }>> {
    return selectEmbeddingCoverage(this.committed, modelKeys, exclude);
  }

  /** Stores vectors atomically and counts them as computed. */
  async putVectors(modelKey: string, entries: Array<{ hash: string; vector: Float32Array }>): Promise<void> {
    if (entries.length === 0) return;
    await this.transaction(() => appendVectors(this.db, modelKey, entries));
    const index = await this.vectorIndexes.get(modelKey);
    if (index) for (const { hash, vector } of entries) index.add(hash, vector);
  }

  /**
   * Deletes vectors whose text no chunk holds any more (edited or deleted code), of every model,
   * and counts them as evicted.
   */
  async evictUnreferencedVectors(): Promise<number> {
    const evicted = await this.transaction(() => deleteUnreferencedVectors(this.db));
    for (const { model, chunk_hash } of evicted) (await this.vectorIndexes.get(model))?.remove(chunk_hash);
    return evicted.length;
  }

  /** Vectors no chunk references, with the bytes deleting them would free. */
  unreferencedVectors(): Promise<{ vectors: number; bytes: number }> {
    return countUnreferencedVectors(this.committed);
  }

  /** The file catalog's size: what lets a run skip unchanged files. */
  catalogSize(): Promise<{ files: number; bytes: number }> {
    return countCatalog(this.committed);
  }

  /** Whether the folder has files whose stamps were forgotten (a migration, cache invalidation): a catch-up must walk it all. */
  hasForgottenStamps(folderId: number): Promise<boolean> {
    return hasForgottenStamps(this.committed, folderId);
  }

  /** Makes the next run of every folder read and hash each file; returns how many stamps it forgot. */
  forgetFileStamps(): Promise<number> {
    return this.transaction(() => forgetFileStamps(this.db));
  }

  /** Vectors stored for the model, and for other models (stale after a model change). */
  async vectorCounts(modelKey: string): Promise<{ entries: number; otherModels: number }> {
    return countVectors(this.committed, modelKey);
  }

  /** Records texts the model failed on, so they are not retried until they change. */
  async putEmbeddingFailures(modelKey: string, failures: Array<{ hash: string; reason: string }>): Promise<void> {
    if (failures.length === 0) return;
    await this.transaction(() => insertEmbeddingFailures(this.db, modelKey, failures));
  }

  /** Counts chunks that needed no embedding because their text already had a vector. */
  async countCacheHits(hits: number): Promise<void> {
    if (hits > 0) await this.transaction(() => addCacheHits(this.db, hits));
  }

  async embeddingCounters(): Promise<{ computed: number; cacheHits: number; failed: number; evicted: number }> {
    return selectEmbeddingCounters(this.committed);
  }

  /** Bytes of the database file and its write-ahead log. */
  async sizeOnDisk(): Promise<number> {
    let total = 0;
    for (const file of [this.path, `${this.path}.wal`]) {
      total += await fs.stat(file).then((s) => s.size, () => 0);
    }
    return total;
  }

  /**
   * Folds the write-ahead log into the database file. First, when much of the postings table
   * was appended since it was last sorted, rewrites it in term order: sorted hashes bit-pack to a
   * fraction of their size (done before the checkpoint, the unsorted copy never reaches the file).
   * Likewise, when many chunks were deleted (a rebuild, or the syntax pass replacing the fast
   * pass's chunks), the chunk and file tables are rewritten: a checkpoint keeps deleted rows.
   */
  async checkpoint(): Promise<void> {
    // Alone on both connections: a checkpoint and the table rewrite want no reader in the way.
    await this.writes.run(() => this.reads.run(async () => {
      const sortedRows = await postingsToSort(this.db);
      if (sortedRows !== null) await this.inTransaction(() => sortPostings(this.db, sortedRows));
      if (await chunkTablesNeedCompacting(this.db, this.deletedChunks)) {
        await this.inTransaction(() => compactChunkTables(this.db));
        this.deletedChunks = 0;
      }
      await this.db.run('CHECKPOINT');
    }));
  }
}
