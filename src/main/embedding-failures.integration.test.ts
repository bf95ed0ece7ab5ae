import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { resolveModelPack } from '../core/embedding/model-pack.js';
import { Engine } from '../core/engine.js';
import { InProcessFileProcessor } from '../core/indexing/in-process.js';
import type { FolderInfo } from '../shared/types.js';
import { EmbedPool } from './embed-pool.js';


describe('stuck embedding batches (real embed worker)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let pool: EmbedPool;
  let engine: Engine;
  let folder: FolderInfo;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeFile(dir, 'repo/a.ts', 'export function alpha() { return 1; }\n');
    await writeFile(dir, 'repo/b.py', 'def beta():\n    return 2\n');
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL);
    pool = new EmbedPool(pack, 'economy', ['cpu']);
    engine = await Engine.open({ dataDir: path.join(dir, 'data'), processor: await InProcessFileProcessor.create(), embedding: { pack, embedder: pool } });
    folder = await engine.addFolder(path.join(dir, 'repo'));
  });
  after(async () => {
    engine.close();
    await pool.close();
    await cleanup();
  });

  it('abandons a batch that takes too long, retries, then records each text as failed and goes on', async () => {
    // The worker is stuck on a long task (thousands of long texts), so every attempt of the run
    // waits behind it past its 50 ms budget and is abandoned.
    const stuck = pool.embed(Array.from({ length: 800 }, (_, i) => `stuck ${i} `.repeat(200)));
    const run = await drain(engine.index(folder, { batchTimeoutMs: 50 }));
    await stuck;
    assert.equal(run.filesIndexed, 2, 'lexical indexing is unaffected');
    assert.equal(run.embeddingsComputed, 0);
    assert.equal(run.embeddingsFailed, 2);
    const status = await engine.status();
    assert.equal(status.embeddings.failed, 2);
    assert.equal(status.folders[0]?.embeddingCoverage, 0);
    assert.equal((await engine.search('alpha', { mode: 'lexical' })).hits[0]?.path, 'a.ts');
  });

  it('does not retry failed texts, and embeds new ones once the worker is healthy again', async () => {
    await writeFile(dir, 'repo/c.go', 'package main\n\nfunc gamma() int { return 3 }\n');
    const run = await drain(engine.index(folder));
    assert.equal(run.embeddingsFailed, 0);
    assert.equal(run.embeddingsComputed, 1, 'only the new file; the failed texts stay failed');
    assert.ok((await engine.search('gamma', { mode: 'semantic' })).hits.length > 0);
  });
});
