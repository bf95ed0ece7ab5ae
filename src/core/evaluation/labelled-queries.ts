import { z } from 'zod';
import { QuarryError } from '../../shared/errors.js';
import type { SearchHit, SearchMode } from '../../shared/types.js';
import { percentile } from '../observability/metrics.js';

/** One labelled query: the files (relative to the folder) a good answer puts first. */
const labelledQuery = z.object({
  query: z.string().min(1),
  relevant: z.array(z.string().min(1)).min(1),
  kind: z.enum(['identifier', 'descriptive', 'mixed']).default('mixed'),
  note: z.string().optional(),
});
export type LabelledQuery = z.infer<typeof labelledQuery>;

/** Reads a JSONL set of labelled queries; a bad line is an error naming it. */
export function parseLabelledQueries(text: string): LabelledQuery[] {
  return text.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new QuarryError('BAD_QUERY', `line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
    const result = labelledQuery.safeParse(parsed);
    if (!result.success) throw new QuarryError('BAD_QUERY', `line ${i + 1}: ${z.prettifyError(result.error)}`);
    return [result.data];
  });
}

/** File-level quality of a list of answers, with latency. */
export interface QualityFigures {
  queries: number;
  /** Mean reciprocal rank within the top 10. */
  mrr10: number;
  recall1: number;
  recall5: number;
  recall10: number;
  p50Ms: number;
  p95Ms: number;
}

/** How one mode did on a set (file level: the rank of the first hit whose file is relevant). */
export interface ModeQuality extends QualityFigures {
  mode: SearchMode;
  /** Each query's first relevant rank (1-based), or null when none was in the top 10. */
  ranks: Array<number | null>;
  /** Each query's search time in milliseconds. */
  times: number[];
}

/** Runs every query in one mode through `search` and scores the answers. */
export async function evaluateMode(
  queries: readonly LabelledQuery[],
  mode: SearchMode,
  search: (query: string, mode: SearchMode) => Promise<{ hits: SearchHit[]; tookMs: number }>,
): Promise<ModeQuality> {
  const ranks: Array<number | null> = [];
  const times: number[] = [];
  for (const labelled of queries) {
    const { hits, tookMs } = await search(labelled.query, mode);
    times.push(tookMs);
    const relevant = new Set(labelled.relevant);
    const files = [...new Set(hits.map((hit) => hit.path))].slice(0, 10);
    const at = files.findIndex((file) => relevant.has(file));
    ranks.push(at === -1 ? null : at + 1);
  }
  return { mode, ...summarize(ranks, times), ranks, times };
}

/** MRR@10 and recall from first relevant ranks (null: none in the top 10), with latency percentiles. */
export function summarize(ranks: ReadonlyArray<number | null>, times: readonly number[]): QualityFigures {
  const n = Math.max(1, ranks.length);
  const share = (test: (rank: number) => boolean) => ranks.filter((rank) => rank !== null && test(rank)).length / n;
  return {
    queries: ranks.length,
    mrr10: ranks.reduce<number>((sum, rank) => sum + (rank === null ? 0 : 1 / rank), 0) / n,
    recall1: share((rank) => rank === 1),
    recall5: share((rank) => rank <= 5),
    recall10: share((rank) => rank <= 10),
    p50Ms: Math.round(percentile(times, 50) * 10) / 10,
    p95Ms: Math.round(percentile(times, 95) * 10) / 10,
  };
}
