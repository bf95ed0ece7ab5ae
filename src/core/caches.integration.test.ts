import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import type { CacheStats, FolderInfo } from '../shared/types.js';
import { FILE_SKIPS, STORED_EMBEDDINGS } from './caches.js';
import { LocalEmbedder } from './embedding/local-embedder.js';
import { resolveModelPack } from './embedding/model-pack.js';
import { DATABASE_FILE, Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';
import { Store } from './store/store.js';

async function semanticSetup(modelId: string) {
  const pack = resolveModelPack(TEST_MODELS_DIR, modelId, 'q8');
  return { pack, embedder: await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 }) };
}

describe('the engine\'s caches', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let engine: Engine;
  let folder: FolderInfo;
  const cache = async (name: string): Promise<CacheStats> => (await engine.cacheStats()).find((c) => c.name === name)!;
  const open = async () => Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: await semanticSetup(TEST_MODEL) });

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    dataDir = path.join(work, 'data');
    engine = await open();
    folder = await engine.addFolder(await copySampleRepo(path.join(work, 'repo')));
    await drain(engine.index(folder));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('lists every cache as one: rankings and query vectors in memory, embeddings and file stamps stored', async () => {
    const caches = await engine.cacheStats();
    assert.deepEqual(caches.map((c) => [c.name, c.kind, c.actions.join('+')]), [
      ['search results', 'memory', 'clear+invalidate+configure+warm'],
      ['query vectors', 'memory', 'clear+invalidate+configure'],
      [STORED_EMBEDDINGS, 'stored', 'gc'],
      [FILE_SKIPS, 'stored', 'clear'],
    ]);
    const embeddings = await cache(STORED_EMBEDDINGS);
    assert.ok(embeddings.entries > 0 && embeddings.misses === embeddings.entries, 'each text embedded once');
    assert.equal(embeddings.bytes, embeddings.entries * 128 * 4, 'float32 vectors of 128 dimensions');
    const skips = await cache(FILE_SKIPS);
    const { folders } = await engine.status();
    assert.equal(skips.entries, folders[0]!.files + folders[0]!.skipped);
    assert.equal(skips.hits, 0, 'a first run reads every file');
    await drain(engine.index(folder));
    assert.equal((await cache(FILE_SKIPS)).hits, folders[0]!.files + folders[0]!.skipped, 'a second run skips them all');
  });

  it('a model switch drops the query vectors and the rankings they took part in, and keeps lexical rankings', async () => {
    await engine.search('vector push', { mode: 'hybrid' });
    await engine.search('vector push', { mode: 'lexical' });
    assert.equal((await cache('query vectors')).entries, 1);
    assert.ok((await cache('query vectors')).bytes >= 128 * 4);
    await engine.useEmbedding(await semanticSetup('minilm-l6-random'));
    const vectors = await cache('query vectors');
    assert.deepEqual([vectors.entries, vectors.bytes, vectors.invalidations.model], [0, 0, 1]);
    const results = await cache('search results');
    assert.equal(results.invalidations.model, 1, 'the hybrid ranking');
    assert.equal(results.entries, 1, 'the lexical one stays');
    assert.equal((await engine.search('vector push', { mode: 'lexical' })).cache.results, true);
    assert.equal((await engine.search('vector push', { mode: 'hybrid' })).embeddingCoverage, 0, 'nothing is embedded with the new model yet');
    await engine.useEmbedding(await semanticSetup(TEST_MODEL));
    assert.equal((await engine.search('vector push', { mode: 'hybrid' })).embeddingCoverage, 1);
  });

  it('drops the rankings of generations no cursor can still page through', async () => {
    await engine.search('vector_push', { mode: 'lexical' });
    const before = (await cache('search results')).invalidations.generation;
    for (let i = 0; i < 9; i++) {
      await writeFile(folder.root, 'churn.ts', `export const churn = ${i};\n`);
      await drain(engine.index(folder, { changed: ['churn.ts'] }));
    }
    await engine.search('something else', { mode: 'lexical' });
    assert.ok((await cache('search results')).invalidations.generation > before, 'rankings more than 8 generations old are gone');
    assert.equal((await engine.search('vector_push', { mode: 'lexical' })).cache.results, false);
  });

  it('invalidating drops only what is no longer valid: a past generation\'s ranking goes, the current ones stay', async () => {
    await engine.clearCache('search results');
    const past = await engine.search('return', { mode: 'lexical', limit: 1 });
    assert.ok(past.cursor, 'a page to come');
    await writeFile(folder.root, 'churn.ts', 'export const churn = "invalidate";\n');
    await drain(engine.index(folder, { changed: ['churn.ts'] }));
    await engine.search('vector_push', { mode: 'lexical' });
    await engine.search('vector push', { mode: 'hybrid' });
    const before = await cache('search results');
    assert.equal(before.entries, 3, 'the past generation\'s ranking is still kept for its cursor');
    assert.equal((await engine.search('return', { mode: 'lexical', limit: 1, cursor: past.cursor! })).cache.results, true, 'and serves it');

    const { cache: after, dropped, byCause } = await engine.invalidateCache('search results');
    assert.deepEqual([dropped, byCause.generation, byCause.manual, after.entries], [1, 1, 0, 2]);
    assert.equal(after.invalidations.generation, before.invalidations.generation + 1);
    assert.equal(after.invalidations.manual, before.invalidations.manual, 'not counted as a clear');
    assert.equal((await engine.search('vector_push', { mode: 'lexical' })).cache.results, true, 'the current rankings stay');
    assert.equal((await engine.search('vector push', { mode: 'hybrid' })).cache.results, true);
    await assert.rejects(engine.search('return', { mode: 'lexical', limit: 1, cursor: past.cursor! }), /no longer cached/, 'its cursor has expired');
    assert.equal((await engine.invalidateCache('search results')).dropped, 0, 'nothing more is stale');

    // Query vectors: the model in use keeps its vectors; one past its time to live goes.
    const vectors = await engine.invalidateCache('query vectors');
    assert.deepEqual([vectors.dropped, vectors.cache.entries], [0, 1]);
    await engine.configureCache('query vectors', { ttlSeconds: 0.001 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const expired = await engine.invalidateCache('query vectors');
    assert.deepEqual([expired.dropped, expired.byCause.ttl, expired.cache.entries], [1, 1, 0]);
    await engine.configureCache('query vectors', { ttlSeconds: null });

    await assert.rejects(engine.invalidateCache(FILE_SKIPS), /cannot be invalidated: a stamp is found stale only by reading its file/);
    await assert.rejects(engine.invalidateCache(STORED_EMBEDDINGS), /cannot be invalidated/);
    await assert.rejects(engine.invalidateCache('nope'), /No cache is called "nope"/);
  });

  it('collects the stored vectors no chunk uses, saying first what that frees', async () => {
    engine.close();
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
    const store = await Store.open(path.join(dataDir, DATABASE_FILE));
    // What a run stopped before its clean-up leaves: a vector for a text no chunk has.
    await store.putVectors(pack.key, [{ hash: 'f'.repeat(32), vector: new Float32Array(128).fill(0.5) }]);
    store.close();
    engine = await open();
    const evicted = (await cache(STORED_EMBEDDINGS)).invalidations.fileChange;
    assert.deepEqual(await engine.collectGarbage(true), { vectors: 1, bytes: 512, applied: false });
    assert.deepEqual(await engine.collectGarbage(true), { vectors: 1, bytes: 512, applied: false }, 'a dry run frees nothing');
    assert.deepEqual(await engine.collectGarbage(false), { vectors: 1, bytes: 512, applied: true });
    assert.deepEqual(await engine.collectGarbage(true), { vectors: 0, bytes: 0, applied: false });
    assert.equal((await cache(STORED_EMBEDDINGS)).invalidations.fileChange, evicted + 1);
  });

  it('clearing the file stamps makes the next run read and hash every file, and re-chunk none', async () => {
    const before = await cache(FILE_SKIPS);
    const cleared = await engine.clearCache(FILE_SKIPS);
    const { folders } = await engine.status();
    assert.equal(cleared.invalidations.manual, folders[0]!.files);
    const run = await drain(engine.index(folder));
    assert.equal(run.filesIndexed, 0, 'every hash still matched');
    assert.equal(run.filesUnchanged, folders[0]!.files + folders[0]!.skipped);
    assert.equal(run.chunksWritten, 0);
    const after = await cache(FILE_SKIPS);
    assert.equal(after.hits, before.hits, 'no file was skipped on its stamp');
    assert.equal(after.misses - before.misses, folders[0]!.files, 'every indexed file was read');
    await assert.rejects(engine.clearCache(STORED_EMBEDDINGS), /cannot be cleared/);
    await assert.rejects(engine.configureCache(FILE_SKIPS, { maxEntries: 5 }), /no size or time to live/);
  });
});
