import { promises as fs } from 'node:fs';
import type {
  DuckDBConnection} from '@duckdb/node-api';
import {
  type DuckDBAppender,
  DuckDBBlobValue,
  DuckDBDataChunk,
  DuckDBInstance,
  BIGINT,
  BLOB,
  BOOLEAN,
  INTEGER,
  USMALLINT,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { QuarryError } from '../../shared/errors.js';
import type { ChunkKind, FolderInfo, SkipReason } from '../../shared/types.js';
import type { IndexedChunk } from '../indexing/process-file.js';
import { AUXILIARY_PATH_PATTERN } from '../files/auxiliary-path.js';
import { PostingsIndex } from '../lexical/postings-index.js';
import { chunkPostings } from '../lexical/tokenize.js';
import { SerialQueue } from './serial-queue.js';
import { VectorIndex } from '../search/vector-index.js';
import { MIGRATIONS } from './schema.js';
import { ScopeMirror } from './scope-mirror.js';

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

const APPEND_ROWS = 2048;
/** DuckDB's memory limit while writing (an index run's writes, until its checkpoint) and at open, whose sorted read of the postings needs room. */
const WRITING_MEMORY_LIMIT = '256MB';
/**
 * Between runs: searches read little, and what DuckDB kept from writing goes back to the system
 * (measured: 175 MB less RSS once babel is indexed).
 */
const IDLE_MEMORY_LIMIT = '64MB';
/** While loading vectors at open: keeps DuckDB from caching the table it reads once (measured: about 90 MB less RSS). */
const VECTOR_LOADING_MEMORY_LIMIT = '32MB';
/** Below this many unsorted postings, re-sorting the table is not worth a rewrite. */
const UNSORTED_POSTINGS_FLOOR = 50_000;
/** Below this many deleted chunk rows, compacting the chunk and file tables is not worth a rewrite. */
const DELETED_CHUNKS_FLOOR = 1_000;

type Row = Record<string, DuckDBValue>;

/**
 * The one owner of the DuckDB database: schema, migrations and every write. DuckDB does not
 * lock between threads of one process, so nothing else may open the file.
 *
 * Two connections, each serving one query at a time: the writer holds a transaction for a whole
 * batch, while the reader answers searches and status from what is committed.
 */
export class Store {
  private nextFileId = 1;
  private nextChunkId = 1;
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

  /** `vectors`: a model whose vectors to load now, while loading is cheapest in memory. */
  static async open(path: string, vectors?: { key: string; dims: number }): Promise<Store> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {
        // fts and vss cannot be fetched offline; nothing may try.
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        // The newest storage format compresses chunk text (DICT_FSST) to well under the source size.
        storage_compatibility_version: 'latest',
        // Checkpoints mid-index leave rewritten blocks behind and the file a third larger; the
        // indexer checkpoints once at the end of each run instead.
        checkpoint_threshold: '1GB',
        memory_limit: WRITING_MEMORY_LIMIT,
      });
    } catch (error) {
      throw openError(path, error);
    }
    const store = new Store(path, instance, await instance.connect(), await instance.connect());
    await store.migrate();
    await store.loadCounters();
    await store.loadPostings();
    if (vectors) {
      // A plain scan of the whole vectors table, which nothing reads again: not worth caching.
      // (Not for the postings: their sorted read needs the room, and failed under a low limit.)
      await store.setMemoryLimit(VECTOR_LOADING_MEMORY_LIMIT);
      await store.vectors(vectors.key, vectors.dims);
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
    return this.reads.run(async () => (await this.reader.runAndReadAll(sql, params)).getRowObjects() as T[]);
  }

  /** A read on the writer connection, inside a transaction: it sees the transaction's own changes. */
  private async query<T extends object = Row>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
    return (await this.db.runAndReadAll(sql, params)).getRowObjects() as T[];
  }

  private async migrate(): Promise<void> {
    await this.db.run('CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
    const rows = await this.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
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
    this.nextFileId = (row?.f ?? 0) + 1;
    this.nextChunkId = (row?.c ?? 0) + 1;
  }

  private async loadPostings(): Promise<void> {
    const [count] = await this.all<{ n: bigint }>('SELECT count(*) AS n FROM postings');
    const n = Number(count!.n);
    const terms = new Int32Array(n);
    const chunks = new Int32Array(n);
    const tfs = new Uint16Array(n);
    let at = 0;
    await this.readChunks('SELECT term, chunk_id, tf FROM postings ORDER BY term, chunk_id', ([t, c, f]) => {
      terms.set(t as number[], at);
      chunks.set(c as number[], at);
      tfs.set(f as number[], at);
      at += t!.length;
    });
    const ids: number[] = [];
    const files: number[] = [];
    const lengths: number[] = [];
    await this.readChunks('SELECT id, file_id, length, hash, start_line, end_line, kind, symbol, symbols FROM chunks', (columns) => {
      const [i, f, l, hash, start, end, kind, symbol, symbols] = columns as [
        number[], number[], number[], string[], number[], number[], ChunkKind[], Array<string | null>, string[],
      ];
      ids.push(...i);
      files.push(...f);
      lengths.push(...l);
      i.forEach((id, k) =>
        this.scope.addChunk(id, { hash: hash[k]!, startLine: start[k]!, endLine: end[k]!, kind: kind[k]!, symbol: symbol[k]!, symbols: symbols[k]! }),
      );
    });
    await this.readChunks("SELECT id, folder_id, path, language, provisional FROM files WHERE status = 'indexed'", ([i, d, p, l, v]) => {
      (i as number[]).forEach((id, k) =>
        this.scope.addFile(id, { folderId: (d as number[])[k]!, path: (p as string[])[k]!, language: (l as Array<string | null>)[k]!, provisional: (v as boolean[])[k]! }),
      );
    });
    for (const folder of await this.listFolders()) this.scope.folderNames.set(folder.id, folder.name);
    this.postings = PostingsIndex.fromSorted({ terms: terms.subarray(0, at), chunks: chunks.subarray(0, at), tfs: tfs.subarray(0, at) }, { ids, files, lengths });
    // A run stopped between the fast pass and the syntax pass: its provisional chunks' postings
    // were never stored (see appendFiles), so they come from their text.
    await this.readChunks('SELECT c.id, c.file_id, c.context, c.text FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.provisional', ([i, f, context, text]) => {
      (i as number[]).forEach((id, k) => {
        const { terms: chunkTerms, counts, length } = chunkPostings({ context: (context as Array<string | null>)[k]!, text: (text as string[])[k]! });
        this.postings.add(id, (f as number[])[k]!, length, chunkTerms, counts);
      });
    });
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
   * generation, persisted with it. Inside, use `this.db` and `this.query`, never `this.all`.
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
    const id = await this.transaction(async () => {
      const [row] = await this.query<{ id: number }>('SELECT coalesce(max(id), 0)::INTEGER + 1 AS id FROM folders');
      await this.db.run('INSERT INTO folders (id, name, root, added_at) VALUES (?, ?, ?, ?)', [row!.id, name, root, addedAt]);
      return row!.id;
    });
    this.scope.folderNames.set(id, name);
    return { id, name, root, addedAt, gitHead: null, lastIndexedAt: null };
  }

  async listFolders(): Promise<FolderInfo[]> {
    const rows = await this.all<{ id: number; name: string; root: string; added_at: bigint; git_head: string | null; indexed_at: bigint | null }>(
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

  async markFolderIndexed(folderId: number, gitHead: string | null): Promise<void> {
    await this.transaction(() => this.db.run('UPDATE folders SET git_head = ?, indexed_at = ? WHERE id = ?', [gitHead, Date.now(), folderId]));
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
    const removed = await this.transaction(async () => {
      const ids = await this.query<{ id: number }>('SELECT id FROM chunks WHERE folder_id = ?', [folderId]);
      await this.db.run('DELETE FROM postings WHERE chunk_id IN (SELECT id FROM chunks WHERE folder_id = ?)', [folderId]);
      await this.db.run('DELETE FROM chunks WHERE folder_id = ?', [folderId]);
      await this.db.run('DELETE FROM files WHERE folder_id = ?', [folderId]);
      if (dropFolder) await this.db.run('DELETE FROM folders WHERE id = ?', [folderId]);
      else await this.db.run('UPDATE folders SET git_head = NULL, indexed_at = NULL WHERE id = ?', [folderId]);
      return ids.map((r) => r.id);
    }).finally(release);
    this.deletedChunks += removed.length;
    this.postings.remove(removed);
    this.scope.removeFolder(folderId, removed);
    if (dropFolder) this.scope.folderNames.delete(folderId);
  }

  // Files

  /** Everything change detection needs about a folder's files, keyed by relative path. */
  async fileCatalog(folderId: number): Promise<Map<string, FileRow>> {
    const reader = await this.reads.run(() =>
      this.reader.runAndReadAll('SELECT id, path, size, mtime_ms, hash, status, skip_reason, provisional FROM files WHERE folder_id = ?', [folderId]),
    );
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

  /** Applies one batch atomically: a crash leaves every file in it either old or new, never half. */
  async applyBatch(batch: FolderBatch): Promise<{ chunks: number }> {
    const fileIdsBefore = this.nextFileId;
    const chunkIdsBefore = this.nextChunkId;
    let removed: number[] = [];
    let written: Awaited<ReturnType<Store['appendFiles']>>;
    try {
      written = await this.transaction(async () => {
        if (batch.removeFileIds.length > 0) {
          const ids = `[${batch.removeFileIds.join(',')}]`;
          // `IN (SELECT unnest(...))` is a hash semi-join; `list_contains` on a long list literal
          // compares each row with every item (measured: 4-5x slower for 1,024 files).
          removed = (await this.query<{ id: number }>(`SELECT id FROM chunks WHERE file_id IN (SELECT unnest(${ids}::INTEGER[]))`)).map((r) => r.id);
          if (removed.length > 0) {
            // The range lets DuckDB skip row groups by their min/max: postings are appended in chunk id order.
            const low = removed.reduce((a, b) => Math.min(a, b));
            const high = removed.reduce((a, b) => Math.max(a, b));
            await this.db.run(`DELETE FROM postings WHERE chunk_id BETWEEN ${low} AND ${high} AND chunk_id IN (SELECT unnest([${removed.join(',')}]::INTEGER[]))`);
          }
          await this.db.run(`DELETE FROM chunks WHERE file_id IN (SELECT unnest(${ids}::INTEGER[]))`);
          await this.db.run(`DELETE FROM files WHERE id IN (SELECT unnest(${ids}::INTEGER[]))`);
        }
        for (const t of batch.touch) {
          await this.db.run('UPDATE files SET size = ?, mtime_ms = ? WHERE id = ?', [t.size, t.mtimeMs, t.id]);
        }
        return this.appendFiles(batch.folderId, batch.write);
      });
    } catch (error) {
      this.nextFileId = fileIdsBefore;
      this.nextChunkId = chunkIdsBefore;
      throw error;
    }
    // Only what committed reaches the in-memory mirrors.
    this.deletedChunks += removed.length;
    this.postings.remove(removed);
    this.scope.removeFiles(batch.removeFileIds, removed);
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

  private async appendFiles(
    folderId: number,
    writes: FileWrite[],
  ): Promise<{ files: Array<{ id: number; write: FileWrite }>; chunks: Array<{ id: number; fileId: number; chunk: IndexedChunk }> }> {
    const files = await ColumnBuffer.open(this.db, 'files', [INTEGER, INTEGER, VARCHAR, BIGINT, BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, INTEGER, BOOLEAN]);
    const chunks = await ColumnBuffer.open(this.db, 'chunks', [INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, INTEGER]);
    const postings = await ColumnBuffer.open(this.db, 'postings', [INTEGER, INTEGER, USMALLINT]);
    const written: Array<{ id: number; fileId: number; chunk: IndexedChunk }> = [];
    const writtenFiles: Array<{ id: number; write: FileWrite }> = [];
    for (const write of writes) {
      const fileId = this.nextFileId++;
      writtenFiles.push({ id: fileId, write });
      files.push([
        fileId, folderId, write.path, BigInt(write.size), BigInt(write.mtimeMs), write.hash, write.language,
        write.skip ? 'skipped' : 'indexed', write.skip?.reason ?? null, write.skip?.detail ?? null, write.chunks.length,
        write.provisional,
      ]);
      for (const chunk of write.chunks) {
        const chunkId = this.nextChunkId++;
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

  // Vectors

  private readonly vectorIndexes = new Map<string, Promise<VectorIndex>>();

  /** The vectors of one model, loaded into memory once and kept in step with every write. */
  vectors(modelKey: string, dims: number): Promise<VectorIndex> {
    let index = this.vectorIndexes.get(modelKey);
    if (!index) {
      index = (async () => {
        const [count] = await this.all<{ n: bigint }>('SELECT count(*) AS n FROM vectors WHERE model = ?', [modelKey]);
        const loaded = new VectorIndex(dims, Math.ceil(Number(count!.n) * 1.1));
        await this.readChunks(`SELECT chunk_hash, vector FROM vectors WHERE model = '${modelKey.replace(/'/g, "''")}'`, ([hashes, blobs]) => {
          hashes!.forEach((hash, i) => loaded.add(hash as string, toFloats((blobs![i] as DuckDBBlobValue).bytes)));
        });
        return loaded;
      })();
      this.vectorIndexes.set(modelKey, index);
    }
    return index;
  }

  /** Chunk texts of a folder that have no vector for the model yet, one per distinct text, most useful first. */
  async chunksWithoutVectors(modelKey: string, folderId: number, limit: number): Promise<Array<{ hash: string; text: string }>> {
    return this.all<{ hash: string; text: string }>(
      `SELECT hash, text FROM (
         SELECT DISTINCT ON (c.hash) c.hash, c.text, f.path, f.mtime_ms, f.size
         FROM chunks c JOIN files f ON f.id = c.file_id
         WHERE c.folder_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.chunk_hash = c.hash)
           AND NOT EXISTS (SELECT 1 FROM embedding_failures x WHERE x.model = ? AND x.chunk_hash = c.hash)
       )
       -- Source before tests, docs and fixtures; recently changed first; small files first.
       ORDER BY regexp_matches(path, ?, 'i'), mtime_ms DESC, size, hash
       LIMIT ${limit}`,
      [folderId, modelKey, modelKey, AUXILIARY_PATH_PATTERN],
    );
  }

  async countChunksWithoutVectors(modelKey: string, folderId: number): Promise<number> {
    const [row] = await this.all<{ n: bigint }>(
      `SELECT count(DISTINCT c.hash) AS n FROM chunks c
       WHERE c.folder_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.chunk_hash = c.hash)
         AND NOT EXISTS (SELECT 1 FROM embedding_failures x WHERE x.model = ? AND x.chunk_hash = c.hash)`,
      [folderId, modelKey, modelKey],
    );
    return Number(row!.n);
  }

  /** Per folder: chunks, and chunks whose text has a vector for the model. */
  async embeddingCoverage(modelKey: string): Promise<Map<number, { chunks: number; embedded: number }>> {
    const rows = await this.all<{ folder_id: number; chunks: bigint; embedded: bigint }>(
      `SELECT c.folder_id, count(*) AS chunks, count(v.chunk_hash) AS embedded
       FROM chunks c LEFT JOIN (SELECT chunk_hash FROM vectors WHERE model = ?) v ON v.chunk_hash = c.hash
       GROUP BY c.folder_id`,
      [modelKey],
    );
    return new Map(rows.map((r) => [r.folder_id, { chunks: Number(r.chunks), embedded: Number(r.embedded) }]));
  }

  /** Stores vectors atomically and counts them as computed. */
  async putVectors(modelKey: string, entries: Array<{ hash: string; vector: Float32Array }>): Promise<void> {
    if (entries.length === 0) return;
    await this.transaction(async () => {
      const buffer = await ColumnBuffer.open(this.db, 'vectors', [VARCHAR, VARCHAR, BLOB]);
      // A copy of exactly the vector's bytes: the blob takes the whole underlying buffer.
      for (const { hash, vector } of entries) buffer.push([modelKey, hash, new DuckDBBlobValue(new Uint8Array(Float32Array.from(vector).buffer))]);
      buffer.close();
      await this.bumpCounter('embeddings_computed', entries.length);
    });
    const index = await this.vectorIndexes.get(modelKey);
    if (index) for (const { hash, vector } of entries) index.add(hash, vector);
  }

  /**
   * Deletes vectors whose text no chunk holds any more (edited or deleted code), of every model,
   * and counts them as evicted.
   */
  async evictUnreferencedVectors(): Promise<number> {
    const evicted = await this.transaction(async () => {
      const rows = await this.query<{ model: string; chunk_hash: string }>(
        'DELETE FROM vectors v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = v.chunk_hash) RETURNING model, chunk_hash',
      );
      if (rows.length > 0) await this.bumpCounter('vectors_evicted', rows.length);
      return rows;
    });
    for (const { model, chunk_hash } of evicted) (await this.vectorIndexes.get(model))?.remove(chunk_hash);
    return evicted.length;
  }

  /** Vectors stored for the model, and for other models (stale after a model change). */
  async vectorCounts(modelKey: string): Promise<{ entries: number; otherModels: number }> {
    const [row] = await this.all<{ entries: bigint; others: bigint }>(
      'SELECT count(*) FILTER (WHERE model = ?) AS entries, count(*) FILTER (WHERE model <> ?) AS others FROM vectors',
      [modelKey, modelKey],
    );
    return { entries: Number(row!.entries), otherModels: Number(row!.others) };
  }

  /** Records texts the model failed on, so they are not retried until they change. */
  async putEmbeddingFailures(modelKey: string, failures: Array<{ hash: string; reason: string }>): Promise<void> {
    if (failures.length === 0) return;
    await this.transaction(async () => {
      for (const f of failures) await this.db.run('INSERT INTO embedding_failures VALUES (?, ?, ?)', [modelKey, f.hash, f.reason]);
      await this.bumpCounter('embedding_failures', failures.length);
    });
  }

  /** Counts chunks that needed no embedding because their text already had a vector. */
  async countCacheHits(hits: number): Promise<void> {
    if (hits > 0) await this.transaction(() => this.bumpCounter('embedding_cache_hits', hits));
  }

  async embeddingCounters(): Promise<{ computed: number; cacheHits: number; failed: number; evicted: number }> {
    const rows = await this.all<{ key: string; value: string }>(
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

  private async bumpCounter(key: string, by: number): Promise<void> {
    await this.db.run(
      `INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = (CAST(meta.value AS BIGINT) + CAST(excluded.value AS BIGINT))::VARCHAR`,
      [key, String(by)],
    );
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
      const [row] = await this.query<{ total: bigint; sorted: string | null }>(
        "SELECT (SELECT count(*) FROM postings) AS total, (SELECT value FROM meta WHERE key = 'postings_sorted_rows') AS sorted",
      );
      const total = Number(row!.total);
      const unsorted = total - Number(row!.sorted ?? 0);
      if (unsorted > Math.max(UNSORTED_POSTINGS_FLOOR, total / 4)) {
        await this.inTransaction(async () => {
          await this.rewriteTable('postings', 'term, chunk_id');
          await this.db.run("INSERT OR REPLACE INTO meta VALUES ('postings_sorted_rows', ?)", [String(total)]);
        });
      }
      const [chunks] = await this.query<{ n: bigint }>('SELECT count(*) AS n FROM chunks');
      if (this.deletedChunks > Math.max(DELETED_CHUNKS_FLOOR, Number(chunks!.n) / 4)) {
        await this.inTransaction(async () => {
          await this.rewriteTable('files', 'id');
          await this.rewriteTable('chunks', 'id');
        });
        this.deletedChunks = 0;
      }
      await this.db.run('CHECKPOINT');
    }));
  }

  /** Rewrites a table in the given order, with its columns, constraints and indexes as they are. */
  private async rewriteTable(table: 'files' | 'chunks' | 'postings', orderBy: string): Promise<void> {
    const [definition] = await this.query<{ sql: string }>('SELECT sql FROM duckdb_tables() WHERE table_name = ?', [table]);
    const indexes = await this.query<{ sql: string }>('SELECT sql FROM duckdb_indexes() WHERE table_name = ?', [table]);
    const copy = `${table}_rewritten`;
    await this.db.run(definition!.sql.replace(new RegExp(`^CREATE TABLE ${table}\\b`), `CREATE TABLE ${copy}`));
    await this.db.run(`INSERT INTO ${copy} SELECT * FROM ${table} ORDER BY ${orderBy}`);
    await this.db.run(`DROP TABLE ${table}`);
    await this.db.run(`ALTER TABLE ${copy} RENAME TO ${table}`);
    for (const index of indexes) await this.db.run(index.sql);
  }
}

/**
 * Buffers rows column-wise and appends them in DataChunks of 2,048 rows, the fast path
 * (row-by-row appends cost far more memory and time: docs/architecture.md).
 */
class ColumnBuffer {
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

function toFloats(bytes: Uint8Array): Float32Array {
  // Copy the blob's own bytes: they are a view into a larger (Node Buffer) chunk, maybe unaligned.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function openError(path: string, error: unknown): QuarryError {
  const message = error instanceof Error ? error.message : String(error);
  if (/lock/i.test(message)) {
    const holder = /PID (\d+)/.exec(message)?.[1];
    return new QuarryError(
      'DATABASE_LOCKED',
      `The index at ${path} is in use by another Quarry process${holder ? ` (pid ${holder})` : ''}. Close it and try again.`,
    );
  }
  if (/permission|read-only|cannot open|IO Error/i.test(message)) {
    return new QuarryError('DATA_DIR_UNWRITABLE', `Cannot open the index at ${path}: ${message.split('\n')[0]}`);
  }
  return new QuarryError('DATABASE_ERROR', `Cannot open the index at ${path}: ${message.split('\n')[0]}`);
}
