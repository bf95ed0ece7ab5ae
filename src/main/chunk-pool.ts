import os from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerEntry } from './worker-file.js';
import type { FileProcessor } from '../core/indexing/indexer.js';
import type { FileJob, FileOutcome } from '../core/indexing/process-file.js';
import type { WalkGone, WalkItem, WalkRequest } from '../core/walk/walker.js';
import type { WalkTask } from '../workers/chunk.worker.js';

type WalkBatch = Array<WalkItem | WalkGone>;

/**
 * Chunk workers (piscina): the walk, and file reading, decoding, parsing and tokenizing, all off
 * the main thread, which is left to the database and to answering searches.
 */
export class ChunkPool implements FileProcessor {
  private pool: Piscina | null = null;
  private lastError: Error | null = null;
  /** Tasks and walks under way; when none has been for `idleMs`, the threads are let go. */
  private busy = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly threads = Math.max(1, os.availableParallelism()),
    /**
     * Idle threads hold their heaps and grammars (measured: 220 MB for two, after indexing
     * babel); they start again, in about 250 ms, with the next task.
     */
    private readonly idleMs = 60_000,
  ) {}

  /** Starts the threads now, so that they load their code while the caller does other work. */
  start(): void {
    this.workers();
    this.settle();
  }

  /** Threads running now: 0 once idle ones were let go. */
  get threadCount(): number {
    return this.pool?.threads.length ?? 0;
  }

  process(jobs: FileJob[]): Promise<FileOutcome[]> {
    if (this.lastError) return Promise.reject(this.lastError);
    return this.whileBusy(() => this.workers().run(jobs) as Promise<FileOutcome[]>);
  }

  private async whileBusy<T>(work: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  private begin(): void {
    this.busy++;
    this.settle();
  }

  private end(): void {
    this.busy--;
    this.settle();
  }

  /** With nothing under way, lets the threads go after `idleMs`; work under way cancels that. */
  private settle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.busy > 0 || !this.pool) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      void this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  async *walk(request: WalkRequest): AsyncGenerator<WalkBatch> {
    if (this.lastError) throw this.lastError;
    this.begin();
    const { port1, port2 } = new MessageChannel();
    const batches: WalkBatch[] = [];
    let ended = false;
    let failure: unknown = null;
    let wake = (): void => undefined;
    port1.on('message', (batch: WalkBatch | null) => {
      if (batch === null) ended = true;
      else batches.push(batch);
      wake();
    });
    const task: WalkTask = { request, port: port2 };
    const run = this.workers()
      .run(task, { name: 'walk', transferList: [port2] })
      .catch((error: unknown) => {
        failure = error;
        wake();
      });
    try {
      for (;;) {
        const batch = batches.shift();
        if (batch) {
          port1.postMessage('ack');
          yield batch;
        } else if (failure !== null) {
          throw failure;
        } else if (ended) {
          return;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
        }
      }
    } finally {
      // Tells a walk still going that nobody is listening any more.
      port1.close();
      await run;
      this.end();
    }
  }

  private workers(): Piscina {
    // Threads start on first use, so commands that only search never pay for them.
    if (!this.pool) {
      this.pool = new Piscina({
        ...workerEntry('chunk.worker'), minThreads: this.threads, maxThreads: this.threads,
        // A second task waits in each worker, so a worker never idles while the main thread is
        // busy committing and cannot hand it the next one.
        concurrentTasksPerWorker: 2,
      });
      // A worker that dies outside a task (it failed to load) must not take the process down;
      // its tasks reject and the files are recorded as failed.
      this.pool.on('error', (error: Error) => {
        this.lastError = error;
      });
    }
    return this.pool;
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    // Forgotten first, so that work arriving meanwhile starts new threads rather than use these.
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }
}
