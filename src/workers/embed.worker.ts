import { Piscina } from 'piscina';
import { workerData } from 'node:worker_threads';
import type { EmbedderInfo } from '../shared/types.js';
import { LocalEmbedder, type LocalEmbedderOptions } from '../core/embedding/local-embedder.js';
import type { ModelPack } from '../core/embedding/model-pack.js';

export interface EmbedWorkerData {
  pack: ModelPack;
  options: LocalEmbedderOptions;
}

export type EmbedTask = { kind: 'info' } | { kind: 'embed'; texts: string[] };
/** `info` answers with the embedder's details; `embed`, with all vectors in one flat array. */
export type EmbedResult = EmbedderInfo | Float32Array;

// One model per worker thread, loaded on the first task.
const { pack, options } = workerData as EmbedWorkerData;
let embedder: Promise<LocalEmbedder> | null = null;

/** Piscina entry: embeds texts into one flat Float32Array (moved, not copied, to the caller). */
export default async function embedTexts(task: EmbedTask): Promise<EmbedResult> {
  embedder ??= LocalEmbedder.create(pack, options);
  const ready = await embedder;
  const info = await ready.info();
  if (task.kind === 'info') return info;
  const vectors = await ready.embed(task.texts);
  const flat = new Float32Array(vectors.length * info.dims);
  vectors.forEach((v, i) => flat.set(v, i * info.dims));
  return Piscina.move(flat) as Float32Array;
}
