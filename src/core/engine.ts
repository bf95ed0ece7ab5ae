import { promises as fs } from 'node:fs';
import path from 'node:path';
import { QuarryError } from '../shared/errors.js';
import type {
  FolderInfo, FolderStatus, IndexProgress, IndexSummary, SearchMode, SearchResult, SkippedFile, SkipReason, StatusReport,
} from '../shared/types.js';
import { DEFAULT_MAX_FILE_BYTES, indexFolder, type FileProcessor } from './indexing/indexer.js';
import { parseQuery } from './query/parse.js';
import { lexicalSearch } from './search/lexical.js';
import { regexSearch } from './search/regex.js';
import { Store } from './store/store.js';

export interface EngineOptions {
  dataDir: string;
  processor: FileProcessor;
  maxFileBytes?: number;
}

export interface SearchOptions {
  mode?: SearchMode;
  limit?: number;
}

export const DATABASE_FILE = 'quarry.duckdb';

/** The engine's public face: folders, indexing, search and status over one store. */
export class Engine {
  private constructor(
    readonly dataDir: string,
    private readonly store: Store,
    private readonly processor: FileProcessor,
    private readonly maxFileBytes: number,
  ) {}

  static async open(options: EngineOptions): Promise<Engine> {
    try {
      await fs.mkdir(options.dataDir, { recursive: true });
      await fs.access(options.dataDir, fs.constants.W_OK);
    } catch (error) {
      throw new QuarryError('DATA_DIR_UNWRITABLE', `Cannot write to the data directory ${options.dataDir}: ${(error as Error).message}`);
    }
    const store = await Store.open(path.join(options.dataDir, DATABASE_FILE));
    return new Engine(options.dataDir, store, options.processor, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  }

  close(): void {
    this.store.close();
  }

  async addFolder(dir: string): Promise<FolderInfo> {
    const absolute = path.resolve(dir);
    const stat = await fs.stat(absolute).catch(() => null);
    if (!stat) throw new QuarryError('FOLDER_NOT_FOUND', `No such folder: ${absolute}`);
    if (!stat.isDirectory()) throw new QuarryError('NOT_A_DIRECTORY', `Not a folder: ${absolute}`);
    const root = await fs.realpath(absolute);
    const folders = await this.store.listFolders();
    const same = folders.find((f) => f.root === root);
    if (same) throw new QuarryError('FOLDER_ALREADY_ADDED', `${root} is already added as "${same.name}"`);
    const base = path.basename(root) || 'root';
    let name = base;
    for (let n = 2; folders.some((f) => f.name === name); n++) name = `${base}-${n}`;
    return this.store.addFolder(root, name);
  }

  async removeFolder(nameOrPath: string): Promise<void> {
    await this.store.removeFolder((await this.resolveFolder(nameOrPath)).id);
  }

  listFolders(): Promise<FolderInfo[]> {
    return this.store.listFolders();
  }

  /** Finds a folder by name, or by a path equal to or inside its root. */
  async resolveFolder(nameOrPath: string): Promise<FolderInfo> {
    const folders = await this.store.listFolders();
    const byName = folders.find((f) => f.name === nameOrPath);
    if (byName) return byName;
    const real = await fs.realpath(path.resolve(nameOrPath)).catch(() => path.resolve(nameOrPath));
    const byPath = folders
      .filter((f) => real === f.root || real.startsWith(f.root + path.sep))
      .sort((a, b) => b.root.length - a.root.length)[0];
    if (byPath) return byPath;
    throw new QuarryError('UNKNOWN_FOLDER', `"${nameOrPath}" is not an added folder; add it with \`quarry add\``);
  }

  /** Indexes one folder, yielding progress; the generator's return value summarises the run. */
  index(folder: FolderInfo, signal?: AbortSignal): AsyncGenerator<IndexProgress, IndexSummary> {
    return indexFolder(this.store, folder, this.processor, { maxFileBytes: this.maxFileBytes, ...(signal ? { signal } : {}) });
  }

  async search(input: string, options: SearchOptions = {}): Promise<SearchResult> {
    const started = performance.now();
    const mode = options.mode ?? 'lexical';
    const limit = Math.max(1, Math.min(options.limit ?? 20, 1000));
    const query = parseQuery(input, mode);
    if (query.words.length === 0 && query.phrases.length === 0 && !query.regex && !hasFilters(query.filters)) {
      throw new QuarryError('BAD_QUERY', 'Nothing to search for');
    }
    const hits = query.regex ? await regexSearch(this.store, query, limit) : await lexicalSearch(this.store, query, limit);
    return { hits, tookMs: performance.now() - started };
  }

  async status(): Promise<StatusReport> {
    const rows = await this.store.all<{ id: number; files: bigint; chunks: bigint; skipped: bigint; bytes: bigint }>(
      `SELECT d.id,
         (SELECT count(*) FROM files f WHERE f.folder_id = d.id AND f.status = 'indexed') AS files,
         (SELECT count(*) FROM chunks c WHERE c.folder_id = d.id) AS chunks,
         (SELECT count(*) FROM files f WHERE f.folder_id = d.id AND f.status = 'skipped') AS skipped,
         (SELECT coalesce(sum(size), 0) FROM files f WHERE f.folder_id = d.id AND f.status = 'indexed')::BIGINT AS bytes
       FROM folders d`,
    );
    const counts = new Map(rows.map((r) => [r.id, r]));
    const folders: FolderStatus[] = (await this.store.listFolders()).map((f) => {
      const c = counts.get(f.id);
      return { ...f, files: Number(c?.files ?? 0), chunks: Number(c?.chunks ?? 0), skipped: Number(c?.skipped ?? 0), sourceBytes: Number(c?.bytes ?? 0) };
    });
    const reasons = await this.store.all<{ reason: SkipReason; n: bigint }>(
      "SELECT skip_reason AS reason, count(*) AS n FROM files WHERE status = 'skipped' GROUP BY 1 ORDER BY 1",
    );
    return {
      folders,
      skippedByReason: Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)])),
      indexBytes: await this.store.sizeOnDisk(),
      dataDir: this.dataDir,
    };
  }

  async skipped(folderName?: string): Promise<SkippedFile[]> {
    const folder = folderName ? await this.resolveFolder(folderName) : null;
    return this.store.all<SkippedFile>(
      `SELECT d.name AS folder, f.path, f.skip_reason AS reason, f.skip_detail AS detail
       FROM files f JOIN folders d ON d.id = f.folder_id
       WHERE f.status = 'skipped' ${folder ? 'AND d.id = ?' : ''}
       ORDER BY d.name, f.path`,
      folder ? [folder.id] : [],
    );
  }
}

function hasFilters(filters: ReturnType<typeof parseQuery>['filters']): boolean {
  return Object.values(filters).some((values) => values.length > 0);
}
