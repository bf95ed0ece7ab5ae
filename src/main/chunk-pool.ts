import os from 'node:os';
import { Piscina } from 'piscina';
import { workerFile } from './worker-file.js';
import type { FileProcessor } from '../core/indexing/indexer.js';
import type { FileJob, FileOutcome } from '../core/indexing/process-file.js';

/** Chunk workers (piscina): file reading, decoding, parsing and tokenizing off the main thread. */
export class ChunkPool implements FileProcessor {
  private pool: Piscina<FileJob[], FileOutcome[]> | null = null;
  private lastError: Error | null = null;

  constructor(private readonly threads = Math.max(1, os.availableParallelism())) {}

  process(jobs: FileJob[]): Promise<FileOutcome[]> {
    // Threads start on first use, so commands that only search never pay for them.
    if (!this.pool) {
      this.pool = new Piscina({ filename: workerFile('chunk.worker'), minThreads: this.threads, maxThreads: this.threads, idleTimeout: 30_000 });
      // A worker that dies outside a task (it failed to load) must not take the process down;
      // its tasks reject and the files are recorded as failed.
      this.pool.on('error', (error: Error) => {
        this.lastError = error;
      });
    }
    if (this.lastError) return Promise.reject(this.lastError);
    return this.pool.run(jobs);
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = null;
  }
}
