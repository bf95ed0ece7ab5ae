import os from 'node:os';
import { Piscina } from 'piscina';
import { workerEntry } from './worker-file.js';
import type { Embedder } from '../core/embedding/embedder.js';
import type { LocalEmbedderOptions } from '../core/embedding/local-embedder.js';
import type { ModelPack } from '../core/embedding/model-pack.js';
import type { EmbedderInfo } from '../shared/types.js';
import type { EmbedResult, EmbedTask, EmbedWorkerData } from '../workers/embed.worker.js';

/** How much of the machine embedding may take: "economy" leaves it usable, "full" takes every core. */
export type ResourceBudget = 'economy' | 'full';

export function threadsFor(budget: ResourceBudget, cores = os.availableParallelism()): number {
  return budget === 'full' ? cores : Math.max(1, Math.floor(cores / 2));
}

/**
 * One embed worker (piscina) holding the model. One worker with N intra-op threads does about as
 * well as N one-thread workers and loads the model once (docs/architecture.md).
 */
export class EmbedPool implements Embedder {
  private pool: Piscina<EmbedTask, EmbedResult> | null = null;
  private details: Promise<EmbedderInfo> | null = null;
  private readonly workerData: EmbedWorkerData;

  constructor(pack: ModelPack, budget: ResourceBudget = 'economy', devices: LocalEmbedderOptions['devices'] = ['webgpu', 'cpu']) {
    this.workerData = { pack, options: { devices, threads: threadsFor(budget) } };
  }

  /**
   * The worker starts on first use: a run that never embeds (`--lexical-only`, a search-only
   * command) never loads onnxruntime, nor can exit while a thread is still loading it.
   */
  private workers(): Piscina<EmbedTask, EmbedResult> {
    if (!this.pool) {
      this.pool = new Piscina({ ...workerEntry('embed.worker'), minThreads: 1, maxThreads: 1, idleTimeout: 60_000, workerData: this.workerData });
      // A worker that dies outside a task must not take the process down; its tasks reject.
      this.pool.on('error', () => undefined);
    }
    return this.pool;
  }

  info(): Promise<EmbedderInfo> {
    this.details ??= this.workers().run({ kind: 'info' }) as Promise<EmbedderInfo>;
    return this.details;
  }

  /**
   * An abort stops waiting but does not stop the worker: terminating a thread inside
   * onnxruntime's native code aborts the whole process (measured: SIGABRT in about one run in three).
   */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { dims } = await this.info();
    const task = this.workers().run({ kind: 'embed', texts }) as Promise<Float32Array>;
    const flat = signal ? await abandonOnAbort(task, signal) : await task;
    return texts.map((_, i) => flat.subarray(i * dims, (i + 1) * dims));
  }

  /** Waits for running tasks: terminating a worker inside native inference code aborts the process. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }
}

function abandonOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
