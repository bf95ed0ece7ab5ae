import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Embedder } from '../core/embedding/embedder.js';
import type { LocalEmbedderOptions } from '../core/embedding/local-embedder.js';
import type { ModelPack } from '../core/embedding/model-pack.js';
import type { EmbedderInfo } from '../shared/types.js';
import type { EmbedResult, EmbedTask, EmbedWorkerData } from '../workers/embed.worker.js';

/** How much of the machine embedding may take: "economy" leaves it usable, "full" takes every core. */
export type ResourceBudget = 'economy' | 'full';

/** Run from source (tsx) the worker is the .ts file; built, it sits beside this bundle. */
function workerFile(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? '../workers/embed.worker.ts' : './embed.worker.js', import.meta.url));
}

export function threadsFor(budget: ResourceBudget, cores = os.availableParallelism()): number {
  return budget === 'full' ? cores : Math.max(1, Math.floor(cores / 2));
}

/**
 * One embed worker (piscina) holding the model. One worker with N intra-op threads does about as
 * well as N one-thread workers and loads the model once (ARCHITECTURE.md).
 */
export class EmbedPool implements Embedder {
  private readonly pool: Piscina<EmbedTask, EmbedResult>;
  private details: Promise<EmbedderInfo> | null = null;

  constructor(pack: ModelPack, budget: ResourceBudget = 'economy', devices: LocalEmbedderOptions['devices'] = ['webgpu', 'cpu']) {
    const workerData: EmbedWorkerData = { pack, options: { devices, threads: threadsFor(budget) } };
    this.pool = new Piscina({ filename: workerFile(), minThreads: 1, maxThreads: 1, idleTimeout: 60_000, workerData });
  }

  info(): Promise<EmbedderInfo> {
    this.details ??= this.pool.run({ kind: 'info' }) as Promise<EmbedderInfo>;
    return this.details;
  }

  /** An abort ends the worker mid-inference (piscina terminates it); the next task starts a new one. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { dims } = await this.info();
    const flat = (await this.pool.run({ kind: 'embed', texts }, signal ? { signal } : {})) as Float32Array;
    return texts.map((_, i) => flat.subarray(i * dims, (i + 1) * dims));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
