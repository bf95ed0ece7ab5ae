import os from 'node:os';
import { Piscina } from 'piscina';
import { workerEntry } from './worker-file.js';
import type { Embedder } from '../core/embedding/embedder.js';
import type { LocalEmbedderOptions } from '../core/embedding/local-embedder.js';
import type { ModelPack } from '../core/embedding/model-pack.js';
import type { EmbedderInfo } from '../shared/types.js';
import type { EmbedResult, EmbedTask, EmbedWorkerData } from '../workers/embed.worker.js';

/** A static (Model2Vec) pack, named by its folder. */
export interface StaticModel {
  static: { modelsDir: string; modelId: string };
}

/** How much of the machine embedding may take: "economy" leaves it usable, "full" takes every core. */
export type ResourceBudget = 'economy' | 'full';

export function threadsFor(budget: ResourceBudget, cores = os.availableParallelism()): number {
  return budget === 'full' ? cores : Math.max(1, Math.floor(cores / 2));
}

/**
 * Embed workers (piscina) holding the model. A transformer runs in one worker with N intra-op
 * threads, which does about as well as N one-thread workers and loads the model once
 * (docs/architecture.md). A static pack has no intra-op threads: it gets N workers, and each
 * call's texts are split among them.
 */
export class EmbedPool implements Embedder {
  private pool: Piscina<EmbedTask, EmbedResult> | null = null;
  private details: Promise<EmbedderInfo> | null = null;
  private readonly workerData: EmbedWorkerData;
  /** Workers, and so slices each call is split into. */
  private readonly threads: number;

  /** `model`: a transformers.js pack, or a static pack's folder (then `threadsFor(budget)` workers, each holding the matrix). */
  constructor(model: ModelPack | StaticModel, budget: ResourceBudget = 'economy', devices: LocalEmbedderOptions['devices'] = ['webgpu', 'cpu']) {
    if ('static' in model) {
      this.workerData = { kind: 'static', ...model.static };
      this.threads = threadsFor(budget);
    } else {
      this.workerData = { kind: 'transformers', pack: model, options: { devices, threads: threadsFor(budget) } };
      this.threads = 1;
    }
  }

  /**
   * The worker starts on first use: a run that never embeds (`--lexical-only`, a search-only
   * command) never loads onnxruntime, nor can exit while a thread is still loading it.
   */
  private workers(): Piscina<EmbedTask, EmbedResult> {
    if (!this.pool) {
      // A static pack's workers all go when idle: the process keeps its own copy for short work.
      const minThreads = this.workerData.kind === 'static' ? 0 : 1;
      this.pool = new Piscina({ ...workerEntry('embed.worker'), minThreads, maxThreads: this.threads, idleTimeout: 60_000, workerData: this.workerData });
      // A worker that dies outside a task must not take the process down; its tasks reject.
      this.pool.on('error', () => undefined);
    }
    return this.pool;
  }

  /** Starts every worker loading the model: as many concurrent tasks as workers, which piscina spreads over new threads. */
  warm(): void {
    for (let i = 0; i < this.threads; i++) void this.workers().run({ kind: 'info' }).catch(() => undefined);
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
    const size = Math.ceil(texts.length / this.threads);
    const slices = Array.from({ length: Math.ceil(texts.length / size) }, (_, i) => texts.slice(i * size, (i + 1) * size));
    const tasks = Promise.all(slices.map((slice) => this.workers().run({ kind: 'embed', texts: slice }) as Promise<Float32Array>));
    const flats = signal ? await abandonOnAbort(tasks, signal) : await tasks;
    return flats.flatMap((flat, s) => slices[s]!.map((_, i) => flat.subarray(i * dims, (i + 1) * dims)));
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
