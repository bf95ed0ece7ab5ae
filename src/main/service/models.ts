import type { Engine } from '../../core/engine.js';
import { downloadModel, type ModelSource } from '../../core/embedding/model-download.js';
import { installedModels } from '../../core/embedding/model-pack.js';
import { installedStaticPacks } from '../../core/embedding/static-pack.js';
import type { ModelDownload, Models, QuarryApi } from '../../shared/contract.js';
import { QuarryError } from '../../shared/errors.js';
import type { ModelControl } from '../compose.js';
import type { Emit } from './events.js';
import type { FolderIndexing } from './indexing.js';

/** The models folder and the switch between its models (see compose), and where the configured model downloads from. */
export type ModelInstaller = ModelControl & { source: ModelSource };

/** Progress events per second during a model download, at most. */
const DOWNLOAD_EVENTS_PER_SECOND = 10;

/** Downloads, lists and switches the embedding model; a new model in use queues every folder for its embeddings. */
export class EmbeddingModels implements Pick<QuarryApi, 'downloadModel' | 'cancelModelDownload' | 'models'> {
  private downloading: { done: Promise<void>; abort: AbortController } | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly installer: ModelInstaller | null,
    private readonly indexing: Pick<FolderIndexing, 'enqueueEveryFolder'>,
    private readonly emit: Emit,
  ) {}

  /** Whether a model download is under way. */
  isDownloading(): boolean {
    return this.downloading !== null;
  }

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

  async models(): Promise<Models> {
    const active = this.engine.activeModel();
    const fastActive = this.engine.activeFastModel();
    if (!this.installer) return { modelsDir: null, active, installed: [], fast: { active: fastActive, installed: [] } };
    const installed = installedModels(this.installer.modelsDir).map(({ modelId, dims, dtype }) => ({ modelId, dims, dtype }));
    const fast = (await installedStaticPacks(this.installer.modelsDir)).map(({ modelId, dims, dtype }) => ({ modelId, dims, dtype }));
    return { modelsDir: this.installer.modelsDir, active, installed, fast: { active: fastActive, installed: fast } };
  }

  /** Loads an installed model in place of the one in use. */
  async switchTo(modelId: string): Promise<void> {
    if (!this.installer) throw new QuarryError('UNSUPPORTED', 'This Quarry cannot switch models');
    await this.installer.activate(modelId);
    await this.embedEveryFolder();
  }

  /** Loads an installed static model as the fast tier, or turns the tier off ('none'); folders get its vectors. */
  async switchFastTo(modelId: string): Promise<void> {
    if (!this.installer) throw new QuarryError('UNSUPPORTED', 'This Quarry cannot switch models');
    await this.installer.activateFast(modelId);
    if (modelId !== 'none') await this.embedEveryFolder();
  }

  /** The transformer tier embeds every file from now on, or leaves vendored, generated and fixture files to the fast tier. */
  async setEmbedEverything(everything: boolean): Promise<void> {
    this.engine.setEmbedEverything(everything);
    if (everything) await this.embedEveryFolder();
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

  /** Every folder gets the model's embeddings; unchanged files cost nothing else, and texts it embedded before are cached. */
  private embedEveryFolder(): Promise<void> {
    return this.indexing.enqueueEveryFolder();
  }
}
