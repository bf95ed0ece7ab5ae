import { promises as fs } from 'node:fs';
import path from 'node:path';
import { embeddedShare } from '../shared/coverage.js';
import { QuarryError } from '../shared/errors.js';
import type {
  CacheStats, EmbeddingTier, FolderInfo, FolderStatus, IndexProgress, IndexSummary, SearchMode, SearchResult, SkippedFile, SkipReason, StatusReport,
} from '../shared/types.js';
import { EngineCaches, type CacheInvalidation, type GarbageReport } from './caches.js';
import { LEFT_OUT_PATTERN, LEFT_OUT_PATTERNS } from './files/embed-scope.js';
import { embedFolder, type EmbedOutcome } from './indexing/embed-phase.js';
import type { PauseGate } from './indexing/pause-gate.js';
import { changesSince, writeSnapshot } from './indexing/watch.js';
import { DEFAULT_MAX_FILE_BYTES, indexFolder, noteSkips, noteSlowFile, type FileProcessor } from './indexing/indexer.js';
import type { CacheSettings } from './search/lru.js';
import { Searcher, type SearchRequest, type SemanticSetup } from './search/searcher.js';
import { Store } from './store/store.js';
import { unignoredPaths } from './walk/walker.js';

export interface EngineOptions {
  dataDir: string;
  processor: FileProcessor;
  /** Semantic search, the transformer tier: the model pack and what embeds with it, or why there is none. */
  embedding?: SemanticSetup;
  /** The fast tier: a static model whose vectors cover a folder in seconds, embedded first. */
  fastEmbedding?: SemanticSetup;
  /** The transformer tier embeds vendored, generated and fixture files too (by default it leaves them to the fast tier). */
  embedEverything?: boolean;
  maxFileBytes?: number;
  /** The user's ignore rules for every folder (gitignore syntax); see setIgnoreRules. */
  ignoreRules?: readonly string[];
}

export type SearchOptions = Omit<SearchRequest, 'input'>;

export interface IndexOptions {
  signal?: AbortSignal;
  /** Only these paths (relative to the folder) changed. */
  changed?: string[];
  /** Skip phase 2 (embeddings). */
  lexicalOnly?: boolean;
  /** How long one embedding batch may take before it counts as stuck. */
  batchTimeoutMs?: number;
  /** Pauses the run at its next safe point while paused. */
  gate?: PauseGate;
}

export const DATABASE_FILE = 'quarry.duckdb';

type Tier = Extract<SemanticSetup, { pack: unknown }>;
/** The order a folder gets the tiers' vectors: the fast one first. */
const TIER_ORDER: readonly EmbeddingTier[] = ['fast', 'full'];

/** The engine's public face: folders, indexing, search and status over one store. */
export class Engine {
  private readonly searcher: Searcher;
  private readonly caches: EngineCaches;
  private ignoreRules: readonly string[] = [];
  /** Aborted when a tier's model is replaced or turned off: its pass under way stops after the batch in flight. */
  private readonly tierReplaced: Record<EmbeddingTier, AbortController> = { fast: new AbortController(), full: new AbortController() };

  private constructor(
    readonly dataDir: string,
    private readonly store: Store,
    private readonly processor: FileProcessor,
    private embedding: SemanticSetup,
    private fast: SemanticSetup,
    private readonly maxFileBytes: number,
    private embedEverything: boolean,
  ) {
    this.searcher = new Searcher(store, embedding, fast, () => this.uncovered());
    this.caches = new EngineCaches(store, this.searcher, () => this.embedding);
  }

  /**
   * Semantic search with another model (one just downloaded): its vectors are loaded and search
   * uses it at once; folders get its embeddings on their next index run.
   */
  async useEmbedding(embedding: SemanticSetup): Promise<void> {
    if ('pack' in embedding) await this.store.vectors(embedding.pack.key, embedding.pack.dims);
    this.embedding = embedding;
    this.searcher.useEmbedding(embedding);
    this.replaced('full');
  }

  /** The same for the fast tier: another static model, or none. */
  async useFastEmbedding(fast: SemanticSetup): Promise<void> {
    if ('pack' in fast) await this.store.vectors(fast.pack.key, fast.pack.dims);
    this.fast = fast;
    this.searcher.useFastEmbedding(fast);
    this.replaced('fast');
  }

  private replaced(tier: EmbeddingTier): void {
    this.tierReplaced[tier].abort();
    this.tierReplaced[tier] = new AbortController();
  }

