import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { tempDir, writeFiles } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import type { Embedder } from './embedding/embedder.js';
import { LocalEmbedder } from './embedding/local-embedder.js';
import { resolveModelPack } from './embedding/model-pack.js';
import { StaticEmbedder } from './embedding/static-embedder.js';
import { Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';

/** Enough distinct texts for several embedding batches (64 texts each), so a pass can be caught part way. */
const FILES = Object.fromEntries(
  Array.from({ length: 300 }, (_, i) => [`src/module${i}.ts`, `export function handler${i}(input: number): number {\n  return input * ${i} + ${i * 7};\n}\n`]),
);

describe('a tier turned off during its pass', () => {
  let work: string;
  let cleanup: () => Promise<void>;

  before(async () => ({ dir: work, cleanup } = await tempDir()));
  after(() => cleanup());

  it('stops the transformer\'s pass after the batch in flight, ends the run well, and a later run with the tier on finishes it', async () => {
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
    const transformer = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
    const staticEmbedder = await StaticEmbedder.create(TEST_MODELS_DIR, 'potion-code-random');
    const fast = { pack: staticEmbedder.pack, embedder: staticEmbedder };
    let off = false;
    let callsAfterOff = 0;
    const counted: Embedder = {
      info: () => transformer.info(),
      embed: (texts, signal) => {
        if (off) callsAfterOff++;
        return transformer.embed(texts, signal);
      },
    };
    const dataDir = path.join(work, 'data');
    const repo = path.join(work, 'repo');
    await writeFiles(repo, FILES);
    let engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: { pack, embedder: counted }, fastEmbedding: fast });
    try {
      const folder = await engine.addFolder(repo);
      const run = engine.index(folder);
      let passes = 0;
      let previous = Infinity;
      let step = await run.next();
      for (; !step.done; step = await run.next()) {
        const progress = step.value;
        if (progress.phase !== 'embedding') continue;
        if (progress.done < previous) passes++;
        previous = progress.done;
        // The transformer's pass (the second) has stored a batch: the tier is turned off.
        if (passes === 2 && progress.done > 0 && !off) {
          off = true;
          await engine.useEmbedding({ unavailable: 'the transformer tier is turned off' });
        }
      }
      assert.ok(off, 'the transformer\'s pass was caught part way');
      assert.equal(callsAfterOff, 0, 'no batch started after the tier was turned off');
      assert.ok(step.value.embeddingsComputed > 0, 'the run ended with its summary');
      const status = await engine.status();
      assert.equal(status.model, null);
      const repoStatus = status.folders[0]!;
      assert.deepEqual(repoStatus.tiers.map((t) => t.tier), ['fast']);
      assert.equal(repoStatus.embeddingCoverage, 1, 'the fast tier covers the folder');
      const hybrid = await engine.search('handler input');
      assert.equal(hybrid.mode, 'hybrid', 'semantic search goes on with the fast tier');
    } finally {
      engine.close();
    }

    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: { pack, embedder: transformer }, fastEmbedding: fast });
    try {
      const folder = (await engine.listFolders())[0]!;
      let full = (await engine.status()).folders[0]!;
      const stored = full.tiers.find((t) => t.tier === 'full')!.embedded;
      assert.ok(stored > 0 && stored < full.chunks, `the transformer stopped part way (${stored} of ${full.chunks})`);
      await drain(engine.index(folder));
      full = (await engine.status()).folders[0]!;
      assert.equal(full.tiers.find((t) => t.tier === 'full')!.embedded, full.chunks, 'turned on again, it finishes the folder');
    } finally {
      engine.close();
    }
  });
});
