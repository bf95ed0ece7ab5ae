import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { quarry, stopEngines } from '../../test/support/cli.js';
import { copyDocsFirstRepo, copySampleRepo, tempDir } from '../../test/support/fixtures.js';
import type { QualityReport } from '../core/evaluation/quality-report.js';

const SAMPLE_QUERIES = fileURLToPath(new URL('../../test/fixtures/sample-repo.queries.jsonl', import.meta.url));
const DOCS_FIRST_QUERIES = fileURLToPath(new URL('../../test/fixtures/docs-first-repo.queries.jsonl', import.meta.url));
/** The committed report the fixture set must keep up with: the regression gate CI runs. */
const DOCS_FIRST_BASELINE = fileURLToPath(new URL('../../test/fixtures/docs-first-repo.eval-baseline.json', import.meta.url));

describe('quarry eval', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  const q = (...args: string[]) => quarry(['--data-dir', dataDir, '--models-dir', path.join(work, 'no-models'), '--fast-model', 'none', ...args]);

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    dataDir = path.join(work, 'data');
    const indexed = q('index', await copySampleRepo(path.join(work, 'repo')));
    assert.equal(indexed.status, 0, indexed.stderr);
  });
  after(async () => {
    stopEngines(dataDir);
    await cleanup();
  });

  it('scores a labelled set per mode and kind of query, and saves the report', async () => {
    const saved = path.join(work, 'baseline.json');
    const result = q('eval', SAMPLE_QUERIES, '--save', saved);
    assert.equal(result.status, 0, result.stderr);
    // No model is installed: lexical alone, as the engine would search.
    assert.match(result.stdout, /^lexical +all +15 +\d\.\d{3} /m);
    assert.match(result.stdout, /^lexical +descriptive +6 /m);
    const report = JSON.parse(await fs.readFile(saved, 'utf8')) as QualityReport;
    assert.deepEqual(Object.keys(report.modes), ['lexical']);
    assert.ok(report.modes.lexical!.all!.mrr10 >= 0.9, `the sample set is one lexical search answers (${report.modes.lexical!.all!.mrr10})`);
    assert.equal(report.queries.length, 15);
    assert.ok(report.queries.every((query) => query.ranks.lexical === null || query.ranks.lexical! >= 1));
  });

  it('compares with a baseline, names the queries that got worse, and fails the check on a drop past the margin', async () => {
    const saved = path.join(work, 'baseline.json');
    const same = q('eval', SAMPLE_QUERIES, '--baseline', saved, '--check');
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stderr, /no figure dropped by more than 0\.05/);

    // The same queries, two of them now labelled with files that do not answer them.
    const lines = (await fs.readFile(SAMPLE_QUERIES, 'utf8')).trim().split('\n');
    const relabelled = lines.map((line, i) => (i < 2 ? line.replace(/"relevant": \[[^\]]*\]/, '"relevant": ["config/settings.yaml"]') : line));
    const worse = path.join(work, 'worse.jsonl');
    await fs.writeFile(worse, relabelled.join('\n'));
    const checked = q('eval', worse, '--baseline', saved, '--check');
    assert.equal(checked.status, 1, checked.stderr);
    assert.match(checked.stderr, /regression: lexical all mrr10 1\.000 → 0\.\d{3}/);
    assert.match(checked.stdout, /^worse +lexical +#1 → .+ compute_checksum$/m);
    const lenient = q('eval', worse, '--baseline', saved, '--check', '--margin', '0.5');
    assert.equal(lenient.status, 0, 'a drop within the margin passes');
  });

  it('refuses bad input with what is wrong', async () => {
    const bad = path.join(work, 'bad.jsonl');
    await fs.writeFile(bad, '{"query": "x", "relevant": ["a.ts"]}\n{"query": "y"}\n');
    const badLine = q('eval', bad);
    assert.equal(badLine.status, 2);
    assert.match(badLine.stderr, /line 2: [\s\S]*relevant/);
    const missingFolder = q('eval', SAMPLE_QUERIES, '--folder', 'elsewhere');
    assert.equal(missingFolder.status, 2);
    assert.match(missingFolder.stderr, /No indexed folder "elsewhere" \(repo\)/);
    const missingFile = q('eval', path.join(work, 'nothing.jsonl'));
    assert.equal(missingFile.status, 2);
    assert.match(missingFile.stderr, /cannot read .*nothing\.jsonl/);
    const badModes = q('eval', SAMPLE_QUERIES, '--modes', 'lexical,fuzzy');
    assert.match(badModes.stderr, /--modes takes lexical, semantic and hybrid.*fuzzy/);
  });

  it('holds the fixture set to its committed baseline: docs that explain code rank below the code, in every kind of query', async () => {
    const repo = await copyDocsFirstRepo(path.join(work, 'docs-first-repo'));
    const indexed = q('index', repo);
    assert.equal(indexed.status, 0, indexed.stderr);
    const gate = q('eval', DOCS_FIRST_QUERIES, '--folder', 'docs-first-repo', '--baseline', DOCS_FIRST_BASELINE, '--check', '--json');
    assert.equal(gate.status, 0, `${gate.stdout}\n${gate.stderr}`);
    const { report, comparison } = JSON.parse(gate.stdout) as { report: QualityReport; comparison: { changes: Array<{ regressed: boolean }> } };
    assert.ok(comparison.changes.length > 0 && comparison.changes.every((change) => !change.regressed));
    assert.ok(report.modes.lexical!.descriptive!.mrr10 >= 0.9, 'the implementing file first for plain-language questions');
  });
});
