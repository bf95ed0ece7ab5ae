import type { Engine } from '../../core/engine.js';
import { DEFAULT_FAST_MODEL_SOURCE, downloadModel, type ModelSource, type PackLayout } from '../../core/embedding/model-download.js';
import { DEFAULT_FAST_MODEL_ID, DEFAULT_MODEL_ID, installedModels } from '../../core/embedding/model-pack.js';
import { installedStaticPacks } from '../../core/embedding/static-pack.js';
import type { MethodInput, ModelDownload, Models, ModelTier, QuarryApi } from '../../shared/contract.js';
import { QuarryError } from '../../shared/errors.js';
import type { ModelControl } from '../compose.js';
import type { SettingsStore } from '../settings-store.js';
import type { Emit } from './events.js';
import type { FolderIndexing } from './indexing.js';

/**
 * The models folder and the switch between its models (see compose), and where the configured
 * model downloads from; the fast tier's static model comes from the same endpoint.
 */
export type ModelInstaller = ModelControl & { source: ModelSource };

/** What a tier's download fetches, and in which layout. */
interface TierDownload {
  modelId: string;
  source: ModelSource;
  layout: PackLayout;
}

/** Progress events per second during a model download, at most. */
const DOWNLOAD_EVENTS_PER_SECOND = 10;

/** Downloads, lists and switches the embedding models of both tiers; a new model in use queues every folder for its embeddings. */
export class EmbeddingModels implements Pick<QuarryApi, 'downloadModel' | 'cancelModelDownload' | 'models'> {
  /** One download per tier at a time: the fast tier's need not wait behind the transformer's. */
  private readonly downloading = new Map<ModelTier, { done: Promise<void>; abort: AbortController }>();

  constructor(
    private readonly engine: Engine,
    private readonly installer: ModelInstaller | null,
    private readonly indexing: Pick<FolderIndexing, 'enqueueEveryFolder'>,
    private readonly settings: Pick<SettingsStore, 'update'>,
    private readonly emit: Emit,
  ) {}

  /** Whether a model download is under way. */
  isDownloading(): boolean {
    return this.downloading.size > 0;
  }

  async downloadModel({ tier = 'transformer' }: MethodInput<'downloadModel'>): Promise<null> {
    if (!this.installer) throw new QuarryError('UNSUPPORTED', 'This Quarry has no model source to download from');
    // A second request for the tier joins the download under way.
    let running = this.downloading.get(tier);
    if (!running) {
      const abort = new AbortController();
      running = { abort, done: this.installModel(this.installer, tier, abort.signal).finally(() => this.downloading.delete(tier)) };
      this.downloading.set(tier, running);
    }
    await running.done;
    return null;
  }

  async cancelModelDownload({ tier = 'transformer' }: MethodInput<'cancelModelDownload'>): Promise<null> {
    this.downloading.get(tier)?.abort.abort();
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

  /**
   * Loads an installed model into a tier in place of the one in use, and folders get its vectors;
   * or turns the tier off ('none'): its pass under way stops, and semantic search goes on with the other tier.
   */
  async switchTo(tier: ModelTier, modelId: string): Promise<void> {
    if (!this.installer) throw new QuarryError('UNSUPPORTED', 'This Quarry cannot switch models');
    await this.activate(this.installer, tier, modelId);
    if (modelId !== 'none') await this.embedEveryFolder();
  }

  private activate(installer: ModelInstaller, tier: ModelTier, modelId: string): Promise<void> {
    return tier === 'fast' ? installer.activateFast(modelId) : installer.activate(modelId);
  }

  /** The transformer tier embeds every file from now on, or leaves vendored, generated and fixture files to the fast tier. */
  async setEmbedEverything(everything: boolean): Promise<void> {
    this.engine.setEmbedEverything(everything);
    if (everything) await this.embedEveryFolder();
  }

  /**
   * The transformer tier fetches the model configured at start (the default one if the tier was
   * off then), the fast tier the default static model, from the same endpoint.
   */
  private tierDownload(installer: ModelInstaller, tier: ModelTier): TierDownload {
    if (tier === 'transformer') {
      return { modelId: installer.modelId === 'none' ? DEFAULT_MODEL_ID : installer.modelId, source: installer.source, layout: 'transformers' };
    }
    return { modelId: DEFAULT_FAST_MODEL_ID, source: { endpoint: installer.source.endpoint, repo: DEFAULT_FAST_MODEL_SOURCE.repo }, layout: 'static' };
  }

  private async installModel(installer: ModelInstaller, tier: ModelTier, signal: AbortSignal): Promise<void> {
    const download = this.tierDownload(installer, tier);
    const { modelId } = download;
    const report = (state: ModelDownload['state'], p: { file: string | null; bytes: number; total: number }, error: string | null = null): void => {
      this.emit('modelDownload', { tier, modelId, state, file: p.file, bytes: p.bytes, total: p.total, error });
    };
    let last = { file: null as string | null, bytes: 0, total: 0 };
    try {
      const run = downloadModel(download.source, installer.modelsDir, modelId, { layout: download.layout, signal });
      let lastEvent = 0;
      for (let step = await run.next(); !step.done; step = await run.next()) {
        last = { file: step.value.file, bytes: step.value.bytes, total: step.value.total };
        if (performance.now() - lastEvent < 1000 / DOWNLOAD_EVENTS_PER_SECOND) continue;
        lastEvent = performance.now();
        report('downloading', last);
      }
      // The tier turns on with the model and the choice is saved, even over an earlier 'off': asking for the download is asking for the tier.
      await this.activate(installer, tier, modelId);
      await this.settings.update(tier === 'fast' ? { fastModelId: modelId } : { modelId });
    } catch (error) {
      if (signal.aborted) {
        report('cancelled', last);
        throw new QuarryError('CANCELLED', `The download of ${modelId} was cancelled; the next one continues where it stopped`);
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
