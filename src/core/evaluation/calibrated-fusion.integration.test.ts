import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testModelsDir } from '../../../test/models/cache.js';
import { SeededRandom } from '../../../test/models/seeded-random.js';
import { folderTexts, writeSignalPack } from '../../../test/models/signal-pack.js';
import { drain } from '../../../test/support/engine.js';
import { copySampleRepo, tempDir, writeFile } from '../../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';
import type { SearchMode } from '../../shared/types.js';
import { LocalEmbedder } from '../embedding/local-embedder.js';
import { resolveModelPack } from '../embedding/model-pack.js';
import { StaticEmbedder } from '../embedding/static-embedder.js';
import { Engine, type EngineOptions } from '../engine.js';
import { InProcessFileProcessor } from '../indexing/in-process.js';
import { evaluateMode, parseLabelledQueries, type LabelledQuery, type ModeQuality } from './labelled-queries.js';

const QUERIES = fileURLToPath(new URL('../../../test/fixtures/sample-repo.queries.jsonl', import.meta.url));

/**
 * Plain-language questions about the fixture's files in words those files do not use (as real
 * descriptive queries often are): lexical search answers them late or not at all, so they leave
 * room for vectors that carry meaning. Lexical answers the fixture's own 15 queries all first.
 */
const PARAPHRASES: LabelledQuery[] = [
  { query: 'grow a list of numbers by reallocating when full', relevant: ['native/vector.c'], kind: 'descriptive' },
  { query: 'linear algebra product of two tables', relevant: ['native/matrix.cpp'], kind: 'descriptive' },
  { query: 'fingerprint to detect corrupted bytes', relevant: ['engine/src/lib.rs'], kind: 'descriptive' },
  { query: 'look up someone by their numeric key', relevant: ['java/src/main/java/com/example/UserService.java'], kind: 'descriptive' },
  { query: 'convert identifiers from underscores to humps', relevant: ['src/utils/string_utils.py'], kind: 'descriptive' },
  { query: 'health probe for the web daemon', relevant: ['server/main.go'], kind: 'descriptive' },
  { query: 'break paragraphs into rows no wider than a limit', relevant: ['src/utils/string_utils.py'], kind: 'descriptive' },
  { query: 'split the head of a message into pairs', relevant: ['src/http/request-parser.ts'], kind: 'descriptive' },
];

/** Filler source files: enough texts unrelated to any query for a semantic hit to stand out against. */
const FILLER_FILES = 120;

/**
 * The fixture's 10 files make about a dozen chunks, and among a dozen texts none can stand out far
 * enough to pass the chance level (the most one of 12 can lie above the rest is sqrt(11) spreads):
 * there, any model's semantic list weighs nothing. Seeded filler files in made-up words, shaped
 * like code with English comments, give the calibration a background as a real folder does.
 */
async function writeFillers(root: string, count: number, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vor', 'del', 'pi', 'nek', 'ra', 'zu', 'fen', 'bo', 'li', 'mar', 'tas', 'qui', 'ven', 'do'];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.uniform() * items.length)]!;
  const word = () => Array.from({ length: 2 + Math.floor(random.uniform() * 2) }, () => pick(syllables)).join('');
  for (let file = 0; file < count; file++) {
    const functions = Array.from({ length: 3 }, () => [
      `// the ${word()} of a ${word()} is ${word()} with the ${word()}`,
      `export function ${word()}(${word()}, ${word()}) {`,
      `  const ${word()} = ${word()}(${word()}) + ${word()};`,
      `  return ${word()};`,
      '}',
    ].join('\n'));
    await writeFile(root, `modules/${word()}-${file}.js`, `${functions.join('\n\n')}\n`);
  }
}

