import { EventEmitter } from 'node:events';
import type { Engine } from '../core/engine.js';
import { IndexScheduler } from '../core/indexing/scheduler.js';
import type {
  AlertEvent, AlertStatus, CacheReport, Capabilities, FilePreview, IndexingState, IndexRunReport, MethodInput, MethodOutput, Models, QuarryApi, Settings, StatsSample, TrendsReport,
} from '../shared/contract.js';
import { QuarryError } from '../shared/errors.js';
import type { FolderInfo } from '../shared/types.js';
import { requireDesktop, type DesktopHooks } from './service/desktop.js';
import { ServiceCaches } from './service/caches.js';
import type { Emit, ServiceEvents } from './service/events.js';
import { FolderFiles } from './service/files.js';
import { FolderIndexing } from './service/indexing.js';
import { ServiceMetrics } from './service/metrics.js';
import { EmbeddingModels, type ModelInstaller } from './service/models.js';
import { StreamingSearch } from './service/search.js';
import type { SettingsStore } from './settings-store.js';

/** Part of the constructor's signature, so importers keep taking them from here. */
export type { DesktopHooks, ModelInstaller };

/**
 * The one implementation of the API contract, over the engine and its indexing scheduler. Every
 * front end (Electron IPC, HTTP, tests) calls these methods and listens to these events; none of
 * them touches the engine. The work is done by the collaborators in ./service/, which announce
 * their events through this emitter.
 */
export class QuarryService extends EventEmitter<ServiceEvents> implements QuarryApi {
  private readonly folderIndexing: FolderIndexing;
  private readonly streamingSearch: StreamingSearch;
  private readonly folderFiles: FolderFiles;
  private readonly embeddingModels: EmbeddingModels;
  private readonly metrics: ServiceMetrics;
  private readonly serviceCaches: ServiceCaches;
  private warming: Promise<number> = Promise.resolve(0);
  /** Aborted by stop(): the start's warm-up must not search an engine being closed. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly engine: Engine,
    private readonly settingsStore: SettingsStore,
    private readonly desktop: DesktopHooks | null = null,
    installer: ModelInstaller | null = null,
    private readonly options: { sampleMs?: number; onStopRequested?: () => void } = {},
  ) {
    super();
    const emit: Emit = this.emit.bind(this);
    const scheduler = new IndexScheduler(engine);
    // Before the indexing, so each progress report is counted as work done before its `progress`
    // event goes out; the folders' watchers are read through the indexing once it exists.
    this.metrics = new ServiceMetrics(engine, settingsStore, scheduler, emit, options.sampleMs, {
      watcherFailures: () => this.folderIndexing.watcherFailures(),
      staleFolders: () => this.folderIndexing.staleFolders(),
    });
    this.folderIndexing = new FolderIndexing(engine, scheduler, emit);
    this.streamingSearch = new StreamingSearch(engine, scheduler, this.metrics, emit);
    this.folderFiles = new FolderFiles(engine, settingsStore, desktop);
    this.embeddingModels = new EmbeddingModels(engine, installer, this.folderIndexing, settingsStore, emit);
    this.serviceCaches = new ServiceCaches(engine, this.metrics, this.folderIndexing);
  }

  /**
   * Brings every folder up to date with what changed while Quarry was closed, and keeps it so;
   * once that first catch-up is done, warms the result cache with the week's frequent queries
   * (before it, a ranking would belong to a generation about to pass).
   */
  async start(): Promise<void> {
    await this.folderIndexing.start();
    const { signal } = this.stopping;
    this.warming = this.idle()
      .then(() => (signal.aborted ? { warmed: 0 } : this.serviceCaches.warm(signal)))
      .then(({ warmed }) => warmed, (error: unknown) => {
        console.warn(`quarry: could not warm the result cache: ${(error as Error).message}`);
        return 0;
      });
  }

  /** The start's warm-up of the result cache: resolves with how many queries it ranked (0 before start). */
  warmedAtStart(): Promise<number> {
    return this.warming;
  }

  /** Stops sampling, watching, and indexing at its next safe point; the engine itself is closed by its owner. */
  async stop(): Promise<void> {
    // Indexing first: a run it stops still gets its report into the history before that closes.
    this.stopping.abort();
    await this.folderIndexing.stop();
    await this.warming;
    await this.metrics.stop();
  }

  /** Whether indexing or a model download is under way or waiting. */
  busy(): boolean {
    return this.embeddingModels.isDownloading() || this.folderIndexing.hasWork();
  }

  /** Resolves when no folder is queued or being indexed. */
  idle(): Promise<void> {
    return this.folderIndexing.idle();
  }

  async status(): Promise<MethodOutput<'status'>> {
    return this.engine.status();
  }

  folders(): Promise<FolderInfo[]> {
    return this.engine.listFolders();
  }

  async indexing(): Promise<IndexingState> {
    return this.folderIndexing.state();
  }

  async capabilities(): Promise<Capabilities> {
    const desktop = this.desktop !== null;
    return { pickFolder: desktop, revealInFolder: desktop };
  }

  addFolder(input: MethodInput<'addFolder'>): Promise<FolderInfo> {
    return this.folderIndexing.addFolder(input);
  }

