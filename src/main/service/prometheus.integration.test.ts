import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, writeFiles } from '../../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';
import { DEFAULT_MODEL_SOURCE } from '../../core/embedding/model-download.js';
import { openEngine, type OpenedEngine } from '../compose.js';
import { QuarryService } from '../service.js';
import { SettingsStore } from '../settings-store.js';

const FAST_MODEL = 'potion-code-random';

/** Three small files, one chunk each, with texts no other file has. */
const FILES = {
  'src/alpha.ts': 'export function alphaPrometheusCounter(): number {\n  return 1;\n}\n',
  'src/beta.ts': 'export function betaPrometheusCounter(): number {\n  return 2;\n}\n',
  'src/gamma.ts': 'export function gammaPrometheusCounter(): number {\n  return 3;\n}\n',
};

describe('quarry_embed_chunks_total counts each embedding tier under its own model', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let opened: OpenedEngine;
  let service: QuarryService;

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    const dataDir = path.join(work, 'data');
    const settings = new SettingsStore(dataDir);
    await fs.mkdir(dataDir);
    await settings.update({ modelId: TEST_MODEL, fastModelId: FAST_MODEL });
    opened = await openEngine({ dataDir, modelsDir: TEST_MODELS_DIR, modelId: TEST_MODEL, fastModelId: FAST_MODEL, device: 'cpu' });
    service = new QuarryService(opened.engine, settings, null, { ...opened.model, source: DEFAULT_MODEL_SOURCE });
  });
  after(async () => {
    await service.stop();
    await opened.close();
    await cleanup();
  });

  /** Adds a folder of these files and waits for its run (and any it queued) to end. */
  const index = async (name: string, files: Record<string, string>): Promise<void> => {
    const root = path.join(work, name);
    await writeFiles(root, files);
    await service.addFolder({ path: root });
    await service.idle();
  };

  /** The counter's value for a model and source, or null when the scrape has no such line. */
  const counted = async (model: string, source: 'computed' | 'cache'): Promise<number | null> => {
    const { text } = await service.prometheusMetrics();
    const line = text.split('\n').find((l) => l.startsWith(`quarry_embed_chunks_total{model="${model}",source="${source}"} `));
    return line === undefined ? null : Number(line.split(' ').at(-1));
  };
  const lines = async (model: string): Promise<[number | null, number | null]> => [await counted(model, 'computed'), await counted(model, 'cache')];

  it('counts the vectors each tier computed under its model, not both under the transformer\'s', async () => {
    await index('first', FILES);
    const folder = (await service.status()).folders.find((f) => f.name === 'first')!;
    assert.equal(folder.chunks, 3, 'one chunk a file');
    assert.deepEqual(folder.tiers.map((t) => [t.modelId, t.embedded]), [[FAST_MODEL, 3], [TEST_MODEL, 3]]);
    assert.deepEqual(await lines(FAST_MODEL), [3, 0], 'the fast tier computed a vector per chunk');
    assert.deepEqual(await lines(TEST_MODEL), [3, 0], 'and so did the transformer, counted apart');

    const { text } = await service.prometheusMetrics();
    const coverage = /^quarry_embedding_coverage_ratio (\S+)$/m.exec(text);
    assert.ok(coverage, 'the coverage gauge is scraped');
    assert.equal(Number(coverage[1]), 1, 'every chunk has a vector');
  });

  it('counts a folder whose texts already have vectors as cache hits of each model', async () => {
    await index('second', { 'copy/alpha.ts': FILES['src/alpha.ts'], 'copy/beta.ts': FILES['src/beta.ts'], 'copy/gamma.ts': FILES['src/gamma.ts'] });
    assert.deepEqual(await lines(FAST_MODEL), [3, 3], 'nothing computed, three found');
    assert.deepEqual(await lines(TEST_MODEL), [3, 3]);
  });

  it('counts the fast tier\'s vectors with the transformer turned off, and none of the transformer\'s', async () => {
    await service.updateSettings({ modelId: 'none' });
    await service.idle();
    await index('third', {
      'lib/delta.ts': 'export function deltaPrometheusCounter(): number {\n  return 4;\n}\n',
      'lib/epsilon.ts': 'export function epsilonPrometheusCounter(): number {\n  return 5;\n}\n',
    });
    assert.deepEqual(await lines(FAST_MODEL), [5, 3], 'two more computed by the fast tier');
    assert.deepEqual(await lines(TEST_MODEL), [3, 3], 'the transformer\'s lines stay as they were');
    const { text } = await service.prometheusMetrics();
    const coverage = Number(/^quarry_embedding_coverage_ratio (\S+)$/m.exec(text)?.[1]);
    assert.ok(coverage >= 0 && coverage <= 1, `a share: ${coverage}`);
    assert.equal(coverage, 1, 'the fast tier covers every chunk');
  });
});