  /** From the next run on, the transformer tier embeds every file, or leaves LEFT_OUT_PATTERNS' to the fast tier. */
  setEmbedEverything(everything: boolean): void {
    this.embedEverything = everything;
  }

  /** The fast tier's model now, or null when it is off. */
  activeFastModel(): string | null {
    return 'pack' in this.fast ? this.fast.pack.modelId : null;
  }

  /** What the transformer tier leaves to the fast tier (LEFT_OUT_PATTERNS), or null when it embeds everything. */
  private leftOut(): string | null {
    return this.embedEverything ? null : LEFT_OUT_PATTERN;
  }

  /** Files no tier in use embeds: those the transformer leaves out, when no fast tier takes them. */
  private uncovered(): string | null {
    return 'pack' in this.fast ? null : this.leftOut();
  }

  /** A tier's model now, or null when it is off. */
  private tierSetup(tier: EmbeddingTier): Tier | null {
    const setup = tier === 'fast' ? this.fast : this.embedding;
    return 'pack' in setup ? setup : null;
  }

  /** The tiers that embed now, in the order a folder gets them. */
  private tiers(): Array<{ tier: EmbeddingTier; setup: Tier }> {
    return TIER_ORDER.flatMap((tier) => {
      const setup = this.tierSetup(tier);
      return setup ? [{ tier, setup }] : [];
    });
  }

  static async open(options: EngineOptions): Promise<Engine> {
    try {
      await fs.mkdir(path.join(options.dataDir, 'snapshots'), { recursive: true });
      await fs.access(options.dataDir, fs.constants.W_OK);
    } catch (error) {
      throw new QuarryError('DATA_DIR_UNWRITABLE', `Cannot write to the data directory ${options.dataDir}: ${(error as Error).message}`);
    }
    const embedding = options.embedding ?? { unavailable: 'no embedding model configured' };
    const fast = options.fastEmbedding ?? { unavailable: 'no fast model configured' };
    // Every tier's vectors are read at open, under the store's low loading limit.
    const tiers = [embedding, fast].flatMap((tier) => ('pack' in tier ? [tier.pack] : []));
    const store = await Store.open(path.join(options.dataDir, DATABASE_FILE), tiers);
    const engine = new Engine(options.dataDir, store, options.processor, embedding, fast, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, options.embedEverything ?? false);
    engine.setIgnoreRules(options.ignoreRules ?? []);
    return engine;
  }

  /** Rules from the next run on; a full re-index applies them to what is already indexed. */
  setIgnoreRules(rules: readonly string[]): void {
    this.ignoreRules = [...rules];
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
    const folder = await this.resolveFolder(nameOrPath);
    await this.store.removeFolder(folder.id);
    await fs.rm(this.snapshotFile(folder), { force: true });
  }

