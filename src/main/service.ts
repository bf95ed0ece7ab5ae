import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../core/engine.js';
import { languageOf } from '../core/files/language.js';
import { IndexScheduler, USER_PRIORITY } from '../core/indexing/scheduler.js';
import { watchChanges } from '../core/indexing/watch.js';
import { downloadModel, type ModelSource } from '../core/embedding/model-download.js';
import { installedModels } from '../core/embedding/model-pack.js';
import { AlertEvaluator, type MetricSample } from '../core/observability/alert-evaluator.js';
import { LatencyWindow } from '../core/observability/metrics.js';
import type {
  AlertStatus, Capabilities, EventName, EventPayload, FilePreview, IndexingState, MethodInput, MethodOutput, ModelDownload, Models, QuarryApi,
  Settings, StatsSample,
} from '../shared/contract.js';
import { QuarryError } from '../shared/errors.js';
import type { CacheStats, FolderInfo, IndexProgress } from '../shared/types.js';
import type { ModelControl } from './compose.js';
import type { SettingsStore } from './settings-store.js';

/** The models folder and the switch between its models (see compose), and where the configured model downloads from. */
export type ModelInstaller = ModelControl & { source: ModelSource };

/** Progress events per second during a model download, at most. */
const DOWNLOAD_EVENTS_PER_SECOND = 10;

/** What only a desktop shell can do; browser mode has none of it. */
export interface DesktopHooks {
  pickFolder(): Promise<string | null>;
  revealInFolder(file: string): void;
  /** Opens a file with the system's default application. */
  openPath(file: string): Promise<void>;
}

type ServiceEvents = { [E in EventName]: [EventPayload<E>] };

/** How often the metrics are sampled (a `stats` event) and alert rules look at them. */
const SAMPLE_MS = 5000;
/** Samples kept for trends: an hour's worth at the default rate. */
const TREND_SAMPLES = 720;
const RESULT_CACHE = 'search results';

const MB = 1024 * 1024;

/** Lines of context the preview shows on each side of the requested line. */
const PREVIEW_CONTEXT_LINES = 200;
/** Files larger than this are previewed from their first bytes only. */
const PREVIEW_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The one implementation of the API contract, over the engine and its indexing scheduler. Every
 * front end (Electron IPC, HTTP, tests) calls these methods and listens to these events; none of
 * them touches the engine.
 */
export class QuarryService extends EventEmitter<ServiceEvents> implements QuarryApi {
  private readonly scheduler: IndexScheduler;
  private readonly searchTimes = new LatencyWindow();
  /** Created from the saved rules on first use. */
  private alertEvaluator: Promise<AlertEvaluator> | null = null;
  private readonly sampler: NodeJS.Timeout;
  private sampling = false;
  private readonly history: StatsSample[] = [];
  /** Work done since the start, from progress events, and where each folder's phase stood. */
  private readonly work = { files: 0, chunks: 0, last: new Map<string, number>() };

  constructor(
    private readonly engine: Engine,
    private readonly settingsStore: SettingsStore,
    private readonly desktop: DesktopHooks | null = null,
    private readonly installer: ModelInstaller | null = null,
    private readonly options: { sampleMs?: number; onStopRequested?: () => void } = {},
  ) {
    super();
    this.scheduler = new IndexScheduler(engine);
    this.scheduler.on('jobs', (jobs) => {
      for (const job of jobs) if (job.state === 'running' && !this.runStarts.has(job.folder)) this.runStarts.set(job.folder, Date.now());
      this.emit('indexing', this.indexingState());
    });
    this.scheduler.on('progress', (progress) => {
      this.countWork(progress);
      this.emit('progress', progress);
    });
    this.scheduler.on('summary', (summary) => {
      // A run that began under a live watcher leaves the folder current until the watcher reports a change.
      const started = this.runStarts.get(summary.folder);
      this.runStarts.delete(summary.folder);
      const watchedSince = this.watchers.get(summary.folder)?.since;
      if (started !== undefined && watchedSince !== undefined && watchedSince <= started) this.settled.add(summary.folder);
      this.emit('indexed', summary);
    });
    this.sampler = setInterval(() => void this.sample(), options.sampleMs ?? SAMPLE_MS);
    this.sampler.unref();
  }

