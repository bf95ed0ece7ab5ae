import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { drain } from '../../../test/support/engine.js';
import { copySampleRepo, tempDir } from '../../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';
import type { SearchMode } from '../../shared/types.js';
import { LocalEmbedder } from '../embedding/local-embedder.js';
import { resolveModelPack } from '../embedding/model-pack.js';
import { Engine } from '../engine.js';
import { InProcessFileProcessor } from '../indexing/in-process.js';
import { evaluateMode, parseLabelledQueries, type LabelledQuery } from './labelled-queries.js';

const QUERIES = fileURLToPath(new URL('../../../test/fixtures/sample-repo.queries.jsonl', import.meta.url));

describe('hybrid search with a model that knows nothing', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let queries: LabelledQuery[];

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    // Random weights: its vectors carry no information about the code.
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
    const embedder = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
    engine = await Engine.open({ dataDir: path.join(work, 'data'), processor: await InProcessFileProcessor.create(), embedding: { pack, embedder } });
    const folder = await engine.addFolder(await copySampleRepo(path.join(work, 'repo')));
    await drain(engine.index(folder));
    queries = parseLabelledQueries(await readFile(QUERIES, 'utf8'));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('cannot sink the lexical ranking: hybrid MRR@10 stays within 5% of lexical on the labelled set', async () => {
    const search = (query: string, mode: SearchMode) => engine.search(query, { mode, fresh: true });
    const lexical = await evaluateMode(queries, 'lexical', search);
    const hybrid = await evaluateMode(queries, 'hybrid', search);
    assert.ok(lexical.mrr10 > 0.6, `the set is one lexical search answers well (${lexical.mrr10})`);
    assert.ok(hybrid.mrr10 >= 0.95 * lexical.mrr10, `hybrid ${hybrid.mrr10.toFixed(3)} against lexical ${lexical.mrr10.toFixed(3)}: ranks ${JSON.stringify(hybrid.ranks)} vs ${JSON.stringify(lexical.ranks)}`);
    assert.ok(hybrid.recall10 >= lexical.recall10, 'nothing lexical found is lost');
  });

  it('reads a labelled set, refusing a bad line by its number', () => {
    assert.equal(queries.length, 15);
    assert.deepEqual(new Set(queries.map((q) => q.kind)), new Set(['identifier', 'mixed', 'descriptive']));
    assert.throws(() => parseLabelledQueries('{"query": "x", "relevant": ["a"]}\n{"query": "y"}\n'), /line 2: [\s\S]*relevant/);
    assert.throws(() => parseLabelledQueries('not json'), /line 1 is not JSON/);
  });
});
