import path from 'node:path';
import type { Device } from '../core/embedding/local-embedder.js';
import { DEFAULT_FAST_MODEL_ID, DEFAULT_MODEL_ID, resolveModelPack } from '../core/embedding/model-pack.js';
import { isStaticPack, resolveStaticPack } from '../core/embedding/static-pack.js';
import { Engine } from '../core/engine.js';
import type { SemanticSetup } from '../core/search/searcher.js';
import { isQuarryError } from '../shared/errors.js';
import { ChunkPool } from './chunk-pool.js';
import { EmbedPool, type ResourceBudget } from './embed-pool.js';
import { StaticTierEmbedder } from './static-tier.js';

export interface QuarryConfig {
  dataDir: string;
  /** Folder of model folders; default `<dataDir>/models`. */
  modelsDir?: string;
  /** The transformer tier's model; 'none' turns it off. Default: DEFAULT_MODEL_ID. */
  modelId?: string;
  /** The fast tier's static model; 'none' turns it off. Default: DEFAULT_FAST_MODEL_ID when installed. */
  fastModelId?: string;
  /** The transformer tier embeds vendored, generated and fixture files too. */
  embedEverything?: boolean;
  budget?: ResourceBudget;
  /** Where inference runs: auto tries WebGPU, then the CPU. */
  device?: DevicePreference;
  maxFileBytes?: number;
  /** The user's ignore rules for every folder (Settings). */
  ignoreRules?: readonly string[];
  /** This process will index (the app, `quarry index`): its chunk workers start loading at once. */
  indexing?: boolean;
}

export type DevicePreference = 'auto' | 'cpu' | 'webgpu';

const DEVICES: Record<DevicePreference, Device[]> = { auto: ['webgpu', 'cpu'], cpu: ['cpu'], webgpu: ['webgpu'] };

/** Where models live, the one configured at start, and a switch to any model in that folder. */
export interface ModelControl {
  modelsDir: string;
  modelId: string;
  /** Loads a model from `modelsDir` into the engine, replacing the one in use (after a download, or a choice in Settings); 'none' turns the tier off. */
  activate(modelId: string): Promise<void>;
  /** The same for the fast tier's static model; 'none' turns the tier off. */
  activateFast(modelId: string): Promise<void>;
}

export interface OpenedEngine {
  engine: Engine;
  model: ModelControl;
  close(): Promise<void>;
}

/**
 * The fast tier's embedder, from a static pack in the models folder (StaticTierEmbedder: in this
 * process for short work, on every core for long passes). The default model is used only when
 * it is installed; a model asked for by name that cannot be found is an error.
 */
async function openFastTier(modelsDir: string, asked: string | undefined): Promise<{ setup: SemanticSetup; embedder: StaticTierEmbedder | null }> {
  if (asked === 'none') return { setup: { unavailable: 'the fast tier is turned off' }, embedder: null };
  const modelId = asked ?? DEFAULT_FAST_MODEL_ID;
  // The default is a model to download: until it is there, the tier is off, not an error.
  if (modelId === DEFAULT_FAST_MODEL_ID && !isStaticPack(modelsDir, modelId)) return { setup: { unavailable: `no static model ${modelId} in ${modelsDir}` }, embedder: null };
  const pack = await resolveStaticPack(modelsDir, modelId);
  const embedder = new StaticTierEmbedder(pack);
  return { setup: { pack, embedder }, embedder };
}

/** The transformer tier's embedder, from a model pack in the models folder, or none ('none' turns the tier off); a model that cannot be found is an error. */
function openTransformerTier(modelsDir: string, modelId: string, config: QuarryConfig): { setup: SemanticSetup; embedder: EmbedPool | null } {
  if (modelId === 'none') return { setup: { unavailable: 'the transformer tier is turned off' }, embedder: null };
  const pack = resolveModelPack(modelsDir, modelId);
  const embedder = new EmbedPool(pack, config.budget, DEVICES[config.device ?? 'auto']);
  return { setup: { pack, embedder }, embedder };
}

/** Wires the engine to its worker pools: the one place that knows every concrete part. */
export async function openEngine(config: QuarryConfig): Promise<OpenedEngine> {
  const chunkPool = new ChunkPool();
  if (config.indexing) chunkPool.start();
  const modelsDir = config.modelsDir ?? path.join(config.dataDir, 'models');
  const modelId = config.modelId ?? DEFAULT_MODEL_ID;
  let embedPool: EmbedPool | null = null;
  let embedding: SemanticSetup;
  try {
    ({ setup: embedding, embedder: embedPool } = openTransformerTier(modelsDir, modelId, config));
  } catch (error) {
    if (!isQuarryError(error)) throw error;
    embedding = { unavailable: error.message };
  }
  let fastPool: StaticTierEmbedder | null = null;
  try {
    const fast = await openFastTier(modelsDir, config.fastModelId);
    fastPool = fast.embedder;
    const fastEmbedding = fast.setup;
    const engine = await Engine.open({
      dataDir: config.dataDir,
      processor: chunkPool,
      embedding,
      fastEmbedding,
      ...(config.embedEverything ? { embedEverything: true } : {}),
      ...(config.maxFileBytes ? { maxFileBytes: config.maxFileBytes } : {}),
      ...(config.ignoreRules ? { ignoreRules: config.ignoreRules } : {}),
    });
    const activate = async (id: string): Promise<void> => {
      const next = openTransformerTier(modelsDir, id, config);
      await engine.useEmbedding(next.setup);
      const previous = embedPool;
      embedPool = next.embedder;
      await previous?.close();
    };
    const activateFast = async (id: string): Promise<void> => {
      const next = await openFastTier(modelsDir, id);
      await engine.useFastEmbedding(next.setup);
      const previous = fastPool;
      fastPool = next.embedder;
      await previous?.close();
    };
    return {
      engine,
      model: { modelsDir, modelId, activate, activateFast },
      close: async () => {
        engine.close();
        await Promise.all([chunkPool.close(), embedPool?.close(), fastPool?.close()]);
      },
    };
  } catch (error) {
    await Promise.all([chunkPool.close(), embedPool?.close(), fastPool?.close()]);
    throw error;
  }
}