  /** Brings every folder up to date with what changed while Quarry was closed, and keeps it so. */
  async start(): Promise<void> {
    for (const folder of await this.engine.listFolders()) {
      this.watch(folder);
      this.scheduler.enqueue(folder, { catchUp: true });
    }
  }

  /** Stops watching, and indexing at its next safe point; the engine itself is closed by its owner. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    for (const name of [...this.watchers.keys()]) await this.unwatch(name);
    this.scheduler.cancel();
    await this.scheduler.idle();
  }

  private readonly watchers = new Map<string, { stop: AbortController; ended: Promise<void>; since: number }>();
  /** When each folder's running job was first seen running. */
  private readonly runStarts = new Map<string, number>();
  /** Folders whose last run completed under their live watcher: current, but for changes it has queued. */
  private readonly settled = new Set<string>();

  /**
   * Re-indexes what changes in a folder while Quarry runs: each batch of changed paths becomes a
   * job ahead of background work. Watching starts before the folder's first run, so nothing
   * changed during that run is missed.
   */
  private watch(folder: FolderInfo): void {
    if (this.watchers.has(folder.name)) return;
    const stop = new AbortController();
    const ended = (async () => {
      try {
        for await (const reported of watchChanges(folder.root, stop.signal)) {
          const paths = this.engine.unignored(folder, reported);
          if (paths.length > 0) this.scheduler.enqueueChanges(folder, paths);
        }
      } catch (error) {
        // The folder went away or the system ran out of watches: searches go on, the index is as of the last run.
        console.warn(`quarry: stopped watching ${folder.root}: ${(error as Error).message}`);
      } finally {
        // Nobody vouches for the folder now (unless it is watched again already).
        if (this.watchers.get(folder.name)?.stop === stop) {
          this.watchers.delete(folder.name);
          this.settled.delete(folder.name);
        }
      }
    })();
    this.watchers.set(folder.name, { stop, ended, since: Date.now() });
  }

  private async unwatch(name: string): Promise<void> {
    const watcher = this.watchers.get(name);
    if (!watcher) return;
    this.watchers.delete(name);
    watcher.stop.abort();
    await watcher.ended;
  }

  /** Whether indexing or a model download is under way or waiting. */
  busy(): boolean {
    return this.downloading !== null || this.scheduler.jobs().some((job) => job.state === 'queued' || job.state === 'running');
  }

  /** Resolves when no folder is queued or being indexed. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  async status(): Promise<MethodOutput<'status'>> {
    return this.engine.status();
  }

  folders(): Promise<FolderInfo[]> {
    return this.engine.listFolders();
  }

  async indexing(): Promise<IndexingState> {
    return this.indexingState();
  }

  async capabilities(): Promise<Capabilities> {
    const desktop = this.desktop !== null;
    return { pickFolder: desktop, revealInFolder: desktop };
  }

  async addFolder({ path: dir }: MethodInput<'addFolder'>): Promise<FolderInfo> {
    if (!path.isAbsolute(dir)) throw new QuarryError('FOLDER_NOT_FOUND', `Give the folder's full path, not "${dir}"`);
    const folder = await this.engine.addFolder(dir);
    this.watch(folder);
    this.scheduler.enqueue(folder, { priority: USER_PRIORITY });
    return folder;
  }

  async pickFolder(): Promise<FolderInfo | null> {
    const chosen = await this.requireDesktop('Choosing a folder from a dialog').pickFolder();
    return chosen === null ? null : this.addFolder({ path: chosen });
  }

  async removeFolder({ folder }: MethodInput<'removeFolder'>): Promise<null> {
    const info = await this.engine.resolveFolder(folder);
    await this.unwatch(info.name);
    this.settled.delete(info.name);
    await this.scheduler.forget(info.name);
    await this.engine.removeFolder(info.name);
    return null;
  }

  async reindexFolder({ folder, rebuild, verify }: MethodInput<'reindexFolder'>): Promise<null> {
    const info = await this.engine.resolveFolder(folder);
    const pending = this.scheduler.jobs().some((job) => job.folder === info.name && (job.state === 'queued' || job.state === 'running'));
    if (!rebuild && !verify && !pending && this.settled.has(info.name)) {
      // Watchman's answer: the watcher has seen every change since the last complete run, and
      // each of them had a job; there is nothing to walk.
      await this.reportCurrent(info);
      return null;
    }
    this.settled.delete(info.name);
    if (rebuild) {
      await this.scheduler.forget(info.name);
      await this.engine.clearFolder(info);
    }
    this.scheduler.enqueue(info, { priority: USER_PRIORITY });
    return null;
  }

  /** An `indexed` event for a folder that is current: everything unchanged, nothing done. */
  private async reportCurrent(folder: FolderInfo): Promise<void> {
    const started = performance.now();
    const status = (await this.engine.status()).folders.find((f) => f.id === folder.id);
    const files = (status?.files ?? 0) + (status?.skipped ?? 0);
    this.emit('indexed', {
      folder: folder.name, filesSeen: files, filesIndexed: 0, filesUnchanged: files, filesDeleted: 0, filesSkipped: status?.skipped ?? 0,
      chunksWritten: 0, embeddingsComputed: 0, embeddingCacheHits: 0, embeddingsFailed: 0, elapsedMs: performance.now() - started,
    });
  }

