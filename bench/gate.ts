// The regression gate's statistic and its baseline file.
//
// A figure is a ratio: our time over a reference's (a fixed workload or a peer), measured in
// alternating runs of the same job: ours, the reference, ours, the reference... Each run gives
// one ratio; the figure is their median, and its noise is their relative half-range,
// (max - min) / 2 / median. `--check` fails a figure whose median exceeds the baseline's by more
// than 10% plus the sum of the two noises: each median is off by up to its own noise, so their
// ratio is off by up to both (a 2-core CI machine measured a same-build +31% on hybrid search
// where the larger noise alone allowed +30%).
import { promises as fs } from 'node:fs';
import { percentile } from './stats.js';

/** Allowed regression beyond the noise. */
export const TOLERANCE = 0.1;

export interface RatioFigure {
  /** Median of the per-run ratios (ours / reference); lower is better. */
  ratio: number;
  /** Relative half-range of the per-run ratios. */
  noise: number;
  /** What the ratio is taken against, e.g. "node -e 0" or "raw onnxruntime". */
  reference: string;
  runs: number[];
  oursMs: number[];
  referenceMs: number[];
}

/** The ratio figure of alternating runs: `ours[i]` beside `reference[i]`. */
export function ratioFigure(reference: string, ours: number[], referenceMs: number[]): RatioFigure {
  const runs = ours.map((ms, i) => ms / referenceMs[i]!);
  const ratio = percentile(runs, 50);
  return {
    ratio: round(ratio, 4),
    noise: round((Math.max(...runs) - Math.min(...runs)) / 2 / ratio, 4),
    reference,
    runs: runs.map((r) => round(r, 4)),
    oursMs: ours.map((ms) => round(ms, 2)),
    referenceMs: referenceMs.map((ms) => round(ms, 2)),
  };
}

/** Runs `ours` and `reference` alternately `times` times and returns their figure. */
export async function alternate(times: number, reference: string, ours: () => Promise<number> | number, referenceRun: () => Promise<number> | number): Promise<RatioFigure> {
  const oursMs: number[] = [];
  const referenceMs: number[] = [];
  for (let i = 0; i < times; i++) {
    oursMs.push(await ours());
    referenceMs.push(await referenceRun());
  }
  return ratioFigure(reference, oursMs, referenceMs);
}

export interface BaselineEntry {
  ratio: number;
  noise: number;
  reference: string;
}

/** bench/baseline.json: per profile (variant and corpus, e.g. "quick:generated"), the gated figures. */
export type BaselineFile = Record<string, { measuredAt: string; commit: string; figures: Record<string, BaselineEntry> }>;

export async function readBaseline(file: string): Promise<BaselineFile> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as BaselineFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** Replaces one profile's figures in the baseline file, keeping the others. */
export async function writeBaseline(file: string, profile: string, commit: string, figures: Record<string, RatioFigure>): Promise<void> {
  const baseline = await readBaseline(file);
  baseline[profile] = {
    measuredAt: new Date().toISOString(),
    commit,
    figures: Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, { ratio: f.ratio, noise: f.noise, reference: f.reference }])),
  };
  const sorted = Object.fromEntries(Object.entries(baseline).sort(([a], [b]) => a.localeCompare(b)));
  await fs.writeFile(file, JSON.stringify(sorted, null, 2) + '\n');
}

export interface Verdict {
  name: string;
  status: 'ok' | 'regressed' | 'not in baseline' | 'not measured';
  ratio: number | null;
  baseline: number | null;
  /** The most the ratio may be: baseline × (1 + 10% + the baseline's noise + this run's). */
  limit: number | null;
  line: string;
}

/** Judges every figure of the baseline's profile and every figure measured now. */
export function judge(measured: Record<string, RatioFigure>, baseline: Record<string, BaselineEntry>): Verdict[] {
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(measured)])].sort();
  return names.map((name): Verdict => {
    const now = measured[name];
    const then = baseline[name];
    if (!now) return { name, status: 'not measured', ratio: null, baseline: then!.ratio, limit: null, line: `not measured: ${name} (in the baseline, not in this run)` };
    if (!then) return { name, status: 'not in baseline', ratio: now.ratio, baseline: null, limit: null, line: `not in baseline: ${name} ${now.ratio}` };
    const noise = now.noise + then.noise;
    const limit = round(then.ratio * (1 + TOLERANCE + noise), 4);
    const change = `${now.ratio} against baseline ${then.ratio} (${signedPercent(now.ratio / then.ratio - 1)}; limit ${limit} = +${Math.round(TOLERANCE * 100)}% + noise ${(noise * 100).toFixed(1)}%; vs ${now.reference})`;
    return now.ratio > limit
      ? { name, status: 'regressed', ratio: now.ratio, baseline: then.ratio, limit, line: `REGRESSED ${name}: ${change}` }
      : { name, status: 'ok', ratio: now.ratio, baseline: then.ratio, limit, line: `ok ${name}: ${change}` };
  });
}

function signedPercent(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function round(x: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}
