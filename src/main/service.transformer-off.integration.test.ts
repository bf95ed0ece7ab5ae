import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { DEFAULT_MODEL_SOURCE } from '../core/embedding/model-download.js';
import { openEngine, type OpenedEngine } from './compose.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

const FAST_MODEL = 'potion-code-random';

describe('the transformer tier turned off and on again from Settings', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let repo: string;
  let settings: SettingsStore;
  let opened: OpenedEngine;
  let service: QuarryService;

  /** The engine and service as the owner of the data directory opens them: the models from the saved settings. */
  async function start(): Promise<void> {
    const saved = await settings.read();
    opened = await openEngine({ dataDir, modelsDir: TEST_MODELS_DIR, modelId: saved.modelId, fastModelId: saved.fastModelId, device: 'cpu' });
    service = new QuarryService(opened.engine, settings, null, { ...opened.model, source: DEFAULT_MODEL_SOURCE });
  }
  async function stop(): Promise<void> {
    await service.stop();
    await opened.close();
  }

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    dataDir = path.join(work, 'data');
    settings = new SettingsStore(dataDir);
    await fs.mkdir(dataDir);
    await settings.update({ modelId: TEST_MODEL, fastModelId: FAST_MODEL });
    await start();
    repo = await copySampleRepo(path.join(work, 'repo'));
    await service.addFolder({ path: repo });
    await service.idle();
  });
  after(async () => {
    await stop();
    await cleanup();
  });

  it('turns it off: search stays semantic on the fast tier, new files get no transformer vectors, and the choice is saved', async () => {
    assert.equal((await service.status()).model?.modelId, TEST_MODEL);
    await service.updateSettings({ modelId: 'none' });
    const status = await service.status();
    assert.equal(status.model, null);
    assert.equal(status.modelUnavailable, 'the transformer tier is turned off');
    assert.equal(status.fastModel?.modelId, FAST_MODEL);
    assert.equal((await service.models()).active, null);
    assert.equal((await settings.read()).modelId, 'none');

    const hybrid = await service.search({ requestId: 'h', query: 'checksum of a buffer' });
    assert.equal(hybrid.mode, 'hybrid', 'the default with the fast tier alone, as with both');
    const semantic = await service.search({ requestId: 's', query: 'checksum of a buffer', mode: 'semantic' });
    assert.ok(semantic.hits.length > 0);

    await writeFile(repo, 'src/late.ts', 'export function lateArrival(): number {\n  return 42;\n}\n');
    await service.reindexFolder({ folder: 'repo' });
    await service.idle();
    const folder = (await service.status()).folders[0]!;
    assert.deepEqual(folder.tiers, [{ tier: 'fast', modelId: FAST_MODEL, embedded: folder.chunks }]);
    assert.ok((await service.search({ requestId: 'l', query: 'lateArrival', mode: 'semantic' })).hits.some((hit) => hit.path === 'src/late.ts'));
  });

  it('stays off after a restart, and turned on again embeds what it missed', async () => {
    await stop();
    await start();
    assert.equal((await service.status()).model, null, 'the saved choice holds');

    // Paused, so the folder is seen as the tier left it before the run it queues.
    await service.pause({});
    await service.updateSettings({ modelId: TEST_MODEL });
    let folder = (await service.status()).folders[0]!;
    const transformer = (): number => folder.tiers.find((t) => t.tier === 'full')!.embedded;
    assert.ok(transformer() > 0 && transformer() < folder.chunks, `the file added while it was off has no transformer vector (${transformer()} of ${folder.chunks})`);
    await service.resume({});
    await service.idle();
    folder = (await service.status()).folders[0]!;
    assert.equal(transformer(), folder.chunks, 'the transformer covers the folder again');
    assert.equal((await settings.read()).modelId, TEST_MODEL);
  });
});
