import { Chunker } from '../chunk/chunker.js';
import { walkInBatches, type WalkGone, type WalkItem, type WalkRequest } from '../walk/walker.js';
import type { FileProcessor } from './indexer.js';
import { failedOutcome, processFile, type FileJob, type FileOutcome } from './process-file.js';

/** Walks and processes files on the calling thread: for tools and tests that need no worker pool. */
export class InProcessFileProcessor implements FileProcessor {
  private constructor(private readonly chunker: Chunker) {}

  static async create(): Promise<InProcessFileProcessor> {
    return new InProcessFileProcessor(await Chunker.create());
  }

  walk(request: WalkRequest): AsyncIterable<Array<WalkItem | WalkGone>> {
    return walkInBatches(request);
  }

  async process(jobs: FileJob[]): Promise<FileOutcome[]> {
    const outcomes: FileOutcome[] = [];
    for (const job of jobs) outcomes.push(await processFile(job, this.chunker).catch(failedOutcome));
    return outcomes;
  }
}
