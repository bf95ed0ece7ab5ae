import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { startModelHub, type ModelHub } from '../../test/support/model-hub.js';
import { DEFAULT_FAST_MODEL_SOURCE, type ModelSource } from '../core/embedding/model-download.js';
import { DEFAULT_FAST_MODEL_ID } from '../core/embedding/model-pack.js';
import type { ModelDownload } from '../shared/contract.js';
import { isQuarryError } from '../shared/errors.js';
import { openEngine, type OpenedEngine } from './compose.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

/** The service over a composed engine (worker pools, a model), with one folder about retrying indexed. */
async function serviceWithFolder(
  dir: string,
  config: { modelsDir?: string; modelId: string },
  source: ModelSource,
): Promise<{ opened: OpenedEngine; service: QuarryService; settings: SettingsStore; close(): Promise<void> }> {
  const dataDir = path.join(dir, 'data');
  const opened = await openEngine({ dataDir, ...config, device: 'cpu' });
  const settings = new SettingsStore(dataDir);
  const service = new QuarryService(opened.engine, settings, null, { ...opened.model, source });
  const repo = path.join(dir, 'repo');
  await writeFile(repo, 'src/retry.ts', 'export async function retryWithBackoff(task: () => Promise<void>): Promise<void> {\n  await task();\n}\n');
  await service.addFolder({ path: repo });
  await service.idle();
  return {
    opened, service, settings,
    close: async () => {
      await service.stop();
      await opened.close();
    },
  };
}

describe('QuarryService downloads the model and turns semantic search on without a restart', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let hub: ModelHub;
  let opened: OpenedEngine;
  let service: QuarryService;
  let close: () => Promise<void>;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    hub = await startModelHub(path.join(TEST_MODELS_DIR, TEST_MODEL), 'test-org/tiny');
    ({ opened, service, close } = await serviceWithFolder(dir, { modelId: 'tiny' }, { endpoint: hub.endpoint, repo: 'test-org/tiny' }));
  });
  after(async () => {
    await close();
    await hub.close();
    await cleanup();
  });

  it('has no semantic search before, reports progress while downloading, and embeds every folder after', async () => {
    const before = await service.status();
    assert.equal(before.model, null);
    assert.match(before.modelUnavailable ?? '', /No usable model "tiny"/);
    await assert.rejects(service.search({ requestId: 'r', query: 'retry', mode: 'semantic' }), (e: unknown) => isQuarryError(e) && e.code === 'SEMANTIC_UNAVAILABLE');

    const events: ModelDownload[] = [];
    service.on('modelDownload', (e) => events.push(e));
    assert.equal(await service.downloadModel(), null);
    assert.equal(events.at(-1)?.state, 'done');
    assert.ok(events.at(-1)!.total > 0 && events.at(-1)!.bytes === events.at(-1)!.total, JSON.stringify(events.at(-1)));

    const after = await service.status();
    assert.equal(after.model?.modelId, 'tiny');
    await service.idle();
    const result = await service.search({ requestId: 'r', query: 'retry with backoff', mode: 'semantic' });
    assert.equal(result.hits[0]?.path, 'src/retry.ts');
    assert.equal(result.embeddingCoverage, 1);
  });

  it('cancels a download under way, and the next one finishes it', async () => {
    const cancellable = new QuarryService(opened.engine, new SettingsStore(path.join(dir, 'data')), null, {
      ...opened.model,
      modelId: 'cancelled-then-resumed',
      source: { endpoint: hub.endpoint, repo: 'test-org/tiny' },
    });
    const events: ModelDownload[] = [];
    cancellable.on('modelDownload', (e) => {
      events.push(e);
      // Cancelled at the first progress report: part of the model is on disk.
      if (e.state === 'downloading' && events.length === 1) void cancellable.cancelModelDownload();
    });
    await assert.rejects(cancellable.downloadModel(), (e: unknown) => isQuarryError(e) && e.code === 'CANCELLED');
    assert.equal(events.at(-1)?.state, 'cancelled');
    assert.ok(events.at(-1)!.bytes < events.at(-1)!.total, 'stopped part way');
    assert.equal(await cancellable.cancelModelDownload(), null, 'cancelling with nothing under way does nothing');

    assert.equal(await cancellable.downloadModel(), null);
    assert.equal(events.at(-1)?.state, 'done');
    assert.equal(opened.engine.activeModel(), 'cancelled-then-resumed');
    await cancellable.stop();
  });

  it('says why when the hub cannot be reached, and reports the failure as an event', async () => {
    const offline = new QuarryService(opened.engine, new SettingsStore(path.join(dir, 'data')), null, {
      ...opened.model,
      modelId: 'other',
      source: { endpoint: 'http://127.0.0.1:9', repo: 'test-org/tiny' },
    });
    const events: ModelDownload[] = [];
    offline.on('modelDownload', (e) => events.push(e));
    await assert.rejects(offline.downloadModel(), /Cannot reach/);
    assert.equal(events.at(-1)?.state, 'failed');
    assert.match(events.at(-1)?.error ?? '', /Cannot reach/);
  });
});