  /** Forgets a folder's index (files, chunks, its change snapshot); the next index run rebuilds it. */
  async clearFolder(folder: FolderInfo): Promise<void> {
    await this.store.clearFolder(folder.id);
    await fs.rm(this.snapshotFile(folder), { force: true });
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

  /**
   * Indexes one folder, yielding progress: phase 1 makes it lexically searchable, phase 2 fills in
   * the vectors its chunks lack. The generator's return value summarises the run.
   */
  async *index(folder: FolderInfo, options: IndexOptions = {}): AsyncGenerator<IndexProgress, IndexSummary> {
    const release = await this.store.makeRoomForWrites();
    try {
      return yield* this.indexWithRoom(folder, options);
    } finally {
      await release();
    }
  }

  private async *indexWithRoom(folder: FolderInfo, options: IndexOptions): AsyncGenerator<IndexProgress, IndexSummary> {
    const startedAt = performance.now();
    // The snapshot is taken before the walk, so a change made during the run is seen next time,
    // and only replaces the last one once the run is through: a run that dies (killed, power cut)
    // must leave the next catch-up looking from before it, not skipping what it never reached.
    const snapshot = this.snapshotFile(folder);
    const pending = `${snapshot}.pending`;
    const recorded = options.changed ? Promise.resolve(false) : writeSnapshot(folder.root, pending).then(() => true, () => false);
    const common = {
      maxFileBytes: this.maxFileBytes,
      userRules: this.ignoreRules,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.gate ? { gate: options.gate } : {}),
    };
    const summary = yield* indexFolder(this.store, folder, this.processor, { ...common, ...(options.changed ? { changed: options.changed } : {}) });
    // The folder is searchable now: the models load while the syntax pass runs, not after it (and
    // not before, where they would slow the first results).
    if (!options.lexicalOnly && summary.filesIndexed > 0) for (const { setup } of this.tiers()) setup.embedder.warm?.();
    // A large run chunked most files by lines to be searchable sooner; now along the syntax tree
    // (and a run interrupted in this pass resumes it), before any of them is embedded.
    const refined = yield* indexFolder(this.store, folder, this.processor, { ...common, refine: true });
    summary.chunksWritten += refined.chunksWritten;
    // A file the syntax pass could not re-read (changed meanwhile, or its worker died) is this run's skip too.
    summary.filesSkipped += refined.filesSkipped;
    noteSkips(summary, refined.skippedByReason ?? {});
    for (const file of refined.slowestFiles) noteSlowFile(summary.slowestFiles, file);
    if (await recorded) await fs.rename(pending, snapshot).catch(() => undefined);
    const byModel: NonNullable<IndexSummary['embeddingsByModel']> = [];
    summary.embeddingsByModel = byModel;
    // The fast tier first: the folder is semantically searchable in seconds, then better vectors fill in.
    for (const tier of options.lexicalOnly ? [] : TIER_ORDER) {
      // Looked up at each pass: a tier turned off or switched during the run is not embedded with its old model.
      const setup = this.tierSetup(tier);
      if (!setup) continue;
      const leftOut = tier === 'full' ? this.leftOut() : null;
      const replaced = this.tierReplaced[tier].signal;
      const run = embedFolder(this.store, folder, setup.embedder, setup.pack, {
        ...(leftOut ? { exclude: leftOut } : {}),
        signal: options.signal ? AbortSignal.any([options.signal, replaced]) : replaced,
        ...(options.batchTimeoutMs ? { batchTimeoutMs: options.batchTimeoutMs } : {}),
        ...(options.gate ? { gate: options.gate } : {}),
      });
      let step: IteratorResult<IndexProgress, EmbedOutcome>;
      try {
        step = await run.next();
        for (; !step.done; step = await run.next()) yield step.value;
      } catch (error) {
        // The tier's model went during its pass: what it stored is kept, the rest is the next model's (queued by whoever switched).
        if (replaced.aborted && !options.signal?.aborted) continue;
        throw error;
      }
      const { computed, failed } = step.value;
      // Every chunk written needs a vector of each tier: the ones not computed came from the cache.
      const hits = Math.max(0, summary.chunksWritten - computed - failed);
      byModel.push({ model: setup.pack.modelId, tier, computed, cacheHits: hits, failed });
      summary.embeddingsComputed += computed;
      summary.embeddingsFailed += failed;
      summary.embeddingCacheHits += hits;
      await this.store.countCacheHits(hits);
    }
    // Chunks were replaced or removed: their old texts' vectors may now belong to no chunk.
    if (summary.filesIndexed + summary.filesDeleted > 0) await this.store.evictUnreferencedVectors();
    summary.elapsedMs = performance.now() - startedAt;
    this.caches.noteRun(summary);
    yield { folder: folder.name, phase: 'done', unit: 'files', total: summary.filesSeen, done: summary.filesSeen, bytesDone: 0, elapsedMs: summary.elapsedMs, rate: 0, etaMs: 0 };
    return summary;
  }

  /**
   * Brings a folder up to date after Quarry was closed: only the paths the file system reports
   * changed since the last run are looked at; with no record of a last run, a full index.
   */
  async *catchUp(folder: FolderInfo, options: Omit<IndexOptions, 'changed'> = {}): AsyncGenerator<IndexProgress, IndexSummary> {
    const snapshot = this.snapshotFile(folder);
    const changed = await changesSince(folder.root, snapshot).catch(() => null);
    // Forgotten stamps (a migration that re-chunks, invalidated skips) are read again only by a full walk.
    if (changed === null || (await this.store.hasForgottenStamps(folder.id))) return yield* this.index(folder, options);
    const summary = yield* this.index(folder, { ...options, changed });
    await writeSnapshot(folder.root, snapshot);
    return summary;
  }

  /** Of the paths a watcher reported changed in a folder, those indexing would look at. */
  unignored(folder: FolderInfo, paths: readonly string[]): string[] {
    return unignoredPaths(folder.root, paths, this.ignoreRules);
  }

  private snapshotFile(folder: FolderInfo): string {
    return path.join(this.dataDir, 'snapshots', `folder-${folder.id}.snapshot`);
  }

  /** Searches; see Searcher for modes, caching and cursors. */
  search(input: string, options: SearchOptions = {}): Promise<SearchResult> {
    return this.searcher.search({ input, ...options });
  }

