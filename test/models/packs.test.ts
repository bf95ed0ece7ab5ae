import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AutoTokenizer, env, pipeline, type Tensor } from '@huggingface/transformers';
import { tempDir } from '../support/fixtures.js';
import { writeTestPack } from './packs.js';
import { assembleVocabulary } from './wordpiece.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PACK = 'bert-tiny-random';

/** Every file of a folder, by relative path, with its sha256. */
async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256').update(await fs.readFile(file)).digest('hex');
  }
  return out;
}

describe('test model generator', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    work = await tempDir('quarry-models-');
  });
  after(() => work.cleanup());

  it('writes the transformers.js layout, byte for byte the same for the same seed, other weights for another', async () => {
    const first = await digests(await writeTestPack(path.join(work.dir, 'a'), PACK, { seed: 7 }));
    const again = await digests(await writeTestPack(path.join(work.dir, 'b'), PACK, { seed: 7 }));
    const other = await digests(await writeTestPack(path.join(work.dir, 'c'), PACK, { seed: 8 }));
    assert.deepEqual(Object.keys(first).sort(), [
      'config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json',
    ]);
    assert.deepEqual(again, first);
    assert.notEqual(other['onnx/model.onnx'], first['onnx/model.onnx']);
    assert.equal(other['tokenizer.json'], first['tokenizer.json'], 'the tokenizer does not depend on the seed');
  });

  it('writes a static pack in the Model2Vec layout, the same bytes for the same seed, in well under two seconds', async () => {
    const started = performance.now();
    const first = await digests(await writeTestPack(path.join(work.dir, 'static-a'), 'potion-code-random', { seed: 7 }));
    assert.ok(performance.now() - started < 2000, `took ${Math.round(performance.now() - started)} ms`);
    const again = await digests(await writeTestPack(path.join(work.dir, 'static-b'), 'potion-code-random', { seed: 7 }));
    const other = await digests(await writeTestPack(path.join(work.dir, 'static-c'), 'potion-code-random', { seed: 8 }));
    assert.deepEqual(Object.keys(first).sort(), ['config.json', 'model.safetensors', 'modules.json', 'tokenizer.json']);
    assert.deepEqual(again, first);
    assert.notEqual(other['model.safetensors'], first['model.safetensors']);
    const config = JSON.parse(await fs.readFile(path.join(work.dir, 'static-a', 'potion-code-random', 'config.json'), 'utf8')) as unknown;
    assert.deepEqual(config, { normalize: true, embedding_dtype: 'float32' });
  });

  it('assembles a WordPiece vocabulary of the size asked for, specials first, no piece twice', () => {
    const vocabulary = assembleVocabulary(30522);
    assert.equal(vocabulary.length, 30522);
    assert.equal(new Set(vocabulary).size, vocabulary.length);
    assert.deepEqual(vocabulary.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    assert.throws(() => assembleVocabulary(50), /cannot hold every printable character/);
  });

  describe('loaded by transformers.js', () => {
    let modelsDir: string;
    before(async () => {
      modelsDir = path.join(work.dir, 'loaded');
      await writeTestPack(modelsDir, PACK);
      env.allowRemoteModels = false;
      env.localModelPath = `${modelsDir}/`;
    });

    it('tokenizes code into known words and pieces, with no [UNK] for ASCII', async () => {
      const tokenizer = await AutoTokenizer.from_pretrained(PACK);
      const tokens = tokenizer.tokenize('export function parseHTTPRequest(retryBackoff) { return pool.acquire(); }');
      assert.ok(!tokens.includes('[UNK]'), tokens.join(' '));
      for (const word of ['export', 'function', 'parse', 'return', 'pool']) assert.ok(tokens.includes(word), `${word} in ${tokens.join(' ')}`);
      assert.ok(tokens.some((t) => t.startsWith('##')), 'unknown words split into continuation pieces');
      const ids = tokenizer('Return the value').input_ids as Tensor;
      assert.deepEqual(ids.dims, [1, 5], '[CLS] return the value [SEP]');
      assert.equal(tokenizer.decode(Array.from(ids.data as BigInt64Array, Number), { skip_special_tokens: true }), 'return the value');
    });

    it('runs both graphs, and the q8 one agrees with fp32', async () => {
      const texts = ['function retryWithBackoff(delay) { return delay * 2; }', 'a short text'];
      const embed = async (dtype: 'fp32' | 'q8') => {
        const extractor = await pipeline('feature-extraction', PACK, { dtype, device: 'cpu' });
        const out = await extractor(texts, { pooling: 'mean', normalize: true });
        await extractor.dispose();
        return out;
      };
      const [fp32, q8] = [await embed('fp32'), await embed('q8')];
      assert.deepEqual(fp32.dims, [2, 128]);
      const a = fp32.data as Float32Array;
      const b = q8.data as Float32Array;
      for (let row = 0; row < 2; row++) {
        let cosine = 0;
        for (let d = 0; d < 128; d++) cosine += a[row * 128 + d]! * b[row * 128 + d]!;
        assert.ok(cosine > 0.95, `row ${row}: cosine ${cosine}`);
      }
      let across = 0;
      for (let d = 0; d < 128; d++) across += a[d]! * a[128 + d]!;
      assert.ok(across < 0.999, 'different texts give different vectors');
    });
  });

  it('npm run make-test-models writes the packs asked for and prints their ids; bad usage exits 2', () => {
    const out = path.join(work.dir, 'cli');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/make-test-models.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const made = run(out, '--only', PACK, '--seed', '3');
    assert.equal(made.status, 0, made.stderr);
    assert.equal(made.stdout, `${PACK}\n`);
    assert.ok(made.stderr === '', made.stderr);
    const unknown = run(out, '--only', 'no-such-model');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown model id no-such-model/);
    assert.equal(run().status, 2);
  });
});
