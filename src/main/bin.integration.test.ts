import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stopEngines } from '../../test/support/cli.js';
import { copySampleRepo, tempDir } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import type { SearchHit, StatusReport } from '../shared/types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `bin/quarry.js` in a checkout that has never been built, as right after `git clone` and
 * `npm install`: the CLI runs from the TypeScript sources, and so must its worker threads.
 */
describe('the quarry bin before any build', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let checkout: string;
  const args = (...rest: string[]) => ['--data-dir', path.join(dir, 'data'), '--models-dir', TEST_MODELS_DIR, '--model', TEST_MODEL, '--device', 'cpu', ...rest];
  const bin = (...rest: string[]) => spawnSync(process.execPath, ['bin/quarry.js', ...args(...rest)], { cwd: checkout, encoding: 'utf8', timeout: 120_000 });

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    // What a clone holds: the files git tracks or would track, and no out/ folder.
    checkout = path.join(dir, 'checkout');
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      if (!existsSync(path.join(ROOT, file))) continue; // deleted in the work tree, not yet committed
      await fs.mkdir(path.dirname(path.join(checkout, file)), { recursive: true });
      await fs.copyFile(path.join(ROOT, file), path.join(checkout, file));
    }
    await fs.symlink(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    await copySampleRepo(path.join(dir, 'repo'));
  });
  after(async () => {
    stopEngines(path.join(dir, 'data'));
    await cleanup();
  });

  it('indexes with its chunk and embed workers, and searches', () => {
    assert.equal(existsSync(path.join(checkout, 'out')), false);
    const indexed = bin('index', path.join(dir, 'repo'));
    assert.equal(indexed.status, 0, indexed.stderr);
    assert.doesNotMatch(indexed.stderr, /Unknown file extension/);
    assert.match(indexed.stdout, /[1-9]\d* embedded/);
    const status = JSON.parse(bin('status', '--json').stdout) as StatusReport;
    assert.equal(status.folders[0]?.embeddingCoverage, 1);
    const search = bin('search', 'findUserName', '--json', '--mode', 'lexical');
    assert.equal(search.status, 0, search.stderr);
    const hit = JSON.parse(search.stdout.split('\n')[0]!) as SearchHit;
    assert.equal(hit.symbol, 'findUserName', 'chunked along the syntax tree in a worker thread run from source');
  });

  it('runs the same through npx', () => {
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const search = spawnSync(npx, ['quarry', ...args('search', 'findUserName', '--json', '--mode', 'semantic')], { cwd: checkout, encoding: 'utf8', timeout: 120_000 });
    assert.equal(search.status, 0, search.stderr);
    assert.ok((JSON.parse(search.stdout.split('\n')[0]!) as SearchHit).path);
  });
});