  async pickFolder(): Promise<FolderInfo | null> {
    const chosen = await requireDesktop(this.desktop, 'Choosing a folder from a dialog').pickFolder();
    return chosen === null ? null : this.addFolder({ path: chosen });
  }

  removeFolder(input: MethodInput<'removeFolder'>): Promise<null> {
    return this.folderIndexing.removeFolder(input);
  }

  reindexFolder(input: MethodInput<'reindexFolder'>): Promise<null> {
    return this.folderIndexing.reindexFolder(input);
  }

  pause(input: MethodInput<'pause'>): Promise<null> {
    return this.folderIndexing.pause(input);
  }

  resume(input: MethodInput<'resume'>): Promise<null> {
    return this.folderIndexing.resume(input);
  }

  search(input: MethodInput<'search'>): Promise<MethodOutput<'search'>> {
    return this.streamingSearch.search(input);
  }

  async skipped({ folder }: MethodInput<'skipped'>): Promise<MethodOutput<'skipped'>> {
    return this.engine.skipped(folder);
  }

  preview(ref: MethodInput<'preview'>): Promise<FilePreview> {
    return this.folderFiles.preview(ref);
  }

  openInEditor(ref: MethodInput<'openInEditor'>): Promise<null> {
    return this.folderFiles.openInEditor(ref);
  }

  revealInFolder(ref: MethodInput<'revealInFolder'>): Promise<null> {
    return this.folderFiles.revealInFolder(ref);
  }

  settings(): Promise<Settings> {
    return this.settingsStore.read();
  }

  async updateSettings(changes: MethodInput<'updateSettings'>): Promise<Settings> {
    const before = await this.settingsStore.read();
    // Switched before anything is saved: a model that cannot load leaves the settings as they were.
    if (changes.modelId !== undefined && changes.modelId !== (this.engine.activeModel() ?? 'none')) await this.embeddingModels.switchTo('transformer', changes.modelId);
    if (changes.fastModelId !== undefined && changes.fastModelId !== (this.engine.activeFastModel() ?? 'none')) await this.embeddingModels.switchTo('fast', changes.fastModelId);
    if (changes.embedEverything !== undefined && changes.embedEverything !== before.embedEverything) await this.embeddingModels.setEmbedEverything(changes.embedEverything);
    const next = await this.settingsStore.update(changes);
    await this.metrics.applyAlertRules(next.alertRules);
    if (JSON.stringify(next.ignoreRules) !== JSON.stringify(before.ignoreRules)) await this.folderIndexing.applyIgnoreRules(next.ignoreRules);
    return next;
  }

  downloadModel(input: MethodInput<'downloadModel'> = {}): Promise<null> {
    return this.embeddingModels.downloadModel(input);
  }

  cancelModelDownload(input: MethodInput<'cancelModelDownload'> = {}): Promise<null> {
    return this.embeddingModels.cancelModelDownload(input);
  }

  models(): Promise<Models> {
    return this.embeddingModels.models();
  }

  alerts(): Promise<AlertStatus[]> {
    return this.metrics.alerts();
  }

  acknowledgeAlert(input: MethodInput<'acknowledgeAlert'>): Promise<AlertStatus> {
    return this.metrics.acknowledgeAlert(input);
  }

  alertHistory(input: MethodInput<'alertHistory'>): Promise<AlertEvent[]> {
    return this.metrics.alertHistory(input);
  }

  stats(): Promise<StatsSample | null> {
    return this.metrics.stats();
  }

  trends(input: MethodInput<'trends'>): Promise<TrendsReport> {
    return this.metrics.trends(input);
  }

  reports(input: MethodInput<'reports'>): Promise<IndexRunReport[]> {
    return this.metrics.reports(input);
  }

  recordBenchmark(input: MethodInput<'recordBenchmark'>): Promise<null> {
    return this.metrics.recordBenchmark(input);
  }

  prometheusMetrics(): Promise<MethodOutput<'prometheusMetrics'>> {
    return this.metrics.prometheusMetrics();
  }

  caches(): Promise<CacheReport[]> {
    return this.serviceCaches.caches();
  }

  clearCache(input: MethodInput<'clearCache'>): Promise<CacheReport> {
    return this.serviceCaches.clearCache(input);
  }

  invalidateCache(input: MethodInput<'invalidateCache'>): Promise<MethodOutput<'invalidateCache'>> {
    return this.serviceCaches.invalidateCache(input);
  }

  configureCache(input: MethodInput<'configureCache'>): Promise<CacheReport> {
    return this.serviceCaches.configureCache(input);
  }

  warmCache(): Promise<MethodOutput<'warmCache'>> {
    return this.serviceCaches.warmCache();
  }

  collectGarbage(input: MethodInput<'collectGarbage'>): Promise<MethodOutput<'collectGarbage'>> {
    return this.serviceCaches.collectGarbage(input);
  }

  async stopEngine(): Promise<null> {
    const stop = this.options.onStopRequested;
    if (!stop) throw new QuarryError('UNSUPPORTED', 'This Quarry is not a background engine another process can stop');
    // After this call's answer has gone out.
    setImmediate(stop);
    return null;
  }
}
