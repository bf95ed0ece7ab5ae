import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { QuarryError } from '../shared/errors.js';
import type { FolderInfo, IndexSummary } from '../shared/types.js';
import { LocalEmbedder } from './embedding/local-embedder.js';
import { resolveModelPack, type ModelDtype } from './embedding/model-pack.js';
import { Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';


async function openWithModel(dataDir: string, dtype: ModelDtype = 'q8'): Promise<Engine> {
  const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, dtype);
  const embedder = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
  return Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: { pack, embedder } });
}

describe('Engine with a real embedding model', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let dataDir: string;
  let folder: FolderInfo;
  let first: IndexSummary;

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    dataDir = path.join(work, 'data');
    engine = await openWithModel(dataDir);
    folder = await engine.addFolder(await copySampleRepo(path.join(work, 'repo')));
    first = await drain(engine.index(folder));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('embeds every chunk after the lexical phase and reports full coverage', async () => {
    assert.ok(first.embeddingsComputed > 0);
    assert.equal(first.embeddingsComputed + first.embeddingCacheHits, first.chunksWritten);
    const status = await engine.status();
    assert.equal(status.folders[0]?.embeddingCoverage, 1);
    assert.equal(status.model?.modelId, TEST_MODEL);
    assert.equal(status.model?.dims, 128);
    assert.equal(status.model?.device, 'cpu');
    assert.equal(status.embeddings.computed, first.embeddingsComputed);
  });

  it('computes nothing for unchanged content, and nothing for a copy of it elsewhere', async () => {
    const again = await drain(engine.index(folder));
    assert.equal(again.embeddingsComputed, 0);
    const copy = await engine.addFolder(await copySampleRepo(path.join(work, 'copy')));
    const copied = await drain(engine.index(copy));
    assert.equal(copied.embeddingsComputed, 0, 'identical chunks are embedded once');
    assert.equal(copied.embeddingCacheHits, copied.chunksWritten);
    const { embeddings } = await engine.status();
    assert.equal(embeddings.computed, first.embeddingsComputed);
    assert.equal(embeddings.cacheHits, first.embeddingCacheHits + copied.chunksWritten);
    await engine.removeFolder(copy.name);
  });

  it('evicts the vectors of texts no chunk holds any more, and reports the cache', async () => {
    const before = (await engine.status()).embeddings;
    await writeFile(path.join(work, 'repo'), 'native/vector.c', 'int vector_size(void) { return 0; }\n');
    const run = await drain(engine.index(folder));
    assert.ok(run.embeddingsComputed >= 1);
    const after = (await engine.status()).embeddings;
    assert.ok(after.evicted > before.evicted, 'the old vector.c text lost its last chunk');
    assert.equal(after.bytes, after.entries * 128 * 4);
    assert.equal((await engine.status()).folders[0]?.embeddingCoverage, 1);
    assert.deepEqual((await engine.search('vector_push', { mode: 'lexical' })).hits, []);
  });

  it('searches semantically within filters, and says how much is embedded', async () => {
    const result = await engine.search('start the http server', { mode: 'semantic' });
    assert.equal(result.mode, 'semantic');
    assert.equal(result.embeddingCoverage, 1);
    assert.ok(result.hits.length > 0);
    const go = await engine.search('lang:go start the server', { mode: 'semantic' });
    assert.ok(go.hits.length > 0 && go.hits.every((h) => h.language === 'go'));
  });

  it('hybrid is the default, and keeps the definition the query names on top', async () => {
    const result = await engine.search('compute_checksum');
    assert.equal(result.mode, 'hybrid');
    assert.equal(result.hits[0]?.path, 'engine/src/lib.rs');
    assert.equal(result.hits[0]?.symbol, 'compute_checksum');
    // Random weights: the semantic list is at chance, so it adds nothing and moves nothing.
    const lexical = await engine.search('compute_checksum', { mode: 'lexical' });
    assert.deepEqual(result.hits.map((h) => h.path), lexical.hits.map((h) => h.path));
  });

  it('streams a hybrid search: the lexical ranking first, then the fused one', async () => {
    const results = [];
    for await (const result of engine.searchStream('checksum update buffer')) results.push(result);
    assert.equal(results.length, 2);
    assert.equal(results[0]!.partial, true);
    assert.equal(results[0]!.timings.embed, 0, 'the first answer did not wait for the model');
    assert.equal(results[1]!.partial, false);
    assert.equal(results[1]!.mode, 'hybrid');
    assert.ok(results[1]!.timings.embed > 0 && results[1]!.timings.vector > 0);
    const again = await engine.search('checksum update buffer');
    assert.equal(again.cache.results, true);
    const reworded = await engine.search('checksum update buffer lang:rs');
    assert.equal(reworded.cache.queryVector, true, 'the same words reuse the query vector');
  });

  it('never mixes vectors of different models: a new model starts from zero coverage', async () => {
    engine.close();
    engine = await openWithModel(dataDir, 'fp32');
    assert.equal((await engine.status()).folders[0]?.embeddingCoverage, 0);
    assert.deepEqual((await engine.search('server', { mode: 'semantic' })).hits, []);
    const run = await drain(engine.index(folder));
    assert.equal(run.embeddingsComputed, first.embeddingsComputed, 'the fp32 model embeds everything itself');
    assert.equal((await engine.status()).folders[0]?.embeddingCoverage, 1);
  });

  it('without a model, searches lexically by default and refuses semantic mode clearly', async () => {
    engine.close();
    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: { unavailable: 'no model folder' } });
    const lexical = await engine.search('StartServer');
    assert.equal(lexical.mode, 'lexical');
    assert.equal(lexical.hits[0]?.path, 'server/main.go');
    await assert.rejects(engine.search('server', { mode: 'semantic' }), (e: unknown) => e instanceof QuarryError && e.code === 'SEMANTIC_UNAVAILABLE');
    assert.equal((await engine.status()).modelUnavailable, 'no model folder');
  });
});
