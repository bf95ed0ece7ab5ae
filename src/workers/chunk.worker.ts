import { Chunker } from '../core/chunk/chunker.js';
import { processFile, type FileJob, type FileOutcome } from '../core/indexing/process-file.js';

// One chunker (and its WASM grammars) per worker thread, created on first use.
const chunker = Chunker.create();

/** Piscina entry: the CPU work of indexing one file. */
export default async function chunkFile(job: FileJob): Promise<FileOutcome> {
  return processFile(job, await chunker);
}