  /** The same search as results arrive: for hybrid, lexical first, then the fused ranking. */
  searchStream(input: string, options: SearchOptions = {}): AsyncGenerator<SearchResult> {
    return this.searcher.stream({ input, ...options });
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
    const tiers = this.tiers();
    const coverage = await this.store.embeddingCoverage(tiers.map(({ setup }) => setup.pack.key), this.uncovered());
    const byTier = await Promise.all(tiers.map(async ({ tier, setup }) => ({ tier, modelId: setup.pack.modelId, coverage: await this.store.embeddingCoverage([setup.pack.key]) })));
    const folders: FolderStatus[] = (await this.store.listFolders()).map((f) => {
      const c = counts.get(f.id);
      const chunks = Number(c?.chunks ?? 0);
      const embedded = coverage.get(f.id)?.embedded ?? 0;
      return {
        ...f,
        files: Number(c?.files ?? 0),
        chunks,
        skipped: Number(c?.skipped ?? 0),
        sourceBytes: Number(c?.bytes ?? 0),
        embedded,
        // Of the chunks some tier in use embeds: files left lexical-only by design are not missing.
        embeddingCoverage: embeddedShare([{ chunks: coverage.get(f.id)?.chunks ?? 0, embedded }]),
        tiers: byTier.map(({ tier, modelId, coverage: tierCoverage }) => ({ tier, modelId, embedded: tierCoverage.get(f.id)?.embedded ?? 0 })),
      };
    });
    const reasons = await this.store.all<{ reason: SkipReason; n: bigint }>(
      "SELECT skip_reason AS reason, count(*) AS n FROM files WHERE status = 'skipped' GROUP BY 1 ORDER BY 1",
    );
    return {
      folders,
      ...(await this.modelStatus()),
      caches: await this.cacheStats(),
      embeddingLeftOut: 'pack' in this.embedding && this.leftOut() ? await this.store.chunksByPathReason(LEFT_OUT_PATTERNS) : {},
      embeddings: await this.embeddingStats(),
      skippedByReason: Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)])),
      indexBytes: await this.store.sizeOnDisk(),
      dataDir: this.dataDir,
    };
  }

  /** The model semantic search uses now, or null when it is off. */
  activeModel(): string | null {
    return 'pack' in this.embedding ? this.embedding.pack.modelId : null;
  }

  /** The in-memory caches' counters: no query, cheap enough for every metrics sample. */
  memoryCacheStats(): CacheStats[] {
    return this.caches.memoryStats();
  }

  /** Every cache, in memory and stored in the index. */
  cacheStats(): Promise<CacheStats[]> {
    return this.caches.all();
  }

  clearCache(name: string): Promise<CacheStats> {
    return this.caches.clear(name);
  }

  /** Drops only a cache's entries that are no longer valid; says how many, by cause. */
  invalidateCache(name: string): Promise<CacheInvalidation> {
    return this.caches.invalidate(name);
  }

  configureCache(name: string, settings: CacheSettings): Promise<CacheStats> {
    return this.caches.configure(name, settings);
  }

  /** Finds the stored vectors no chunk references and, unless `dryRun`, deletes them. */
  collectGarbage(dryRun: boolean): Promise<GarbageReport> {
    return this.caches.collectGarbage(dryRun);
  }

  /** Ranks these searches into the result cache now (the service's warm-up); returns how many were warmed. */
  warmResults(requests: ReadonlyArray<{ input: string; mode?: SearchMode }>, signal?: AbortSignal): Promise<number> {
    return this.searcher.warm(requests, signal);
  }

  private async embeddingStats(): Promise<StatusReport['embeddings']> {
    const counters = await this.store.embeddingCounters();
    const pack = 'pack' in this.embedding ? this.embedding.pack : null;
    const vectors = await this.store.vectorCounts(pack?.key ?? '');
    return { ...counters, ...vectors, bytes: vectors.entries * (pack?.dims ?? 0) * 4 };
  }

  /** The model in use, or why there is none (including a model that fails to load). */
  private async modelStatus(): Promise<Pick<StatusReport, 'model' | 'fastModel' | 'modelUnavailable'>> {
    const fastModel = 'pack' in this.fast ? await this.fast.embedder.info().catch(() => null) : null;
    if ('unavailable' in this.embedding) return { model: null, fastModel, modelUnavailable: this.embedding.unavailable };
    try {
      return { model: await this.embedding.embedder.info(), fastModel, modelUnavailable: null };
    } catch (error) {
      return { model: null, fastModel, modelUnavailable: (error as Error).message };
    }
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
