// `npm run bench:tiers -- <folder> [--runs N] [--models-dir DIR --fast-model ID]`: how soon the fast
// (static) tier covers a folder, against the folder's lexical build. Alternating runs of the built
// CLI (`npm run build` first) on fresh data directories: a lexical-only build (no model at all),
// then a build with the fast tier alone; each run's times come from its stored index report.
// The target (issue 14): full fast-tier coverage within 2x the lexical build at about 400 files,
// within 3x at about 27K. Random weights by default: speed only.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { IndexRunReport } from '../src/shared/contract.js';
import { resolveBenchModel } from './bench-models.js';
import { percentile } from './stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' }, 'models-dir': { type: 'string' }, 'fast-model': { type: 'string' } },
});
const folder = path.resolve(positionals[0] ?? 'src');
const runs = Number(values.runs);
const { modelsDir, modelId } = await resolveBenchModel({ modelsDir: values['models-dir'], model: values['fast-model'] }, 'potion-code-random');
const cli = path.resolve('out', 'main', 'cli.js');
const median = (xs: number[]): number => percentile(xs, 50);

/** Indexes the folder into a fresh data directory and returns the run's report. */
async function build(flags: string[]): Promise<IndexRunReport> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-tiers-'));
  try {
    const quarry = (...args: string[]) => execFileSync(process.execPath, [cli, '--data-dir', dataDir, '--in-process', ...flags, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    quarry('index', folder);
    return JSON.parse(quarry('reports', '--json').split('\n')[0]!) as IndexRunReport;
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

const stage = (report: IndexRunReport, phase: string): number => report.stages.find((s) => s.phase === phase)?.ms ?? 0;
const emptyModels = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-no-models-'));
const lexicalMs: number[] = [];
const coveredMs: number[] = [];
const rates: number[] = [];
let files = 0;
let texts = 0;
for (let run = 0; run < runs; run++) {
  const lexical = await build(['--models-dir', emptyModels]);
  lexicalMs.push(stage(lexical, 'indexing') + stage(lexical, 'parsing'));
  const fast = await build(['--models-dir', modelsDir, '--model', 'no-transformer', '--fast-model', modelId]);
  coveredMs.push(stage(fast, 'indexing') + stage(fast, 'parsing') + stage(fast, 'embedding'));
  rates.push(fast.stages.find((s) => s.phase === 'embedding')?.rate ?? 0);
  files = fast.summary?.filesIndexed ?? 0;
  texts = fast.stages.find((s) => s.phase === 'embedding')?.done ?? 0;
  console.error(`tiers: run ${run + 1}: lexical ${Math.round(lexicalMs.at(-1)!)} ms, fast tier covered at ${Math.round(coveredMs.at(-1)!)} ms`);
}
await fs.rm(emptyModels, { recursive: true, force: true });
const ratios = coveredMs.map((ms, i) => ms / lexicalMs[i]!);
console.log(JSON.stringify({
  folder: path.basename(folder), files, texts, model: modelId, runs,
  lexicalBuildMs: Math.round(median(lexicalMs)), fastCoveredMs: Math.round(median(coveredMs)), fastChunksPerSecond: Math.round(median(rates)),
  coveredOverLexical: Math.round(median(ratios) * 100) / 100, ratios: ratios.map((r) => Math.round(r * 100) / 100),
}));
