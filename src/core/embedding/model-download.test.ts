import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';
import { startModelHub, type HubFaults, type ModelHub } from '../../../test/support/model-hub.js';
import { QuarryError } from '../../shared/errors.js';
import { LocalEmbedder } from './local-embedder.js';
import { downloadModel, type DownloadProgress } from './model-download.js';
import { resolveModelPack } from './model-pack.js';
import { StaticEmbedder } from './static-embedder.js';

const REPO = 'test-org/tiny-model';

async function drain(run: AsyncGenerator<DownloadProgress, string>): Promise<{ progress: DownloadProgress[]; dir: string }> {
  const progress: DownloadProgress[] = [];
  for (;;) {
    const step = await run.next();
    if (step.done) return { progress, dir: step.value };
    progress.push(step.value);
  }
}

describe('downloadModel (loopback hub)', () => {
  let hub: ModelHub | null = null;
  let dir: string;
  let cleanup: () => Promise<void>;
  const serve = async (faults: HubFaults = {}): Promise<ModelHub> => (hub = await startModelHub(path.join(TEST_MODELS_DIR, TEST_MODEL), REPO, faults));

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await hub?.close();
    hub = null;
    await cleanup();
  });

  it('downloads a verified model folder that loads and embeds, with progress', async () => {
    const { endpoint } = await serve();
    const { progress, dir: modelDir } = await drain(downloadModel({ endpoint, repo: REPO }, dir, 'tiny'));
    assert.equal(modelDir, path.join(dir, 'tiny'));
    const last = progress.at(-1)!;
    assert.equal(last.bytes, last.total);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.bytes >= progress[i - 1]!.bytes, 'progress only grows');
    assert.ok(!existsSync(path.join(dir, '.download-tiny')), 'no staging folder left');
    assert.ok(!existsSync(path.join(dir, 'tiny', 'onnx', 'model.onnx')), 'only the q8 weights are fetched');
    const embedder = await LocalEmbedder.create(resolveModelPack(dir, 'tiny'), { devices: ['cpu'], threads: 1 });
    assert.equal((await embedder.embed(['hello']))[0]!.length, 128);
  });

  it('downloads a static (Model2Vec) pack that loads and embeds, verified the same way', async () => {
    hub = await startModelHub(path.join(TEST_MODELS_DIR, 'potion-code-random'), 'test-org/static');
    const { dir: modelDir } = await drain(downloadModel({ endpoint: hub.endpoint, repo: 'test-org/static' }, dir, 'potion', { layout: 'static' }));
    assert.deepEqual((await fs.readdir(modelDir)).sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);
    const embedder = await StaticEmbedder.create(dir, 'potion');
    assert.equal((await embedder.embed(['retry with backoff']))[0]!.length, 256);
    await assert.rejects(drain(downloadModel({ endpoint: hub.endpoint, repo: 'test-org/static' }, dir, 'tiny')), /has no onnx\/model_quantized\.onnx/, 'a static pack is no transformers.js model');
  });

  it('resumes an interrupted file with a Range request', async () => {
    const server = await serve({ cutAfter: { file: 'onnx/model_quantized.onnx', bytes: 1_000_000 } });
    await assert.rejects(drain(downloadModel({ endpoint: server.endpoint, repo: REPO }, dir, 'tiny')));
    assert.ok(!existsSync(path.join(dir, 'tiny')), 'nothing half-downloaded is in place');
    const part = await fs.stat(path.join(dir, '.download-tiny', 'onnx', 'model_quantized.onnx.part'));
    assert.ok(part.size > 0 && part.size <= 1_000_000, `kept ${part.size} bytes of the cut file`);
    await drain(downloadModel({ endpoint: server.endpoint, repo: REPO }, dir, 'tiny'));
    const resumed = server.requests.filter((r) => r.url.endsWith('model_quantized.onnx') && r.range);
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0]!.range, `bytes=${part.size}-`);
    assert.ok(resolveModelPack(dir, 'tiny').dims === 128);
  });

  it('refuses a file that fails its checksum and leaves no model in place', async () => {
    const { endpoint } = await serve({ corrupt: 'onnx/model_quantized.onnx' });
    await assert.rejects(
      drain(downloadModel({ endpoint, repo: REPO }, dir, 'tiny')),
      (e: unknown) => e instanceof QuarryError && /failed its checksum/.test(e.message),
    );
    assert.ok(!existsSync(path.join(dir, 'tiny')));
    assert.ok(!existsSync(path.join(dir, '.download-tiny', 'onnx', 'model_quantized.onnx.part')), 'the bad bytes are discarded');
  });
});
