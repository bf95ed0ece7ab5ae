import { z } from 'zod';
import { QuarryError } from '../../shared/errors.js';
import type { SearchHit, SearchMode } from '../../shared/types.js';
import { evaluateMode, summarize, type LabelledQuery, type QualityFigures } from './labelled-queries.js';

export const QUERY_KINDS = ['identifier', 'descriptive', 'mixed'] as const;
const groupNames = ['all', ...QUERY_KINDS] as const;
type GroupName = (typeof groupNames)[number];

const figures: z.ZodType<QualityFigures> = z.object({
  queries: z.number().int(),
  mrr10: z.number(),
  recall1: z.number(),
  recall5: z.number(),
  recall10: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
});

/** One evaluation: figures per mode and kind of query, and each query's first relevant rank per mode. */
const qualityReport = z.object({
  set: z.string(),
  at: z.string(),
  modes: z.record(z.string(), z.partialRecord(z.enum(groupNames), figures)),
  queries: z.array(z.object({ query: z.string(), kind: z.enum(QUERY_KINDS), ranks: z.record(z.string(), z.number().int().nullable()) })),
});
export type QualityReport = z.infer<typeof qualityReport>;

type Search = (query: string, mode: SearchMode) => Promise<{ hits: SearchHit[]; tookMs: number }>;

/** Runs the whole set in each mode, one mode after the other, and reports it overall and per kind of query. */
export async function evaluateSet(set: string, queries: readonly LabelledQuery[], modes: readonly SearchMode[], search: Search): Promise<QualityReport> {
  const report: QualityReport = { set, at: new Date().toISOString(), modes: {}, queries: queries.map((q) => ({ query: q.query, kind: q.kind, ranks: {} })) };
  for (const mode of modes) {
    const { ranks, times } = await evaluateMode(queries, mode, search);
    ranks.forEach((rank, i) => (report.queries[i]!.ranks[mode] = rank));
    const groups: QualityReport['modes'][string] = {};
    for (const group of groupNames) {
      const members = queries.flatMap((q, i) => (group === 'all' || q.kind === group ? [i] : []));
      if (members.length > 0) groups[group] = summarize(members.map((i) => ranks[i]!), members.map((i) => times[i]!));
    }
    report.modes[mode] = groups;
  }
  return report;
}

/** A saved report, validated: a baseline from another version or by hand fails with what is wrong. */
export function parseQualityReport(text: string, source: string): QualityReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new QuarryError('BAD_QUERY', `${source} is not JSON: ${(error as Error).message}`);
  }
  const result = qualityReport.safeParse(parsed);
  if (!result.success) throw new QuarryError('BAD_QUERY', `${source} is not a quality report: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** One figure that moved between a baseline and a run. */
export interface QualityChange {
  mode: string;
  group: GroupName;
  metric: 'mrr10' | 'recall10';
  before: number;
  after: number;
  /** Dropped by more than the margin. */
  regressed: boolean;
}

/** A query whose first relevant file ranks lower than in the baseline (or fell out of the top 10). */
export interface QueryChange {
  query: string;
  mode: string;
  before: number | null;
  after: number | null;
}

/**
 * MRR@10 and recall@10 per mode and kind against a baseline, with the queries that got worse or
 * better. A figure regresses when it drops by more than `margin` (absolute); modes or kinds only
 * one side has are left out.
 */
export function compareReports(baseline: QualityReport, current: QualityReport, margin: number): { changes: QualityChange[]; worse: QueryChange[]; better: QueryChange[] } {
  const changes: QualityChange[] = [];
  for (const [mode, groups] of Object.entries(current.modes)) {
    for (const group of groupNames) {
      const before = baseline.modes[mode]?.[group];
      const after = groups[group];
      if (!before || !after) continue;
      for (const metric of ['mrr10', 'recall10'] as const) {
        changes.push({ mode, group, metric, before: before[metric], after: after[metric], regressed: before[metric] - after[metric] > margin + 1e-9 });
      }
    }
  }
  const worse: QueryChange[] = [];
  const better: QueryChange[] = [];
  const baselineRanks = new Map(baseline.queries.map((q) => [q.query, q.ranks]));
  for (const q of current.queries) {
    const ranksBefore = baselineRanks.get(q.query);
    if (!ranksBefore) continue;
    for (const [mode, after] of Object.entries(q.ranks)) {
      if (!(mode in ranksBefore)) continue;
      const before = ranksBefore[mode]!;
      const order = (rank: number | null) => rank ?? Infinity;
      if (order(after) > order(before)) worse.push({ query: q.query, mode, before, after });
      else if (order(after) < order(before)) better.push({ query: q.query, mode, before, after });
    }
  }
  return { changes, worse, better };
}
