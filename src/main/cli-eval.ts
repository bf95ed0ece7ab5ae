import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parseLabelledQueries } from '../core/evaluation/labelled-queries.js';
import { compareReports, evaluateSet, parseQualityReport, type QualityReport } from '../core/evaluation/quality-report.js';
import type { QuarryApi } from '../shared/contract.js';
import type { FolderInfo, SearchMode } from '../shared/types.js';
import { UsageError } from './cli-usage.js';

export interface EvalOptions {
  json: boolean;
  /** The indexed folder the set's paths are relative to (name or directory); needed when there are several. */
  folder: string | undefined;
  /** Comma-separated modes; default lexical, plus semantic and hybrid when a model is in use. */
  modes: string | undefined;
  baseline: string | undefined;
  /** Exit 1 when a figure drops by more than the margin against the baseline. */
  check: boolean;
  /** Absolute drop in MRR@10 or recall@10 that counts as a regression. */
  margin: number;
  save: string | undefined;
}

const EVAL_MODES: readonly SearchMode[] = ['lexical', 'semantic', 'hybrid'];
/** The results each query is judged on: file level, the top 10. */
const JUDGED_FILES = 10;

/**
 * `quarry eval <labels.jsonl>`: the labelled queries run against an indexed folder in each mode,
 * scored at file level (MRR@10, recall@1/5/10) with latency, overall and per kind of query; with a
 * baseline, what moved, and with --check a non-zero exit on a regression.
 */
export async function evalCommand(api: QuarryApi, labelsFile: string, options: EvalOptions): Promise<number> {
  const queries = parseLabelledQueries(await readText(labelsFile));
  if (queries.length === 0) throw new UsageError(`${labelsFile} holds no labelled queries`);
  const baseline = options.baseline === undefined ? null : parseQualityReport(await readText(options.baseline), options.baseline);
  const folders = await api.folders({});
  const folder = chooseFolder(folders, options.folder);
  const missing = [...new Set(queries.flatMap((q) => q.relevant))].filter((file) => !existsSync(path.join(folder.root, file)));
  for (const file of missing) console.error(`warning: ${file} is labelled relevant but is not in ${folder.root}`);
  const modes = await chooseModes(api, options.modes);
  // With several folders, each query is kept to the labelled one, as a user would with repo:.
  const scope = folders.length > 1 ? `repo:${folder.name} ` : '';
  let asked = 0;
  const report = await evaluateSet(path.basename(labelsFile), queries, modes, async (query, mode) => {
    const result = await api.search({ requestId: `eval-${process.pid}-${asked++}`, query: scope + query, mode, limit: JUDGED_FILES, fresh: true });
    return { hits: result.hits, tookMs: result.tookMs };
  });
  if (options.save) await fs.writeFile(options.save, `${JSON.stringify(report, null, 1)}\n`);
  const comparison = baseline ? compareReports(baseline, report, options.margin) : null;
  if (options.json) console.log(JSON.stringify({ report, ...(comparison ? { comparison } : {}) }));
  else console.log(formatEval(report, baseline, folder.name));
  if (!comparison) return 0;
  const regressions = comparison.changes.filter((c) => c.regressed);
  if (!options.json) {
    for (const q of comparison.worse) console.log(`worse   ${q.mode.padEnd(8)} ${rankText(q.before)} → ${rankText(q.after)}  ${q.query}`);
    for (const q of comparison.better) console.log(`better  ${q.mode.padEnd(8)} ${rankText(q.before)} → ${rankText(q.after)}  ${q.query}`);
  }
  if (regressions.length === 0) {
    console.error(`no figure dropped by more than ${options.margin} against ${options.baseline}`);
    return 0;
  }
  for (const r of regressions) console.error(`regression: ${r.mode} ${r.group} ${r.metric} ${r.before.toFixed(3)} → ${r.after.toFixed(3)}`);
  return options.check ? 1 : 0;
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function chooseFolder(folders: FolderInfo[], wanted: string | undefined): FolderInfo {
  if (folders.length === 0) throw new UsageError('No folders yet: index the folder the labelled set is about first (`quarry index <dir>`)');
  if (wanted === undefined) {
    if (folders.length === 1) return folders[0]!;
    throw new UsageError(`Several folders are indexed; say which one the set is about with --folder (${folders.map((f) => f.name).join(', ')})`);
  }
  const root = path.resolve(wanted);
  const folder = folders.find((f) => f.name === wanted || f.root === root);
  if (!folder) throw new UsageError(`No indexed folder "${wanted}" (${folders.map((f) => f.name).join(', ')})`);
  return folder;
}

async function chooseModes(api: QuarryApi, wanted: string | undefined): Promise<SearchMode[]> {
  if (wanted === undefined) return (await api.models({})).active === null ? ['lexical'] : ['lexical', 'semantic', 'hybrid'];
  const modes = wanted.split(',').map((m) => m.trim());
  const unknown = modes.filter((m) => !(EVAL_MODES as readonly string[]).includes(m));
  if (unknown.length > 0 || modes.length === 0) throw new UsageError(`--modes takes lexical, semantic and hybrid, comma-separated (not ${unknown.join(', ')})`);
  return modes as SearchMode[];
}

function rankText(rank: number | null): string {
  return rank === null ? '—' : `#${rank}`;
}

/** One row per mode and kind of query; with a baseline, MRR@10's change beside it. */
export function formatEval(report: QualityReport, baseline: QualityReport | null, folder: string): string {
  const lines = [`${report.set} on ${folder}: ${report.queries.length} queries, file level, top ${JUDGED_FILES}`, ''];
  const header = ['mode', 'kind', 'n', 'MRR@10', ...(baseline ? ['change'] : []), 'R@1', 'R@5', 'R@10', 'p50 ms', 'p95 ms'];
  const rows: string[][] = [];
  for (const [mode, groups] of Object.entries(report.modes)) {
    for (const [group, f] of Object.entries(groups)) {
      const before = baseline?.modes[mode]?.[group as keyof typeof groups]?.mrr10;
      const change = before === undefined ? '' : `${f.mrr10 - before >= 0 ? '+' : ''}${(f.mrr10 - before).toFixed(3)}`;
      rows.push([mode, group, String(f.queries), f.mrr10.toFixed(3), ...(baseline ? [change] : []), f.recall1.toFixed(2), f.recall5.toFixed(2), f.recall10.toFixed(2), f.p50Ms.toFixed(1), f.p95Ms.toFixed(1)]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(line(header), ...rows.map(line));
  return lines.join('\n');
}