  async pause({ folder }: MethodInput<'pause'>): Promise<null> {
    this.scheduler.pause(folder === undefined ? undefined : (await this.engine.resolveFolder(folder)).name);
    return null;
  }

  async resume({ folder }: MethodInput<'resume'>): Promise<null> {
    this.scheduler.resume(folder === undefined ? undefined : (await this.engine.resolveFolder(folder)).name);
    return null;
  }

  async search({ requestId, query, ...options }: MethodInput<'search'>): Promise<MethodOutput<'search'>> {
    let last: MethodOutput<'search'> | null = null;
    for await (const result of this.engine.searchStream(query, options)) {
      if (last) this.emit('searchResult', { requestId, result: last });
      last = result;
    }
    if (!last) throw new Error('the search produced no result');
    this.searchTimes.record(last.tookMs, Date.now());
    // The user is looking in these folders: their queued work goes first.
    for (const folder of new Set(last.hits.map((hit) => hit.folder))) this.scheduler.prioritize(folder);
    return last;
  }

  async skipped({ folder }: MethodInput<'skipped'>): Promise<MethodOutput<'skipped'>> {
    return this.engine.skipped(folder);
  }

  async preview(ref: MethodInput<'preview'>): Promise<FilePreview> {
    const file = await this.fileInFolder(ref.folder, ref.path);
    const handle = await fs.open(file, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(Math.min((await handle.stat()).size, PREVIEW_MAX_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const all = text.replace(/\r\n?/g, '\n').split('\n');
    const focus = Math.min(ref.line ?? 1, all.length);
    const first = Math.max(1, focus - PREVIEW_CONTEXT_LINES);
    return {
      folder: ref.folder,
      path: ref.path,
      language: languageOf(ref.path),
      firstLine: first,
      lines: all.slice(first - 1, focus + PREVIEW_CONTEXT_LINES),
      totalLines: all.length,
    };
  }

  async openInEditor(ref: MethodInput<'openInEditor'>): Promise<null> {
    const file = await this.fileInFolder(ref.folder, ref.path);
    const { editorCommand } = await this.settingsStore.read();
    if (editorCommand.trim() === '') {
      await this.requireDesktop('Opening with the default application (set an editor command in Settings)').openPath(file);
      return null;
    }
    // Split before substituting, so a path with spaces stays one argument; no shell is involved.
    const [command, ...args] = editorCommand.trim().split(/\s+/).map((part) =>
      part.replaceAll('{file}', file).replaceAll('{line}', String(ref.line ?? 1)),
    );
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command!, args, { detached: true, stdio: 'ignore' });
      child.once('error', (error) => reject(new QuarryError('EDITOR_FAILED', `Could not run "${command}": ${error.message}`)));
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
    return null;
  }

  async revealInFolder(ref: MethodInput<'revealInFolder'>): Promise<null> {
    const file = await this.fileInFolder(ref.folder, ref.path);
    this.requireDesktop('Revealing a file in the file manager').revealInFolder(file);
    return null;
  }

  settings(): Promise<Settings> {
    return this.settingsStore.read();
  }

  private downloading: { done: Promise<void>; abort: AbortController } | null = null;

  async downloadModel(): Promise<null> {
    if (!this.installer) throw new QuarryError('UNSUPPORTED', 'This Quarry has no model source to download from');
    // A second request joins the download under way.
    if (!this.downloading) {
      const abort = new AbortController();
      this.downloading = { abort, done: this.installModel(this.installer, abort.signal).finally(() => (this.downloading = null)) };
    }
    await this.downloading.done;
    return null;
  }

  async cancelModelDownload(): Promise<null> {
    this.downloading?.abort.abort();
    return null;
  }

  private async installModel(installer: ModelInstaller, signal: AbortSignal): Promise<void> {
    const report = (state: ModelDownload['state'], p: { file: string | null; bytes: number; total: number }, error: string | null = null): void => {
      this.emit('modelDownload', { modelId: installer.modelId, state, file: p.file, bytes: p.bytes, total: p.total, error });
    };
    let last = { file: null as string | null, bytes: 0, total: 0 };
    try {
      const run = downloadModel(installer.source, installer.modelsDir, installer.modelId, { signal });
      let lastEvent = 0;
      for (let step = await run.next(); !step.done; step = await run.next()) {
        last = { file: step.value.file, bytes: step.value.bytes, total: step.value.total };
        if (performance.now() - lastEvent < 1000 / DOWNLOAD_EVENTS_PER_SECOND) continue;
        lastEvent = performance.now();
        report('downloading', last);
      }
      await installer.activate(installer.modelId);
    } catch (error) {
      if (signal.aborted) {
        report('cancelled', last);
        throw new QuarryError('CANCELLED', 'The model download was cancelled; the next one continues where it stopped');
      }
      report('failed', last, error instanceof Error ? error.message : String(error));
      throw error;
    }
    report('done', last);
    await this.embedEveryFolder();
  }

  async models(): Promise<Models> {
    const active = this.engine.activeModel();
    if (!this.installer) return { modelsDir: null, active, installed: [] };
    const installed = installedModels(this.installer.modelsDir).map(({ modelId, dims, dtype }) => ({ modelId, dims, dtype }));
    return { modelsDir: this.installer.modelsDir, active, installed };
  }

  /** Every folder gets the model's embeddings; unchanged files cost nothing else, and texts it embedded before are cached. */
  private async embedEveryFolder(): Promise<void> {
    for (const folder of await this.engine.listFolders()) this.scheduler.enqueue(folder);
  }

  async updateSettings(changes: MethodInput<'updateSettings'>): Promise<Settings> {
    const before = await this.settingsStore.read();
    if (changes.modelId !== undefined && changes.modelId !== this.engine.activeModel()) {
      // Switched before anything is saved: a model that cannot load leaves the settings as they were.
      if (!this.installer) throw new QuarryError('UNSUPPORTED', 'This Quarry cannot switch models');
      await this.installer.activate(changes.modelId);
      await this.embedEveryFolder();
    }
    const next = await this.settingsStore.update(changes);
    if (this.alertEvaluator) for (const resolved of (await this.alertEvaluator).setRules(next.alertRules, Date.now())) this.emit('alert', resolved);
    if (JSON.stringify(next.ignoreRules) !== JSON.stringify(before.ignoreRules)) {
      // What is indexed must follow the new rules: a full walk of every folder.
      this.engine.setIgnoreRules(next.ignoreRules);
      for (const folder of await this.engine.listFolders()) this.scheduler.enqueue(folder, { priority: USER_PRIORITY, rerun: true });
    }
    return next;
  }

  async alerts(): Promise<AlertStatus[]> {
    return (await this.evaluator()).all();
  }

  private evaluator(): Promise<AlertEvaluator> {
    this.alertEvaluator ??= this.settingsStore.read().then((settings) => new AlertEvaluator(settings.alertRules, Date.now()));
    return this.alertEvaluator;
  }

  async trends(): Promise<StatsSample[]> {
    return [...this.history];
  }

  async caches(): Promise<CacheStats[]> {
    return this.engine.cacheStats();
  }

  async clearCache({ name }: MethodInput<'clearCache'>): Promise<CacheStats> {
    return this.engine.clearCache(name);
  }

  async configureCache({ name, ...settings }: MethodInput<'configureCache'>): Promise<CacheStats> {
    return this.engine.configureCache(name, settings);
  }

  async stopEngine(): Promise<null> {
    const stop = this.options.onStopRequested;
    if (!stop) throw new QuarryError('UNSUPPORTED', 'This Quarry is not a background engine another process can stop');
    // After this call's answer has gone out.
    setImmediate(stop);
    return null;
  }

  /** Progress reports cumulative counts per folder and pass; the differences are the work done. */
  private countWork(progress: IndexProgress): void {
    // `done` repeats the run's totals; the fast pass reports `scanning` while it walks and
    // `indexing` after, with one count.
    if (progress.phase === 'done') return;
    const pass = progress.phase === 'scanning' ? 'indexing' : progress.phase;
    const key = `${progress.folder}\0${pass}`;
    const before = this.work.last.get(key) ?? 0;
    const done = progress.done >= before ? progress.done - before : progress.done; // a new run of that phase
    this.work.last.set(key, progress.done);
    if (progress.unit === 'chunks') this.work.chunks += done;
    else this.work.files += done;
  }

  /** Samples the metrics (a `stats` event), and announces each alert that fires or resolves. */
  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const now = Date.now();
      const memory = process.memoryUsage();
      const caches = this.engine.cacheStats();
      const previous = this.history.at(-1);
      const seconds = previous ? Math.max((now - previous.at) / 1000, 1e-3) : 1;
      const results = caches.find((c) => c.name === RESULT_CACHE);
      const before = previous?.caches.find((c) => c.name === RESULT_CACHE);
      const hits = (results?.hits ?? 0) - (before?.hits ?? 0);
      const misses = (results?.misses ?? 0) - (before?.misses ?? 0);
      const stats: StatsSample = {
        at: now,
        searchP50Ms: this.searchTimes.percentile(50, now),
        searchP95Ms: this.searchTimes.percentile(95, now),
        searchesLastMinute: this.searchTimes.count(now),
        filesPerSecond: this.work.files / seconds,
        chunksEmbeddedPerSecond: this.work.chunks / seconds,
        // Counters restart when the caches are cleared (a folder removed): no rate across that.
        resultCacheHitRate: hits >= 0 && misses >= 0 && hits + misses > 0 ? hits / (hits + misses) : null,
        rssMb: memory.rss / MB,
        heapMb: memory.heapUsed / MB,
        caches,
      };
      this.work.files = 0;
      this.work.chunks = 0;
      this.history.push(stats);
      if (this.history.length > TREND_SAMPLES) this.history.shift();
      const evaluator = await this.evaluator();
      for (const status of evaluator.evaluate(this.alertMetrics(stats), now)) this.emit('alert', status);
      // After the rules have seen it: a front end that refreshes the alerts on a sample gets its values.
      this.emit('stats', stats);
    } catch (error) {
      console.warn(`quarry: could not sample the metrics: ${(error as Error).message}`);
    } finally {
      this.sampling = false;
    }
  }