describe('QuarryService downloads the fast tier\'s static model and covers every folder with it without a restart', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let hub: ModelHub;
  let opened: OpenedEngine;
  let service: QuarryService;
  let settings: SettingsStore;
  let close: () => Promise<void>;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    // The fast tier's default repository, served beside a transformer from the same endpoint.
    hub = await startModelHub(path.join(TEST_MODELS_DIR, TEST_MODEL), 'test-org/tiny', { moreRepos: { [DEFAULT_FAST_MODEL_SOURCE.repo]: path.join(TEST_MODELS_DIR, 'potion-code-random') } });
    ({ opened, service, settings, close } = await serviceWithFolder(dir, { modelId: 'tiny' }, { endpoint: hub.endpoint, repo: 'test-org/tiny' }));
  });
  after(async () => {
    await close();
    await hub.close();
    await cleanup();
  });

  it('cancels, resumes, turns the tier on (over an earlier "off") and embeds the folder with it', async () => {
    await service.updateSettings({ fastModelId: 'none' });
    const events: ModelDownload[] = [];
    service.on('modelDownload', (e) => {
      events.push(e);
      if (e.state === 'downloading' && events.length === 1) void service.cancelModelDownload({ tier: 'fast' });
    });
    await assert.rejects(service.downloadModel({ tier: 'fast' }), (e: unknown) => isQuarryError(e) && e.code === 'CANCELLED');
    assert.equal(events.at(-1)?.state, 'cancelled');
    assert.ok(events.at(-1)!.bytes < events.at(-1)!.total, 'stopped part way');
    assert.equal(opened.engine.activeFastModel(), null);

    assert.equal(await service.downloadModel({ tier: 'fast' }), null);
    assert.ok(events.every((e) => e.tier === 'fast' && e.modelId === DEFAULT_FAST_MODEL_ID), 'every event names the tier and its model');
    assert.equal(events.at(-1)?.state, 'done');
    assert.ok(hub.requests.some((r) => r.url === `/${DEFAULT_FAST_MODEL_SOURCE.repo}/resolve/main/model.safetensors`), 'from the default repository, at the configured endpoint');
    assert.equal(opened.engine.activeFastModel(), DEFAULT_FAST_MODEL_ID);
    assert.equal((await settings.read()).fastModelId, DEFAULT_FAST_MODEL_ID, 'the next start uses it too');
    assert.deepEqual((await service.models()).fast.installed.map((m) => [m.modelId, m.dims]), [[DEFAULT_FAST_MODEL_ID, 256]]);

    await service.idle();
    const status = await service.status();
    assert.equal(status.model, null, 'the transformer is still to download');
    const folder = status.folders[0]!;
    assert.deepEqual(folder.tiers, [{ tier: 'fast', modelId: DEFAULT_FAST_MODEL_ID, embedded: folder.chunks }]);
    const result = await service.search({ requestId: 'r', query: 'retry with backoff', mode: 'semantic' });
    assert.equal(result.hits[0]?.path, 'src/retry.ts');
  });
});

describe('QuarryService switches between installed models from Settings', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let service: QuarryService;
  let settings: SettingsStore;
  let close: () => Promise<void>;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    ({ service, settings, close } = await serviceWithFolder(dir, { modelsDir: TEST_MODELS_DIR, modelId: TEST_MODEL }, { endpoint: 'http://127.0.0.1:9', repo: 'unused' }));
  });
  after(async () => {
    await close();
    await cleanup();
  });

  it('lists the installed models, switches, embeds every folder with the new one and remembers the choice', async () => {
    const models = await service.models();
    assert.equal(models.active, TEST_MODEL);
    assert.deepEqual(models.installed.map((m) => [m.modelId, m.dims]), [['bert-tiny-random', 128], ['minilm-l6-random', 384]]);

    await service.updateSettings({ modelId: 'minilm-l6-random' });
    assert.equal((await service.models()).active, 'minilm-l6-random');
    assert.equal((await service.status()).model?.dims, 384);
    await service.idle();
    const result = await service.search({ requestId: 'r', query: 'retry with backoff', mode: 'semantic' });
    assert.equal(result.hits[0]?.path, 'src/retry.ts');
    assert.equal(result.embeddingCoverage, 1, 'the folder was embedded with the new model');
    assert.equal((await settings.read()).modelId, 'minilm-l6-random', 'the next start uses it');
  });

  it('refuses a model that is not installed and keeps the one in use and the settings', async () => {
    await assert.rejects(service.updateSettings({ modelId: 'no-such-model' }), (e: unknown) => isQuarryError(e) && e.code === 'MODEL_NOT_FOUND');
    assert.equal((await service.models()).active, 'minilm-l6-random');
    assert.equal((await settings.read()).modelId, 'minilm-l6-random');
    await assert.rejects(service.updateSettings({ modelId: '../escape' }), /model folder name/);
  });
});
