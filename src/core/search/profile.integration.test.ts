import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../../test/support/engine.js';
import { tempDir, writeFiles } from '../../../test/support/fixtures.js';
import { generatedCode, writeProfiledFolders } from '../../../test/support/generated-code.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';
import type { SearchAdviceCode, SearchResult } from '../../shared/types.js';
import { LocalEmbedder } from '../embedding/local-embedder.js';
import { resolveModelPack } from '../embedding/model-pack.js';
import { Engine } from '../engine.js';
import { InProcessFileProcessor } from '../indexing/in-process.js';
import { ADVICE_MIN_CHUNKS, NARROW_MIN_CANDIDATES } from './profile.js';

const codes = (result: SearchResult): SearchAdviceCode[] => result.profile.advice.map((a) => a.code);

describe('search profiles and their advice, from real searches', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    const folders = await writeProfiledFolders(work);
    engine = await Engine.open({ dataDir: path.join(work, 'data'), processor: await InProcessFileProcessor.create() });
    for (const folder of folders) await drain(engine.index(await engine.addFolder(folder)));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('counts what each stage handled', async () => {
    const result = await engine.search('handler', { mode: 'lexical' });
    const { counts } = result.profile;
    assert.ok(counts.indexedChunks >= 1_200, `indexed ${counts.indexedChunks} chunks`);
    assert.equal(counts.lexicalCandidates, counts.indexedChunks, 'every chunk holds "handler"');
    assert.equal(counts.phraseChunks, null);
    assert.equal(counts.regexChunksChecked, null);
    assert.equal(counts.hitFolders, 2);
    assert.equal(counts.hitLanguages, 2);
    const total = Object.values(result.timings).reduce((a, b) => a + b, 0);
    assert.equal(result.profile.dominantShare, result.timings[result.profile.dominantStage!] / total);
  });

  it('suggests a repo: or lang: filter for many candidates over folders and languages, and not once filtered', async () => {
    // A name as typed: every candidate's text is read for its exact case, in the lexical stage.
    const wide = await engine.search('handler.run dispatch', { mode: 'lexical', fresh: true });
    assert.equal(wide.profile.dominantStage, 'lexical');
    const advice = wide.profile.advice.find((a) => a.code === 'filter-would-narrow');
    assert.ok(advice, JSON.stringify(wide.profile));
    assert.match(advice.message, new RegExp(`scored ${wide.profile.counts.lexicalCandidates!.toLocaleString('en-US')} chunks`));
    assert.match(advice.message, /repo:(api|tools) \(\d+ of \d+ hits\) or lang:(typescript|python)/);
    const narrowed = await engine.search('handler.run dispatch repo:api lang:ts', { mode: 'lexical' });
    assert.ok(narrowed.hits.length > 0 && !codes(narrowed).includes('filter-would-narrow'), JSON.stringify(narrowed.profile.advice));
    const few = await engine.search('handlerrare', { mode: 'lexical' });
    assert.ok(few.profile.counts.lexicalCandidates! < NARROW_MIN_CANDIDATES && !codes(few).includes('filter-would-narrow'));
  });

  it('explains a regex with no usable literal, and none for one the index narrows', async () => {
    const scan = await engine.search('/[a-z]+_[0-9]+\\(/');
    assert.equal(scan.mode, 'regex');
    assert.deepEqual(scan.profile.regex, { prefilter: 'none', re2: true });
    assert.ok(scan.hits.length > 0);
    assert.deepEqual(codes(scan), ['regex-without-literal']);
    assert.match(scan.profile.advice[0]!.message, /has no literal every match must contain, so RE2 read every chunk in scope/);
    const narrowed = await engine.search('/\\bhandlerRare\\b/');
    assert.equal(narrowed.profile.regex?.prefilter, 'identifiers');
    assert.ok(narrowed.profile.counts.regexChunksChecked! < ADVICE_MIN_CHUNKS);
    assert.deepEqual(codes(narrowed), []);
  });

  it('explains a pattern RE2 cannot run by the chunks JavaScript had to check', async () => {
    const lookahead = await engine.search('/handler(?=Rare)/');
    assert.deepEqual(lookahead.profile.regex, { prefilter: 'substrings', re2: false });
    assert.ok(lookahead.hits.length > 0);
    assert.ok(lookahead.profile.counts.regexChunksChecked! >= ADVICE_MIN_CHUNKS);
    assert.deepEqual(codes(lookahead), ['regex-javascript-only']);
  });

  it('points at a phrase that was matched by a scan of every chunk', async () => {
    // The advice needs the scan to be where the time went; on a loaded machine the snippets' read
    // can take as long once, so the search is run up to three times for one where it was.
    const runs: SearchResult[] = [];
    for (let i = 0; i < 3 && !runs.some((r) => codes(r).includes('phrase-scan')); i++) runs.push(await engine.search('"handler dispatch handlerRare" lang:ts', { mode: 'lexical', fresh: true }));
    const phrase = runs.at(-1)!;
    assert.ok(phrase.hits.length > 0);
    assert.equal(phrase.profile.counts.phraseChunks, 35, 'one function in 20 of the 700 TypeScript ones');
    assert.ok(codes(phrase).includes('phrase-scan'), JSON.stringify(runs.map((r) => r.profile)));
  });

  it('says a cached result is cached, with the figures of the search that ranked it', async () => {
    const first = await engine.search('handler run', { mode: 'lexical' });
    const again = await engine.search('handler run', { mode: 'lexical' });
    assert.equal(first.profile.cachedAgeMs, null);
    assert.equal(again.cache.results, true);
    assert.ok(again.profile.cachedAgeMs !== null && again.profile.cachedAgeMs >= 0);
    assert.deepEqual({ ...again.profile, cachedAgeMs: null }, first.profile);
    assert.ok(again.tookMs < first.timings.lexical, 'the answer itself took less than the ranking it reuses');
  });
});

describe('search profiles with a real embedding model', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;

  it('says which folder is not embedded yet, until it is', async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    const dataDir = path.join(work, 'data');
    await writeFiles(path.join(work, 'done'), generatedCode('typescript', 2));
    await writeFiles(path.join(work, 'pending'), generatedCode('python', 3));
    // Indexed without a model, then opened with one: no folder has vectors until it is indexed again.
    const lexicalOnly = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
    const folders = [];
    for (const name of ['done', 'pending']) {
      const folder = await lexicalOnly.addFolder(path.join(work, name));
      await drain(lexicalOnly.index(folder));
      folders.push(folder);
    }
    lexicalOnly.close();
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
    const embedder = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: { pack, embedder } });
    try {
      await drain(engine.index(folders[0]!));
      const partial = await engine.search('route the request', { mode: 'semantic' });
      assert.ok(partial.profile.counts.vectorsCompared! > 0);
      assert.deepEqual(codes(partial), ['embeddings-incomplete']);
      const message = partial.profile.advice[0]!.message;
      assert.match(message, /embedded so far pending 0% \(0 of 30 chunks\)\./);
      assert.ok(!message.includes('done'), message);
      await drain(engine.index(folders[1]!));
      const full = await engine.search('route the request', { mode: 'hybrid' });
      assert.equal(full.embeddingCoverage, 1);
      assert.deepEqual(codes(full), []);
    } finally {
      engine.close();
      await cleanup();
    }
  });
});
