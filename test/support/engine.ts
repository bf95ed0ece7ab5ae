import type { IndexProgress, IndexSummary } from '../../src/shared/types.js';

/** Runs an index generator to its end and returns its summary. */
export async function drain(run: AsyncGenerator<IndexProgress, IndexSummary>): Promise<IndexSummary> {
  for (;;) {
    const step = await run.next();
    if (step.done) return step.value;
  }
}
