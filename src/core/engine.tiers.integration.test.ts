import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import type { IndexProgress } from '../shared/types.js';
import { LocalEmbedder } from './embedding/local-embedder.js';
import { resolveModelPack } from './embedding/model-pack.js';
import { StaticEmbedder } from './embedding/static-embedder.js';
import { Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';

const FAST_MODEL = 'potion-code-random';

async function tiers() {
  const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
  const full = { pack, embedder: await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 }) };
  const embedder = await StaticEmbedder.create(TEST_MODELS_DIR, FAST_MODEL);
  return { full, fast: { pack: embedder.pack, embedder } };
}

describe('two embedding tiers: a static model first, the transformer behind it', () => {
  let work: string;
  let cleanup: () => Promise<void>;

  before(async () => ({ dir: work, cleanup } = await tempDir()));
  after(() => cleanup());

  it('embeds a folder with the fast tier first, then the transformer, keeping each tier\'s vectors under its model', async () => {
    const { full, fast } = await tiers();
    const engine = await Engine.open({ dataDir: path.join(work, 'both'), processor: await InProcessFileProcessor.create(), embedding: full, fastEmbedding: fast });
    let semantic;
    try {
      const folder = await engine.addFolder(await copySampleRepo(path.join(work, 'repo')));
      const embedding: IndexProgress[] = [];
      const run = engine.index(folder);
      let step = await run.next();
      for (; !step.done; step = await run.next()) if (step.value.phase === 'embedding') embedding.push(step.value);
      const summary = step.value;
      const status = await engine.status();
      const repo = status.folders[0]!;
      assert.deepEqual(repo.tiers, [
        { tier: 'fast', modelId: FAST_MODEL, embedded: repo.chunks },
        { tier: 'full', modelId: TEST_MODEL, embedded: repo.chunks },
      ]);
      assert.equal(repo.embeddingCoverage, 1);
      assert.equal(status.fastModel?.modelId, FAST_MODEL);
      assert.equal(status.fastModel?.dims, 256);
      assert.equal(status.model?.modelId, TEST_MODEL);
      // Two passes of embedding progress, each counting up to the folder's distinct texts.
      const restarts = embedding.filter((p, i) => i > 0 && p.done < embedding[i - 1]!.done).length;
      assert.equal(restarts, 1, 'one embedding pass per tier');
      assert.equal(summary.embeddingsComputed, 2 * embedding.at(-1)!.total, 'each distinct text once per tier');

      const again = await drain(engine.index(folder));
      assert.equal(again.embeddingsComputed, 0, 'nothing is embedded twice');

      semantic = await engine.search('checksum of a buffer', { mode: 'semantic' });
      assert.ok(semantic.hits.length > 0);
      // The transformer has every text, so the fast tier has nothing left to rank: its vectors are not compared.
      assert.ok(semantic.profile.counts.vectorsCompared! >= repo.chunks - 1 && semantic.profile.counts.vectorsCompared! < 2 * repo.chunks - 2);
    } finally {
      engine.close();
    }
    // Every text has the transformer's vector, so each chunk is judged by it alone: the ranking
    // is the transformer tier's own.
    const alone = await Engine.open({ dataDir: path.join(work, 'both'), processor: await InProcessFileProcessor.create(), embedding: full });
    try {
      const transformer = await alone.search('checksum of a buffer', { mode: 'semantic' });
      assert.deepEqual(semantic.hits.map((hit) => [hit.path, hit.startLine]), transformer.hits.map((hit) => [hit.path, hit.startLine]));
    } finally {
      alone.close();
    }
  });

  it('searches semantically with the fast tier alone, and judges a chunk by the best vectors its text has', async () => {
    const { full, fast } = await tiers();
    const dataDir = path.join(work, 'fast-first');
    let engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), fastEmbedding: fast });
    const repo = await copySampleRepo(path.join(work, 'repo2'));
    const folder = await engine.addFolder(repo);
    await drain(engine.index(folder));
    let status = await engine.status();
    assert.equal(status.model, null);
    assert.equal(status.folders[0]!.embeddingCoverage, 1, 'covered by the fast tier');
    const result = await engine.search('vector push');
    assert.equal(result.mode, 'hybrid', 'hybrid is the default with a fast tier alone');
    assert.equal(result.embeddingCoverage, 1);
    engine.close();

    // The transformer tier joins; a new file arrives before it has embedded anything.
    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: full, fastEmbedding: fast });
    try {
      await writeFile(repo, 'late.ts', 'export function lateArrival(): number { return 42; }\n');
      await drain(engine.index(folder, { lexicalOnly: true }));
      status = await engine.status();
      const tiersNow = status.folders[0]!.tiers;
      assert.ok(tiersNow[1]!.embedded === 0 && tiersNow[0]!.embedded < status.folders[0]!.chunks, 'the new chunk has no vector of either tier yet');
      await drain(engine.index(folder));
      status = await engine.status();
      assert.deepEqual(status.folders[0]!.tiers.map((t) => t.embedded), [status.folders[0]!.chunks, status.folders[0]!.chunks]);
      const semantic = await engine.search('lateArrival', { mode: 'semantic' });
      assert.ok(semantic.hits.some((hit) => hit.path === 'late.ts'));
    } finally {
      engine.close();
    }
  });

  it('leaves vendored, generated and fixture files to the fast tier, says so, and embeds them all when asked', async () => {
    const { full, fast } = await tiers();
    const repo = path.join(work, 'scoped');
    await writeFile(repo, 'src/retry.ts', 'export function retryWithBackoff(attempt: number): number { return 2 ** attempt * 100; }\n');
    await writeFile(repo, 'test/fixtures/input/sample.js', 'const fixtureValue = [1, 2, 3].map((n) => n * 2);\n');
    await writeFile(repo, 'vendor/lib/left-pad.js', 'module.exports = function leftPad(s, n) { return s.padStart(n); };\n');
    await writeFile(repo, 'proto/api.pb.go', 'package proto\n\nfunc (m *Request) Reset() { *m = Request{} }\n');
    const open = (dataDir: string, options: { fast: boolean; everything: boolean }) =>
      Engine.open({ dataDir: path.join(work, dataDir), processor: pool, embedding: full, ...(options.fast ? { fastEmbedding: fast } : {}), embedEverything: options.everything });
    const pool = await InProcessFileProcessor.create();

    let engine = await open('scoped-both', { fast: true, everything: false });
    try {
      await drain(engine.index(await engine.addFolder(repo)));
      const status = await engine.status();
      const folder = status.folders[0]!;
      assert.deepEqual(status.embeddingLeftOut, { fixture: 1, vendored: 1, generated: 1 });
      assert.deepEqual(folder.tiers.map((t) => [t.tier, t.embedded]), [['fast', 4], ['full', 1]], 'the transformer embeds the source alone');
      assert.equal(folder.embeddingCoverage, 1, 'the fast tier covers the rest');
    } finally {
      engine.close();
    }

    engine = await open('scoped-transformer', { fast: false, everything: false });
    try {
      await drain(engine.index(await engine.addFolder(repo)));
      const status = await engine.status();
      assert.equal(status.folders[0]!.embeddingCoverage, 1, 'without a fast tier, the files left out are lexical-only: not missing coverage');
      assert.equal((await engine.search('fixtureValue', { mode: 'semantic' })).hits.some((hit) => hit.path.includes('fixtures')), false);
    } finally {
      engine.close();
    }

    engine = await open('scoped-everything', { fast: false, everything: true });
    try {
      await drain(engine.index(await engine.addFolder(repo)));
      const status = await engine.status();
      assert.deepEqual(status.embeddingLeftOut, {});
      assert.deepEqual(status.folders[0]!.tiers.map((t) => t.embedded), [4]);
    } finally {
      engine.close();
    }
  });
});
