import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stopEngines } from '../../test/support/cli.js';
import { copySampleRepo, tempDir } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import type { SearchHit, StatusReport } from '../shared/types.js';

const BUILT_CLI = fileURLToPath(new URL('../../out/main/cli.js', import.meta.url));

/** The bundle electron-vite builds (npm test builds it first): worker path and grammars must resolve. */
describe('the built CLI (out/main/cli.js)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BUILT_CLI, '--data-dir', path.join(dir, 'data'), '--models-dir', TEST_MODELS_DIR, '--model', TEST_MODEL, ...args], {
      encoding: 'utf8',
    });

  before(async () => {
    assert.ok(existsSync(BUILT_CLI), 'out/main/cli.js is missing: run `npm run build` (npm test does)');
    ({ dir, cleanup } = await tempDir());
    await copySampleRepo(path.join(dir, 'repo'));
  });
  after(async () => {
    stopEngines(path.join(dir, 'data'));
    await cleanup();
  });

  it('indexes and embeds with its bundled workers, and searches', () => {
    const indexed = run('index', path.join(dir, 'repo'));
    assert.equal(indexed.status, 0, indexed.stderr);
    assert.doesNotMatch(indexed.stderr, /grammar did not load/);
    assert.match(indexed.stdout, /[1-9]\d* embedded/);
    const status = JSON.parse(run('status', '--json').stdout) as StatusReport;
    assert.equal(status.model?.device, 'cpu');
    assert.equal(status.folders[0]?.embeddingCoverage, 1);
    const search = run('search', 'findUserName', '--json', '--mode', 'lexical');
    assert.equal(search.status, 0, search.stderr);
    const hit = JSON.parse(search.stdout.split('\n')[0]!) as SearchHit;
    assert.equal(hit.path, 'java/src/main/java/com/example/UserService.java');
    assert.equal(hit.symbol, 'findUserName', 'chunked along the Java syntax tree inside the bundled worker');
  });
});
