// Runs every test suite and ends with the one line CI reads: "N passed, N failed[, N skipped]".
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(import.meta.dirname, '..');

function findTests(dir, pattern) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full, pattern));
    else if (pattern.test(entry.name)) out.push(path.relative(root, full));
  }
  return out.sort();
}

/** Runs a command, echoing its output, and resolves with its exit code and output. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Totals from node's test runner summary (`# pass N` in TAP, `ℹ pass N` in spec). */
function nodeTotals(output) {
  const read = (name) => {
    const matches = [...output.matchAll(new RegExp(`^(?:#|ℹ) ${name} (\\d+)$`, 'gm'))];
    return matches.length ? Number(matches.at(-1)[1]) : 0;
  };
  return { passed: read('pass'), failed: read('fail') + read('cancelled'), skipped: read('skipped') + read('todo') };
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

// The random-weight model packs, generated once here so the suites running in parallel find them made.
const { testModelsDir } = await tsImport('../test/models/cache.ts', import.meta.url);
console.log(`test models: ${await testModelsDir()}`);

const nodeSuites = ['src', 'test/models', 'test/support', 'bench'].flatMap((dir) => findTests(path.join(root, dir), /\.test\.ts$/));
console.log(`unit and integration: ${nodeSuites.length} files`);
const node = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...nodeSuites]);
const nodeResult = nodeTotals(node.output);
for (const key of Object.keys(totals)) totals[key] += nodeResult[key];
if (node.code !== 0) exitCode = 1;
if (nodeResult.passed + nodeResult.failed === 0) {
  console.error('the node test runner reported no tests');
  totals.failed++;
  exitCode = 1;
}

// Browser tests: Playwright's own summary is not the line CI reads, so its JSON report is.
const { findBrowser } = await tsImport('../test/support/browser.ts', import.meta.url);
const browser = findBrowser();
if ('error' in browser) {
  console.error(`browser tests: ${browser.error}`);
  totals.failed++;
  exitCode = 1;
} else {
  console.log(`e2e (Playwright in ${browser.executable})`);
  const reportFile = path.join(root, 'test-results', 'e2e-report.json');
  rmSync(reportFile, { force: true });
  const e2e = await run(process.execPath, [path.join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test']);
  const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : null;
  if (!report) {
    console.error('Playwright wrote no report');
    totals.failed++;
    exitCode = 1;
  } else {
    const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats;
    totals.passed += expected + flaky;
    totals.failed += unexpected;
    totals.skipped += skipped;
    if (report.errors?.length) totals.failed += report.errors.length;
  }
  if (e2e.code !== 0) exitCode = 1;
}

if (totals.failed > 0) exitCode = 1;
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(exitCode);
