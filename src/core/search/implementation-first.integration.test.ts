import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../../test/support/engine.js';
import { copyDocsFirstRepo, tempDir, writeFile } from '../../../test/support/fixtures.js';
import { Engine } from '../engine.js';
import { InProcessFileProcessor } from '../indexing/in-process.js';

describe('implementation first', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    const repo = await copyDocsFirstRepo(path.join(work, 'repo'));
    // A test that uses the name too: it must not be taken for the definition.
    await writeFile(repo, 'test/retry.test.ts', 'import { backoffDelay } from "../src/retry";\nexport function backoffDelay_caps() { return backoffDelay(9, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 5 }, null); }\n');
    engine = await Engine.open({ dataDir: path.join(work, 'data'), processor: await InProcessFileProcessor.create() });
    await drain(engine.index(await engine.addFolder(repo)));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  const paths = async (query: string) => (await engine.search(query, { mode: 'lexical', fresh: true })).hits.map((h) => h.path);

  it('puts the code a doc names above the doc whose prose matches the question, with the doc as its explanation', async () => {
    const result = await engine.search('where is the delay before the next retry computed', { mode: 'lexical', fresh: true });
    assert.equal(result.hits[0]?.path, 'src/retry.ts');
    assert.equal(result.hits[0]?.symbol, 'backoffDelay');
    assert.deepEqual(result.hits[0]?.explainedBy, { path: 'docs/retries.md', startLine: 8 });
    const doc = result.hits.findIndex((h) => h.path === 'docs/retries.md');
    assert.ok(doc > 0, 'the page stays in the list, below what it explains');
  });

  it('finds code whose words differ from the question through the path and the doc that names it', async () => {
    assert.equal((await paths('how are idle connections closed after a timeout'))[0], 'src/pool.ts');
    assert.equal((await paths('limit how many requests are sent per second'))[0], 'src/rate_limit.py');
    assert.equal((await paths('searching parent directories for the configuration file'))[0], 'src/config.ts');
  });

  it('keeps docs first when the query asks for them, by word or by filter', async () => {
    assert.equal((await paths('retries guide'))[0], 'docs/retries.md');
    assert.equal((await paths('how to configure the configuration file'))[0], 'docs/configuration.md');
    assert.equal((await paths('lang:md idle connections closed'))[0], 'docs/pooling.md');
  });

  it('ranks a lone name\'s definition above the code and tests that use it', async () => {
    const [first, ...rest] = await paths('backoffDelay');
    assert.equal(first, 'src/retry.ts');
    assert.ok(rest.includes('src/client.ts') && rest.includes('test/retry.test.ts'));
    assert.equal((await paths('ConnectionPool'))[0], 'src/pool.ts');
  });

  it('leaves release notes below the code unless they are asked for', async () => {
    const hits = await paths('idle connections closed after a timeout');
    assert.ok(hits.indexOf('CHANGELOG.md') > hits.indexOf('src/pool.ts'));
    assert.equal((await paths('changelog idle connections'))[0], 'CHANGELOG.md');
  });

  it('ranks a query of phrases alone, with no words to analyse, with finite scores and relevances', async () => {
    const result = await engine.search('"maxDelayMs"', { mode: 'lexical', fresh: true });
    assert.ok(result.hits.length >= 2);
    assert.ok(result.hits.every((h) => Number.isFinite(h.score) && h.score > 0 && Number.isFinite(h.relevance)), JSON.stringify(result.hits.map((h) => [h.score, h.relevance])));
    assert.equal(result.hits[0]!.relevance, 100);
  });
});
