import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { StaticEmbedder } from '../core/embedding/static-embedder.js';
import { resolveStaticPack } from '../core/embedding/static-pack.js';
import { StaticTierEmbedder } from './static-tier.js';

describe('StaticTierEmbedder', () => {
  it('gives the pack\'s vectors for a query and across a long pass handed to its workers', async () => {
    const tier = new StaticTierEmbedder(await resolveStaticPack(TEST_MODELS_DIR, 'potion-code-random'));
    const reference = await StaticEmbedder.create(TEST_MODELS_DIR, 'potion-code-random');
    try {
      const query = ['retry with exponential backoff'];
      assert.deepEqual([...(await tier.embed(query))[0]!], [...(await reference.embed(query))[0]!]);
      // A burst longer than the hand-off: later batches run on the workers once they are up.
      const started = performance.now();
      for (let batch = 0; performance.now() - started < 1500; batch++) {
        const texts = Array.from({ length: 64 }, (_, i) => `function step${batch}_${i}(value) { return value * ${i} + ${batch}; }`);
        const [got, want] = await Promise.all([tier.embed(texts), reference.embed(texts)]);
        got.forEach((vector, i) => assert.deepEqual([...vector], [...want[i]!], `batch ${batch}, text ${i}`));
      }
      assert.equal((await tier.info()).dims, 256);
    } finally {
      await tier.close();
    }
  });
});
