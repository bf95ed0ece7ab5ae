import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';
import { env, pipeline } from '@huggingface/transformers';
import { QuarryError } from '../../shared/errors.js';
import { LocalEmbedder } from './local-embedder.js';
import { resolveModelPack } from './model-pack.js';

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));
/** q8 models quantize activations per batch (DynamicQuantizeLinear), so batch-mates nudge results. */
const close = (a: Float32Array, b: Float32Array): boolean => cosine(a, b) > 0.995;

describe('LocalEmbedder (transformers.js, real ONNX model)', () => {
  let embedder: LocalEmbedder;
  before(async () => {
    embedder = await LocalEmbedder.create(resolveModelPack(TEST_MODELS_DIR, TEST_MODEL), { devices: ['cpu'], threads: 1 });
  });

  it('reads the model pack: dims from config, key from id, dims and dtype', () => {
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL);
    assert.equal(pack.dims, 128);
    assert.equal(pack.key, 'bert-tiny-random:128:q8');
    assert.equal(pack.maxTokens, 256);
  });

  it('embeds into unit vectors, deterministically, in input order whatever the lengths', async () => {
    const texts = ['function parseConfig(path) { return JSON.parse(read(path)); }', 'x', 'class Matrix { multiply(other) {} }'];
    const batch = await embedder.embed(texts);
    assert.equal(batch.length, 3);
    for (const v of batch) {
      assert.equal(v.length, 128);
      assert.ok(Math.abs(norm(v) - 1) < 1e-4);
    }
    for (const [i, text] of texts.entries()) assert.ok(close((await embedder.embed([text]))[0]!, batch[i]!), `text ${i} alone`);
    assert.ok(cosine(batch[0]!, batch[2]!) < 0.99, 'different texts, different vectors');
    assert.deepEqual(await embedder.embed([texts[0]!]), await embedder.embed([texts[0]!]), 'deterministic');
  });

  it("pools like transformers.js's own feature-extraction pipeline (mean over the mask, normalized)", async () => {
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL);
    env.allowRemoteModels = false;
    env.localModelPath = `${TEST_MODELS_DIR}/`;
    const reference = await pipeline('feature-extraction', TEST_MODEL, { dtype: pack.dtype, device: 'cpu', session_options: { intraOpNumThreads: 1 } });
    // Texts of different lengths in one batch, so padding is there to be masked out.
    const texts = ['short', 'function parseConfig(path) { return JSON.parse(read(path)); }', 'class Matrix { multiply(other: Matrix): Matrix { return this; } }'];
    const expected = await reference(texts, { pooling: 'mean', normalize: true });
    const ours = await embedder.embed(texts);
    for (const [i, vector] of ours.entries()) {
      const theirs = (expected.data as Float32Array).subarray(i * pack.dims, (i + 1) * pack.dims);
      vector.forEach((x, d) => assert.ok(Math.abs(x - theirs[d]!) < 1e-5, `text ${i}, dimension ${d}: ${x} against ${theirs[d]}`));
    }
  });

  it('truncates to the model window: text past 256 tokens does not change the vector', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `token${i % 50}`).join(' ');
    const [a, b] = await embedder.embed([long, `${long} and a great deal more text after the window`]);
    assert.ok(close(a!, b!));
  });

  it('falls back to the CPU when the preferred device fails, and says why', async () => {
    // These machines have no GPU: WebGPU fails to find an adapter, for real.
    const fallback = await LocalEmbedder.create(resolveModelPack(TEST_MODELS_DIR, TEST_MODEL), { devices: ['webgpu', 'cpu'], threads: 1 });
    const info = await fallback.info();
    assert.equal(info.device, 'cpu');
    assert.match(info.fallbackReason ?? '', /^webgpu: .*adapter/i);
    assert.ok(close((await fallback.embed(['same text']))[0]!, (await embedder.embed(['same text']))[0]!));
  });

  it('refuses an incomplete model folder with a clear error', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      assert.throws(() => resolveModelPack(dir, 'no-such-model'), (e: unknown) => e instanceof QuarryError && e.code === 'MODEL_NOT_FOUND' && /missing config\.json/.test(e.message));
    } finally {
      await cleanup();
    }
  });
});
