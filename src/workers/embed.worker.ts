import { Piscina } from 'piscina';
import { workerData } from 'node:worker_threads';
import type { EmbedderInfo } from '../shared/types.js';
import type { Embedder } from '../core/embedding/embedder.js';
import { LocalEmbedder, type LocalEmbedderOptions } from '../core/embedding/local-embedder.js';
import type { ModelPack } from '../core/embedding/model-pack.js';
import { StaticEmbedder } from '../core/embedding/static-embedder.js';

/** A transformers.js model run by onnxruntime, or a static (Model2Vec) pack's lookup and mean. */
export type EmbedWorkerData = { kind: 'transformers'; pack: ModelPack; options: LocalEmbedderOptions } | { kind: 'static'; modelsDir: string; modelId: string };

export type EmbedTask = { kind: 'info' } | { kind: 'embed'; texts: string[] };
/** `info` answers with the embedder's details; `embed`, with all vectors in one flat array. */
export type EmbedResult = EmbedderInfo | Float32Array;

// One model per worker thread, loaded on the first task.
const data = workerData as EmbedWorkerData;
let embedder: Promise<Embedder> | null = null;

/** Piscina entry: embeds texts into one flat Float32Array (moved, not copied, to the caller). */
export default async function embedTexts(task: EmbedTask): Promise<EmbedResult> {
  embedder ??= data.kind === 'static' ? StaticEmbedder.create(data.modelsDir, data.modelId) : LocalEmbedder.create(data.pack, data.options);
  const ready = await embedder;
  const info = await ready.info();
  if (task.kind === 'info') return info;
  // A static pack writes its vectors straight into the array handed back.
  const flat = ready instanceof StaticEmbedder ? ready.embedFlat(task.texts) : flatten(await ready.embed(task.texts), info.dims);
  return Piscina.move(flat) as Float32Array;
}

function flatten(vectors: Float32Array[], dims: number): Float32Array {
  const flat = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => flat.set(v, i * dims));
  return flat;
}
