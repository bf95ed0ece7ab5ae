// The regression gate end to end: a baseline measured on the current build, then `--check` on the
// same build passes and on a copy of it with lexical ranking slowed down fails, naming the ratio
// (the search workloads only, to keep it to a few minutes on 2 cores); and the build against the
// quick profile of the committed bench/baseline.json, so a regression merged since it was measured
// fails here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { engineClient } from '../src/main/engine/engine-client.js';
import { liveEndpoint } from '../src/main/engine/engine-launcher.js';

const root = path.resolve(import.meta.dirname, '..');
const build = path.join(root, 'out');
/** Inside the repository, so the copied bundle still resolves its packages from node_modules. */
const scratch = path.join(root, '.tmp', `bench-gate-${process.pid}`);
const baseline = path.join(scratch, 'baseline.json');
/** The slowed function takes this many times its own time: far beyond the gate's 10% plus noise. */
const SLOWDOWN = 5;

/** `npm run bench -- --quick --only search ...` against the test's own baseline; resolves with the exit code and standard output. */
function bench(...args: string[]): Promise<{ code: number; stdout: string }> {
  return suite('--only', 'search', '--baseline', baseline, ...args);
}

/** `npm run bench -- --quick ...`. */
function suite(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'suite.ts'), '--quick', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/**
 * A copy of the build whose `rankLexical` (BM25 over the postings, the heart of lexical and
 * hybrid search) busy-waits until it has taken SLOWDOWN times as long as it did.
 */
async function slowedBuild(): Promise<string> {
  const copy = path.join(scratch, 'slowed');
  await fs.cp(build, copy, { recursive: true });
  const main = path.join(copy, 'main');
  const declaration = 'async function rankLexical(';
  let patched = 0;
  for (const file of await fs.readdir(main)) {
    const text = await fs.readFile(path.join(main, file), 'utf8');
    if (!text.includes(declaration)) continue;
    await fs.writeFile(path.join(main, file), `${text.replace(declaration, 'async function rankLexicalAtFullSpeed(')}
async function rankLexical(...args) {
  const started = performance.now();
  const result = await rankLexicalAtFullSpeed(...args);
  const spent = performance.now() - started;
  while (performance.now() - started < ${SLOWDOWN} * spent);
  return result;
}
`);
    patched++;
  }
  assert.equal(patched, 1, `${declaration} should be in exactly one bundle file`);
  return copy;
}

before(async () => {
  assert.ok(existsSync(path.join(build, 'main', 'cli.js')), 'run `npm run build` first');
  await fs.mkdir(scratch, { recursive: true });
});

after(() => fs.rm(scratch, { recursive: true, force: true }));

test('--check passes on the build its baseline was measured on, and fails on a slowed copy of it', { timeout: 10 * 60_000 }, async (t) => {
  const measured = await bench('--update-baseline', '--out', path.join(scratch, 'baseline-run'));
  assert.equal(measured.code, 0, measured.stdout);
  const figures = JSON.parse(await fs.readFile(baseline, 'utf8'))['quick:generated'].figures as Record<string, { ratio: number }>;
  assert.deepEqual(Object.keys(figures).sort(), ['search.hybrid', 'search.lexical', 'search.regex', 'search.semantic']);

  const trendsData = path.join(scratch, 'trends-data');
  const same = await bench('--check', '--out', path.join(scratch, 'same-run'), '--record', trendsData);
  t.diagnostic(`same build:\n${same.stdout}`);
  assert.equal(same.code, 0, same.stdout);
  assert.match(same.stdout, /^bench --check: no ratio regressed \(4 checked\)$/m);
  // --record kept the run in that data directory's metrics history, where Trends reads it.
  const engine = engineClient((await liveEndpoint(trendsData))!);
  try {
    const { benchmarks } = await engine.trends({ range: '15m' });
    assert.equal(benchmarks.length, 1);
    assert.deepEqual(Object.keys(benchmarks[0]!.figures).sort(), Object.keys(figures).sort());
    assert.equal(benchmarks[0]!.profile, 'quick:generated');
  } finally {
    await engine.stopEngine({});
  }

  const slowed = await bench('--check', '--build', await slowedBuild(), '--out', path.join(scratch, 'slowed-run'));
  t.diagnostic(`slowed build:\n${slowed.stdout}`);
  assert.equal(slowed.code, 1, slowed.stdout);
  assert.match(slowed.stdout, /^REGRESSED search\.lexical: /m);
  assert.match(slowed.stdout, /^bench --check: \d+ ratio\(s\) regressed$/m);
  // The report says the same.
  assert.match(await fs.readFile(path.join(scratch, 'slowed-run', 'bench-report.md'), 'utf8'), /REGRESSED search\.lexical/);
});

test('the build holds the committed baseline: no ratio over its limit twice in a row', { timeout: 10 * 60_000 }, async (t) => {
  const regressed = (stdout: string) => [...stdout.matchAll(/^REGRESSED ([\w.]+):/gm)].map((m) => m[1]!);
  const first = await suite('--check', '--out', path.join(scratch, 'committed-run'));
  t.diagnostic(`against bench/baseline.json:\n${first.stdout}`);
  assert.match(first.stdout, /^bench --check: /m, 'the committed baseline has a quick profile');
  if (first.code === 0) return;
  const figures = regressed(first.stdout);
  assert.ok(first.code === 1 && figures.length > 0, first.stdout);
  // One run over the limit may be the machine's minute: the workloads behind it are measured again, and a figure fails only if it regresses both times.
  const workloads = [...new Set(figures.map((figure) => figure.slice(0, figure.indexOf('.'))))];
  const again = await suite('--check', '--only', workloads.join(','), '--out', path.join(scratch, 'committed-rerun'));
  t.diagnostic(`measured again (${workloads.join(', ')}):\n${again.stdout}`);
  assert.match(again.stdout, /^bench --check: /m, again.stdout);
  assert.deepEqual(regressed(again.stdout).filter((figure) => figures.includes(figure)), [], 'regressed twice in a row');
});
