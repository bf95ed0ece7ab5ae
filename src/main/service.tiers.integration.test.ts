import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { DEFAULT_MODEL_SOURCE } from '../core/embedding/model-download.js';
import { openEngine, type OpenedEngine } from './compose.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

describe('the embedding tiers from Settings', () => {
  let cleanup: () => Promise<void>;
  let opened: OpenedEngine;
  let service: QuarryService;

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    const dataDir = path.join(work, 'data');
    opened = await openEngine({ dataDir, modelsDir: TEST_MODELS_DIR, modelId: TEST_MODEL, fastModelId: 'none', device: 'cpu' });
    service = new QuarryService(opened.engine, new SettingsStore(dataDir), null, { ...opened.model, source: DEFAULT_MODEL_SOURCE });
    const repo = await copySampleRepo(path.join(work, 'repo'));
    await writeFile(repo, 'test/fixtures/payload.json.js', 'module.exports = { fixturePayload: [1, 2, 3] };\n');
    await service.addFolder({ path: repo });
    await service.idle();
  });
  after(async () => {
    await service.stop();
    await opened.close();
    await cleanup();
  });

  it('lists the static models installed, and turns the fast tier on: every folder gets its vectors', async () => {
    const before = await service.models();
    assert.equal(before.fast.active, null);
    assert.deepEqual(before.fast.installed.map((m) => m.modelId), ['potion-code-random', 'static-tiny-f16-random']);
    assert.ok(!before.installed.some((m) => m.modelId === 'potion-code-random'), 'a static pack is not offered as the transformer');

    await service.updateSettings({ fastModelId: 'potion-code-random' });
    await service.idle();
    const status = await service.status();
    assert.equal(status.fastModel?.modelId, 'potion-code-random');
    const folder = status.folders[0]!;
    assert.deepEqual(folder.tiers.map((t) => [t.tier, t.embedded]), [['fast', folder.chunks], ['full', folder.chunks - 1]], 'the fixture is the fast tier\'s alone');
    assert.deepEqual(status.embeddingLeftOut, { fixture: 1 });
    assert.equal((await service.settings()).fastModelId, 'potion-code-random', 'saved');
  });

  it('embeds every file with the transformer when asked, and turns the fast tier off again', async () => {
    await service.updateSettings({ embedEverything: true });
    await service.idle();
    let status = await service.status();
    assert.deepEqual(status.embeddingLeftOut, {});
    assert.equal(status.folders[0]!.tiers.find((t) => t.tier === 'full')!.embedded, status.folders[0]!.chunks);

    await service.updateSettings({ fastModelId: 'none' });
    status = await service.status();
    assert.equal(status.fastModel, null);
    assert.equal((await service.models()).fast.active, null);
  });
});
