import { Chunker } from '../core/chunk/chunker.js';
import { failedOutcome, processFile, type FileJob, type FileOutcome } from '../core/indexing/process-file.js';

// One chunker (and its WASM grammars) per worker thread, created on first use.
const chunker = Chunker.create();

/** Piscina entry: the CPU work of indexing a few files (batched to amortise per-task messaging). */
export default async function chunkFiles(jobs: FileJob[]): Promise<FileOutcome[]> {
  const ready = await chunker;
  const outcomes: FileOutcome[] = [];
  for (const job of jobs) outcomes.push(await processFile(job, ready).catch((error: unknown) => failedOutcome(error)));
  return outcomes;
}
