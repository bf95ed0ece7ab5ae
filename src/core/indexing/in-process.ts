import { Chunker } from '../chunk/chunker.js';
import type { FileProcessor } from './indexer.js';
import { processFile, type FileJob, type FileOutcome } from './process-file.js';

/** Processes files on the calling thread: for tools and tests that need no worker pool. */
export class InProcessFileProcessor implements FileProcessor {
  private constructor(private readonly chunker: Chunker) {}

  static async create(): Promise<InProcessFileProcessor> {
    return new InProcessFileProcessor(await Chunker.create());
  }

  process(job: FileJob): Promise<FileOutcome> {
    return processFile(job, this.chunker);
  }
}