describe('calibrated fusion on the fixture, widened with filler', () => {
  let cleanup: () => Promise<void>;
  let work: string;
  let repo: string;
  let queries: LabelledQuery[];

  /** Lexical, semantic and hybrid quality on the set, with the folder indexed under `options`. */
  async function measure(name: string, options: Omit<EngineOptions, 'dataDir' | 'processor'>): Promise<Record<'lexical' | 'semantic' | 'hybrid', ModeQuality>> {
    const engine = await Engine.open({ dataDir: path.join(work, name), processor: await InProcessFileProcessor.create(), ...options });
    try {
      await drain(engine.index(await engine.addFolder(repo)));
      const search = (query: string, mode: SearchMode) => engine.search(query, { mode, fresh: true });
      return {
        lexical: await evaluateMode(queries, 'lexical', search),
        semantic: await evaluateMode(queries, 'semantic', search),
        hybrid: await evaluateMode(queries, 'hybrid', search),
      };
    } finally {
      engine.close();
    }
  }

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
    await writeFillers(repo, FILLER_FILES, 7);
    queries = [...parseLabelledQueries(await readFile(QUERIES, 'utf8')), ...PARAPHRASES];
  });
  after(() => cleanup());

  it('a model that knows nothing cannot sink the lexical ranking: hybrid MRR@10 stays within 5% of lexical', async () => {
    // Random weights: its vectors carry no information about the code.
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
    const embedder = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
    const { lexical, hybrid } = await measure('random', { embedding: { pack, embedder } });
    assert.ok(lexical.mrr10 > 0.6, `the set is one lexical search answers well (${lexical.mrr10})`);
    assert.ok(hybrid.mrr10 >= 0.95 * lexical.mrr10, `hybrid ${hybrid.mrr10.toFixed(3)} against lexical ${lexical.mrr10.toFixed(3)}: ranks ${JSON.stringify(hybrid.ranks)} vs ${JSON.stringify(lexical.ranks)}`);
    assert.ok(hybrid.recall10 >= lexical.recall10, 'nothing lexical found is lost');
    assert.ok(hybrid.mrr10 <= lexical.mrr10 + 0.05, `nor does it lift it: hybrid ${hybrid.mrr10.toFixed(3)} against lexical ${lexical.mrr10.toFixed(3)}`);
  });

  it('a static model that knows nothing cannot sink it either, though its similarities follow the words texts share', async () => {
    // A static pack's vector is the mean of its tokens' rows: with random rows, a text's similarity to the
    // query still tracks the tokens they share, so its best hits stand out from the background without meaning anything.
    const embedder = await StaticEmbedder.create(await testModelsDir(['potion-code-random']), 'potion-code-random');
    const { lexical, semantic, hybrid } = await measure('random-static', { fastEmbedding: { pack: embedder.pack, embedder } });
    const ranks = `ranks: lexical ${JSON.stringify(lexical.ranks)}, semantic ${JSON.stringify(semantic.ranks)}, hybrid ${JSON.stringify(hybrid.ranks)}`;
    assert.ok(lexical.mrr10 > 0.6, `the set is one lexical search answers well (${lexical.mrr10})`);
    assert.ok(hybrid.mrr10 >= 0.95 * lexical.mrr10, `hybrid ${hybrid.mrr10.toFixed(3)} against lexical ${lexical.mrr10.toFixed(3)}; ${ranks}`);
    assert.ok(hybrid.recall10 >= lexical.recall10, `nothing lexical found is lost; ${ranks}`);
  });

  it('a model that carries signal lifts hybrid above lexical', async () => {
    // An oracle-built pack (test/models/signal-pack.ts): it tests that fusion lets signal through, not any model.
    const modelsDir = path.join(work, 'models');
    await writeSignalPack(modelsDir, 'signal-pack', queries, await folderTexts(repo), { seed: 11 });
    const embedder = await StaticEmbedder.create(modelsDir, 'signal-pack');
    const { lexical, semantic, hybrid } = await measure('signal', { fastEmbedding: { pack: embedder.pack, embedder } });
    const ranks = `ranks: lexical ${JSON.stringify(lexical.ranks)}, semantic ${JSON.stringify(semantic.ranks)}, hybrid ${JSON.stringify(hybrid.ranks)}`;
    assert.ok(semantic.mrr10 > 0.6, `the pack carries signal: semantic alone ${semantic.mrr10.toFixed(3)}; ${ranks}`);
    assert.ok(hybrid.mrr10 >= lexical.mrr10 + 0.1, `hybrid ${hybrid.mrr10.toFixed(3)} against lexical ${lexical.mrr10.toFixed(3)}; ${ranks}`);
    assert.ok(hybrid.recall10 >= lexical.recall10, 'nothing lexical found is lost');
  });

  it('reads a labelled set, refusing a bad line by its number', () => {
    assert.equal(queries.length, 15 + PARAPHRASES.length);
    assert.deepEqual(new Set(queries.map((q) => q.kind)), new Set(['identifier', 'mixed', 'descriptive']));
    assert.throws(() => parseLabelledQueries('{"query": "x", "relevant": ["a"]}\n{"query": "y"}\n'), /line 2: [\s\S]*relevant/);
    assert.throws(() => parseLabelledQueries('not json'), /line 1 is not JSON/);
  });
});
