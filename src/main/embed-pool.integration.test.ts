import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { LocalEmbedder } from '../core/embedding/local-embedder.js';
import { resolveModelPack } from '../core/embedding/model-pack.js';
import { StaticEmbedder } from '../core/embedding/static-embedder.js';
import { EmbedPool, threadsFor } from './embed-pool.js';

describe('EmbedPool (piscina embed worker)', () => {
  const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL);
  let pool: EmbedPool;
  before(() => {
    pool = new EmbedPool(pack, 'economy');
  });
  after(() => pool.close());

  it('loads the model in the worker, falling back to the CPU with the reason recorded', async () => {
    const info = await pool.info();
    assert.equal(info.modelId, TEST_MODEL);
    assert.equal(info.dims, 128);
    assert.equal(info.device, 'cpu');
    assert.match(info.fallbackReason ?? '', /^webgpu: /);
  });

  it('returns the same vectors as the model in-process, one per text', async () => {
    const texts = ['export function startServer(port) {}', 'SELECT * FROM users', ''];
    const fromWorker = await pool.embed(texts);
    const local = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
    const inProcess = await local.embed(texts);
    assert.equal(fromWorker.length, 3);
    fromWorker.forEach((v, i) => {
      assert.equal(v.length, 128);
      const cosine = v.reduce((s, x, d) => s + x * inProcess[i]![d]!, 0);
      assert.ok(cosine > 0.999, `text ${i}: cosine ${cosine}`);
    });
  });

  it('sizes threads by the resource budget', () => {
    assert.equal(threadsFor('economy', 8), 4);
    assert.equal(threadsFor('full', 8), 8);
    assert.equal(threadsFor('economy', 1), 1);
  });
});

describe('EmbedPool with a static pack', () => {
  it('splits each call among its workers and returns the vectors the pack gives in-process, in order', async () => {
    const pool = new EmbedPool({ static: { modelsDir: TEST_MODELS_DIR, modelId: 'potion-code-random' } }, 'full');
    try {
      const texts = Array.from({ length: 9 }, (_, i) => `export function handler${i}(request) { return retry(request, ${i}); }`);
      const fromWorkers = await pool.embed(texts);
      const inProcess = await (await StaticEmbedder.create(TEST_MODELS_DIR, 'potion-code-random')).embed(texts);
      assert.equal(fromWorkers.length, 9);
      fromWorkers.forEach((vector, i) => assert.deepEqual([...vector], [...inProcess[i]!], `text ${i}`));
      assert.equal((await pool.info()).dims, 256);
    } finally {
      await pool.close();
    }
  });
});
