import type { MessagePort } from 'node:worker_threads';
import { Chunker } from '../core/chunk/chunker.js';
import { failedOutcome, processFile, type FileJob, type FileOutcome } from '../core/indexing/process-file.js';
import { walkInBatches, type WalkRequest } from '../core/walk/walker.js';

// One chunker (and its WASM grammars) per worker thread, created on first use.
const chunker = Chunker.create();

/** Piscina entry: the CPU work of indexing a few files (batched to amortise per-task messaging). */
export default async function chunkFiles(jobs: FileJob[]): Promise<FileOutcome[]> {
  const ready = await chunker;
  const outcomes: FileOutcome[] = [];
  for (const job of jobs) outcomes.push(await processFile(job, ready).catch((error: unknown) => failedOutcome(error)));
  return outcomes;
}

export interface WalkTask {
  request: WalkRequest;
  /** Batches go out on it, then `null`; each batch is acknowledged by a message back. */
  port: MessagePort;
}

/** Batches sent and not yet acknowledged: beyond this the walk waits, so a busy consumer holds it back. */
const MAX_UNACKNOWLEDGED = 16;

/** Piscina entry `walk`: walks a folder on this thread and streams what it finds to the caller. */
export async function walk({ request, port }: WalkTask): Promise<void> {
  let unacknowledged = 0;
  let closed = false;
  let resume = (): void => undefined;
  port.on('message', () => {
    unacknowledged--;
    resume();
  });
  // The caller stopped listening (its run ended early): stop walking.
  port.on('close', () => {
    closed = true;
    resume();
  });
  try {
    for await (const batch of walkInBatches(request)) {
      if (closed) return;
      port.postMessage(batch);
      unacknowledged++;
      while (unacknowledged >= MAX_UNACKNOWLEDGED && !closed) await new Promise<void>((r) => (resume = r));
    }
    port.postMessage(null);
  } finally {
    port.close();
  }
}