  private alertMetrics(stats: StatsSample): MetricSample {
    const sample: MetricSample = { rssMb: stats.rssMb, failedJobs: this.scheduler.jobs().filter((job) => job.state === 'failed').length };
    if (stats.searchP95Ms !== null) sample.searchP95Ms = stats.searchP95Ms;
    return sample;
  }

  private indexingState(): IndexingState {
    return { paused: this.scheduler.gate.isPaused, jobs: this.scheduler.jobs() };
  }

  /** The absolute path of a file inside an added folder; anything resolving outside it is refused. */
  private async fileInFolder(folderName: string, relPath: string): Promise<string> {
    const folder = await this.engine.resolveFolder(folderName);
    const real = await fs.realpath(path.resolve(folder.root, relPath)).catch(() => null);
    if (real === null) throw new QuarryError('FILE_NOT_FOUND', `${relPath} no longer exists in ${folder.name}`);
    if (!real.startsWith(folder.root + path.sep)) throw new QuarryError('FILE_NOT_FOUND', `${relPath} is not inside ${folder.name}`);
    return real;
  }

  private requireDesktop(what: string): DesktopHooks {
    if (!this.desktop) throw new QuarryError('UNSUPPORTED', `${what} needs the desktop app; browser mode cannot do it`);
    return this.desktop;
  }
}
