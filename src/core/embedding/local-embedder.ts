import os from 'node:os';
import { env, pipeline, type FeatureExtractionPipeline, type Tensor } from '@huggingface/transformers';
import { QuarryError } from '../../shared/errors.js';
import type { EmbedderInfo } from '../../shared/types.js';
import { BatchSizer } from './batch-sizer.js';
import type { Embedder } from './embedder.js';
import type { ModelPack } from './model-pack.js';

export type Device = 'webgpu' | 'cpu';

export interface LocalEmbedderOptions {
  /** Devices to try in order; the first that loads and survives a warm-up inference is used. */
  devices?: Device[];
  /** onnxruntime intra-op threads (the resource budget). */
  threads?: number;
}

const WARM_UP = 'function warmUp() { return 1; }';

/**
 * transformers.js feature extraction (mean pooling, normalized) on the first device that works.
 * Only local folders are read: remote models are off, so nothing is ever fetched at run time.
 */
export class LocalEmbedder implements Embedder {
  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    private readonly details: EmbedderInfo,
    /** Texts per inference, adapted to measured speed and free memory (beyond 16 rarely helps on CPU: docs/architecture.md). */
    private readonly batches: BatchSizer,
  ) {}

  static async create(pack: ModelPack, options: LocalEmbedderOptions = {}): Promise<LocalEmbedder> {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = pack.modelsDir.endsWith('/') ? pack.modelsDir : `${pack.modelsDir}/`;
    const devices = options.devices ?? ['webgpu', 'cpu'];
    const failures: string[] = [];
    for (const device of devices) {
      try {
        const extractor = await pipeline('feature-extraction', pack.modelId, {
          dtype: pack.dtype,
          device,
          session_options: options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {},
        });
        // Truncate to what the model was trained on, not its position limit. transformers.js reads
        // the limit from the tokenizer config and offers no setter, so the config is amended.
        const tokenizerConfig = (extractor.tokenizer as unknown as { _tokenizerConfig?: { model_max_length?: number } })._tokenizerConfig;
        if (tokenizerConfig) tokenizerConfig.model_max_length = pack.maxTokens;
        await extractor([WARM_UP], { pooling: 'mean', normalize: true });
        const info: EmbedderInfo = {
          modelId: pack.modelId,
          dims: pack.dims,
          dtype: pack.dtype,
          device,
          fallbackReason: failures.length > 0 ? failures.join('; ') : null,
        };
        return new LocalEmbedder(extractor, info, new BatchSizer());
      } catch (error) {
        failures.push(`${device}: ${firstLine(error)}`);
      }
    }
    throw new QuarryError('MODEL_LOAD_FAILED', `Model "${pack.modelId}" did not load on any device (${failures.join('; ')})`);
  }

  async info(): Promise<EmbedderInfo> {
    return this.details;
  }

  /** Batches texts of similar length together, so little compute goes to padding. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
    const vectors = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; ) {
      signal?.throwIfAborted();
      const batch = order.slice(start, start + this.batches.current);
      start += batch.length;
      const began = performance.now();
      // The pipeline's tokenizer and model; pooling here (see meanPooled).
      const inputs = this.extractor.tokenizer(batch.map((i) => texts[i]!), { padding: true, truncation: true });
      const outputs = (await this.extractor.model(inputs)) as { last_hidden_state: Tensor };
      const pooled = meanPooled(outputs.last_hidden_state, inputs.attention_mask as Tensor);
      const chars = batch.reduce((sum, i) => sum + texts[i]!.length, 0);
      this.batches.record({ texts: batch.length, chars, ms: performance.now() - began, freeBytes: os.freemem() });
      batch.forEach((textIndex, row) => {
        vectors[textIndex] = pooled[row]!;
      });
      outputs.last_hidden_state.dispose();
    }
    return vectors;
  }
}

/**
 * Mean of each text's token vectors over its attention mask, normalized to unit length: what
 * the pipeline's `pooling: 'mean', normalize: true` computes, but reading the hidden state in
 * order and the mask once per token. transformers.js reads the mask once per token and dimension,
 * converting from BigInt each time: with it the pipeline ran at 84-89% of a raw onnxruntime
 * session, without it at 97-99% (`npm run bench:embed`).
 */
function meanPooled(hidden: Tensor, mask: Tensor): Float32Array[] {
  const [batch, tokens, dims] = hidden.dims as [number, number, number];
  const data = hidden.data as Float32Array;
  const attention = mask.data as BigInt64Array;
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const sum = new Float32Array(dims);
    for (let t = 0; t < tokens; t++) {
      if (attention[b * tokens + t] === 0n) continue;
      const base = (b * tokens + t) * dims;
      for (let d = 0; d < dims; d++) sum[d]! += data[base + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += sum[d]! * sum[d]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dims; d++) sum[d]! *= scale;
    out.push(sum);
  }
  return out;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
