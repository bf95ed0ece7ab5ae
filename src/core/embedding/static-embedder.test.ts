import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { testModelsDir } from '../../../test/models/cache.js';
import { SeededRandom } from '../../../test/models/seeded-random.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { QuarryError } from '../../shared/errors.js';
import { parseSafetensors } from './safetensors.js';
import { StaticEmbedder } from './static-embedder.js';
import { isStaticPack, loadStaticPack, resolveStaticPack } from './static-pack.js';

const CODE = 'potion-code-random';
const TINY = 'static-tiny-f16-random';
const TEXTS = [
  'export function parseHTTPRequest(retryBackoff) { return pool.acquire(); }',
  'def read_file(path):\n    with open(path) as f:\n        return f.read()',
  '// retry with exponential backoff when the connection drops',
  'SELECT id, name FROM users WHERE active = 1',
];

/**
 * The expected vector, computed apart from the code under test: its own reading of the
 * safetensors bytes, the library's tokenizer without the embedder's word cache, Model2Vec's
 * rules (no special tokens, unknown token dropped, row = mapping[id] scaled by weights[id]), the
 * mean, then L2 normalization.
 */
async function expectedVector(modelsDir: string, modelId: string, text: string): Promise<Float64Array> {
  const dir = path.join(modelsDir, modelId);
  const bytes = await fs.readFile(path.join(dir, 'model.safetensors'));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + headerLength;
  const read = (name: string, index: number): number => {
    const entry = header[name]!;
    const at = base + entry.data_offsets[0];
    if (entry.dtype === 'F32') return bytes.readFloatLE(at + index * 4);
    if (entry.dtype === 'I32') return bytes.readInt32LE(at + index * 4);
    if (entry.dtype === 'F16') {
      const h = bytes.readUInt16LE(at + index * 2);
      const exponent = (h >> 10) & 0x1f;
      const value = exponent === 0 ? (h & 0x3ff) * 2 ** -24 : (1 + (h & 0x3ff) / 1024) * 2 ** (exponent - 15);
      return h & 0x8000 ? -value : value;
    }
    throw new Error(`unexpected ${entry.dtype}`);
  };
  const dims = header.embeddings!.shape[1]!;
  const tokenizerJson = JSON.parse(await fs.readFile(path.join(dir, 'tokenizer.json'), 'utf8')) as { model: { unk_token: string; vocab: Record<string, number> } };
  const tokenizer = new PreTrainedTokenizer(tokenizerJson, {});
  const unknown = tokenizerJson.model.vocab[tokenizerJson.model.unk_token];
  const ids = tokenizer.encode(text, { add_special_tokens: false }).filter((id) => id !== unknown);
  const sum = new Float64Array(dims);
  for (const id of ids) {
    const row = header.mapping ? read('mapping', id) : id;
    const scale = header.weights ? read('weights', id) : 1;
    for (let d = 0; d < dims; d++) sum[d]! += read('embeddings', row * dims + d) * scale;
  }
  const mean = sum.map((v) => v / ids.length);
  const norm = Math.hypot(...mean);
  return mean.map((v) => v / norm);
}

const length = (v: Float32Array): number => Math.hypot(...v);

describe('static (Model2Vec) packs', () => {
  let modelsDir: string;
  let work: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    modelsDir = await testModelsDir([CODE, TINY]);
    work = await tempDir('quarry-static-');
  });
  after(() => work.cleanup());

  it('loads the generated pack: the matrix, its dtype and the tokenizer', async () => {
    assert.ok(isStaticPack(modelsDir, CODE));
    assert.ok(!isStaticPack(modelsDir, 'no-such-pack'));
    const pack = await resolveStaticPack(modelsDir, CODE);
    assert.deepEqual({ dims: pack.dims, dtype: pack.dtype, normalize: pack.normalize, key: pack.key }, { dims: 256, dtype: 'fp32', normalize: true, key: `${CODE}:256:fp32` });
    const loaded = await loadStaticPack(modelsDir, CODE);
    assert.equal(loaded.rows, 30522);
    assert.equal(loaded.embeddings.length, 30522 * 256);
    assert.equal(loaded.mapping, null);
    const tiny = await loadStaticPack(modelsDir, TINY);
    assert.deepEqual({ dtype: tiny.pack.dtype, dims: tiny.pack.dims, rows: tiny.rows, tokens: tiny.mapping?.length, weights: tiny.weights?.length }, { dtype: 'fp16', dims: 64, rows: 500, tokens: 2000, weights: 2000 });
  });

  it('embeds deterministically, one unit vector of the pack\'s dims per text', async () => {
    const embedder = await StaticEmbedder.create(modelsDir, CODE);
    assert.deepEqual(await embedder.info(), { modelId: CODE, dims: 256, dtype: 'fp32', device: 'cpu', fallbackReason: null });
    const first = await embedder.embed(TEXTS);
    const again = await (await StaticEmbedder.create(modelsDir, CODE)).embed([...TEXTS].reverse());
    assert.equal(first.length, TEXTS.length);
    first.forEach((v, i) => {
      assert.equal(v.length, 256);
      assert.ok(Math.abs(length(v) - 1) < 1e-5, `text ${i} has length ${length(v)}`);
      assert.deepEqual(v, again[TEXTS.length - 1 - i]);
    });
    assert.notDeepEqual(first[0], first[1]);
  });

  for (const modelId of [CODE, TINY]) {
    it(`gives the normalized mean of the tokens' rows (${modelId})`, async () => {
      const embedder = await StaticEmbedder.create(modelsDir, modelId);
      const vectors = await embedder.embed(TEXTS);
      for (let i = 0; i < TEXTS.length; i++) {
        const expected = await expectedVector(modelsDir, modelId, TEXTS[i]!);
        const worst = Math.max(...Array.from(vectors[i]!, (v, d) => Math.abs(v - expected[d]!)));
        assert.ok(worst < 1e-5, `text ${i}: off by ${worst}`);
      }
    });
  }

  it('tokenizes as the library does without the word cache, repeated words included', async () => {
    const embedder = await StaticEmbedder.create(modelsDir, CODE);
    const tokenizerJson = JSON.parse(await fs.readFile(path.join(modelsDir, CODE, 'tokenizer.json'), 'utf8')) as object;
    const plain = new PreTrainedTokenizer(tokenizerJson, {});
    const text = `${TEXTS.join('\n')} [SEP] café naïve Ünïcödé ${TEXTS[0]}`;
    const expected = plain.encode(text, { add_special_tokens: false }).filter((id) => id !== 1);
    assert.deepEqual(embedder.tokenIds(text), expected);
    assert.deepEqual(embedder.tokenIds(text), expected, 'the same from the cache');
  });

  /** Texts for the ASCII path and the texts it must hand to the library. */
  const VARIED = [
    ...TEXTS,
    'The QUICK brown Fox -- jumps over: the lazy dog! (Again?) "Yes," she said; it\'s 3:45pm & 20% off.',
    'fn main() {\r\n\tlet v: Vec<u8> = vec![0x1F, 255, 0b1010];\r\n\tprintln!("{:?}", v);\r\n}',
    '<div class="card__title--big" data-id=\'42\'>a&amp;b</div> <!-- comment --> `${x}` $var @decorator #include ~/path ^caret |pipe \\back',
    `${'x'.repeat(99)} ${'y'.repeat(100)} ${'z'.repeat(101)} ${'ab'.repeat(80)} pneumonoultramicroscopicsilicovolcanoconiosis`,
    'HTTPServerErrorHandler getHTTPSURLForIDs snake_case_name SCREAMING_CASE kebab-case-name camelCaseWord x1y2z3 123abc 3.14159e-10',
    'café naïve Ünïcödé résumé Straße İstanbul ΣΊΣΥΦΟΣ',
    '日本語のテキスト 中文 한국어 😀 emoji ⊕ ∑ → “quotes” ‘single’ — dash … ellipsis',
    'tab\there, vertical\vtab, form\ffeed',
    'nul\u0000char, bell\u0007, escape\u001b[0m',
    'delete\u007fchar',
    'nbsp\u00a0space, bom\ufeff, line\u2028separator',
    'added tokens [SEP] [CLS] and [MASK] in the text, [UNK] too, and lowercase [sep] [cls], and [PAD]x',
    'ASCII around a zero-width\u200bjoiner and a combining e\u0301 accent',
    '',
    '   \n\t\r\n   ',
    '!!!???...,,,;;;:::',
    Array.from({ length: 700 }, (_, i) => `word${i % 37} ${i % 5 === 0 ? '(x)' : ''}`).join(' '),
  ];

  /** Seeded random texts: words, identifiers, punctuation, digits and spacing, now and then a character outside ASCII. */
  function randomTexts(count: number, seed: number): string[] {
    const random = new SeededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random.uniform() * items.length)]!;
    const words = ['return', 'Parse', 'HTTP', 'request', 'getValue', 'x', 'i18n', 'qzxv', 'backoff', 'THE', 'tokenizer', 'über', 'naïve', '42', '0xFF'];
    const glue = [' ', ' ', ' ', '\n', '\t', '\r\n', '', '.', '(', ')', '{', '}', '_', '-', '::', '->', '"', "'", '`', '[', ']', '#', '@', '$', '\\', '~', '^', '|', '&&', '//', '/*', '*/', '<', '>', '=', ';', ',', '!', '?', '%', '+', '*'];
    return Array.from({ length: count }, () => {
      const parts: string[] = [];
      const length = Math.floor(random.uniform() * 120);
      for (let i = 0; i < length; i++) {
        parts.push(pick(words));
        parts.push(random.uniform() < 0.01 ? pick(['é', '—', '中', '\u0001', '[SEP]', 'x'.repeat(120)]) : pick(glue));
      }
      return parts.join('');
    });
  }

  /** What the library's tokenizer alone gives, as Model2Vec keeps it: no special tokens, no unknown token, the first 512. */
  async function libraryIds(modelId: string): Promise<(text: string) => number[]> {
    const json = JSON.parse(await fs.readFile(path.join(modelsDir, modelId, 'tokenizer.json'), 'utf8')) as { model: { unk_token: string; vocab: Record<string, number> } };
    const plain = new PreTrainedTokenizer(json, {});
    const unknown = json.model.vocab[json.model.unk_token];
    return (text) => plain.encode(text, { add_special_tokens: false }).filter((id) => id !== unknown).slice(0, 512);
  }

  for (const modelId of [CODE, TINY]) {
    it(`tokenizes plain ASCII on its own path with the library's ids, and hands it the rest (${modelId})`, async () => {
      const embedder = await StaticEmbedder.create(modelsDir, modelId);
      assert.ok(embedder.asciiPath, 'a BERT tokenizer (BertNormalizer, BertPreTokenizer, WordPiece) takes the ASCII path');
      const expected = await libraryIds(modelId);
      const texts = [...VARIED, ...randomTexts(300, 7)];
      for (const [i, text] of texts.entries()) {
        assert.deepEqual(embedder.tokenIds(text), expected(text), `text ${i}: ${JSON.stringify(text.slice(0, 80))}`);
        assert.deepEqual(embedder.tokenIds(text), expected(text), `text ${i} again, its words from the cache`);
      }
      // The vectors: the same, bit for bit, as pooling the library's ids; and the normalized mean computed apart.
      const vectors = await embedder.embed(texts);
      for (const [i, text] of texts.entries()) assert.deepEqual(vectors[i], embedder.pool(embedder.libraryTokenIds(text)), `text ${i}`);
      for (const [i, text] of VARIED.entries()) {
        const count = embedder.tokenIds(text).length;
        if (count === 0 || count === 512) continue; // no vector to compare; the reference does not cap at 512
        const reference = await expectedVector(modelsDir, modelId, text);
        const worst = Math.max(...Array.from(vectors[i]!, (v, d) => Math.abs(v - reference[d]!)));
        assert.ok(worst < 1e-5, `text ${i}: off by ${worst}`);
      }
    });
  }

  it('takes the ASCII path only for the tokenizers it reproduces; case kept when the normalizer keeps it', async () => {
    const json = JSON.parse(await fs.readFile(path.join(modelsDir, CODE, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const withTokenizer = async (name: string, change: (tokenizer: Record<string, unknown>) => void): Promise<StaticEmbedder> => {
      await fs.cp(path.join(modelsDir, CODE), path.join(work.dir, name), { recursive: true });
      const copy = structuredClone(json);
      change(copy);
      await fs.writeFile(path.join(work.dir, name, 'tokenizer.json'), JSON.stringify(copy));
      return StaticEmbedder.create(work.dir, name);
    };
    const cased = await withTokenizer('cased', (t) => (t.normalizer = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false }));
    const sequence = await withTokenizer('sequence', (t) => (t.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Lowercase' }] }));
    const whitespace = await withTokenizer('whitespace', (t) => (t.pre_tokenizer = { type: 'Whitespace' }));
    assert.equal(cased.asciiPath, true);
    assert.equal(sequence.asciiPath, false);
    assert.equal(whitespace.asciiPath, false);
    for (const embedder of [cased, sequence, whitespace]) {
      for (const text of [...VARIED, ...randomTexts(50, 11)]) assert.deepEqual(embedder.tokenIds(text), embedder.libraryTokenIds(text));
    }
    assert.notDeepEqual(cased.tokenIds('Parse HTTP'), cased.tokenIds('parse http'), 'a cased tokenizer tells them apart');
  });

  it('gives empty, blank and unknown-only texts the zero vector, and embeds unknown characters among known ones', async () => {
    const embedder = await StaticEmbedder.create(modelsDir, CODE);
    const [empty, blank, unknown, mixed] = await embedder.embed(['', ' \n\t  ', '日本語 😀 ⊕', 'parse 日本語 😀 value']);
    for (const v of [empty!, blank!, unknown!]) assert.deepEqual(v, new Float32Array(256));
    assert.ok(Math.abs(length(mixed!) - 1) < 1e-5);
    assert.deepEqual(mixed, (await embedder.embed(['parse value']))[0], 'unknown tokens are dropped, not averaged in');
  });

  it('caps a text at 512 tokens', async () => {
    const embedder = await StaticEmbedder.create(modelsDir, CODE);
    const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');
    assert.equal(embedder.tokenIds(long).length, 512);
  });

  it('stops when aborted', async () => {
    const embedder = await StaticEmbedder.create(modelsDir, CODE);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(embedder.embed(TEXTS, controller.signal), { name: 'AbortError' });
  });

  describe('a damaged or incomplete pack', () => {
    async function copyPack(name: string): Promise<string> {
      await fs.cp(path.join(modelsDir, CODE), path.join(work.dir, name), { recursive: true });
      return path.join(work.dir, name, 'model.safetensors');
    }
    const loadFails = async (name: string, code: string, message: RegExp): Promise<void> => {
      await assert.rejects(StaticEmbedder.create(work.dir, name), (error: unknown) => {
        assert.ok(error instanceof QuarryError, String(error));
        assert.equal(error.code, code);
        assert.match(error.message, message);
        return true;
      });
    };

    it('missing model.safetensors: MODEL_NOT_FOUND, naming the file', async () => {
      await fs.rm(await copyPack('missing'));
      await loadFails('missing', 'MODEL_NOT_FOUND', /missing model\.safetensors/);
      await assert.rejects(resolveStaticPack(work.dir, 'missing'), { code: 'MODEL_NOT_FOUND' });
    });

    it('cut short: MODEL_LOAD_FAILED', async () => {
      const file = await copyPack('truncated');
      await fs.truncate(file, (await fs.stat(file)).size - 1000);
      await loadFails('truncated', 'MODEL_LOAD_FAILED', /model\.safetensors is damaged: .*runs past the end/);
      await assert.rejects(resolveStaticPack(work.dir, 'truncated'), { code: 'MODEL_LOAD_FAILED' });
    });

    it('garbage header: MODEL_LOAD_FAILED', async () => {
      const file = await copyPack('garbage');
      const bytes = await fs.readFile(file);
      bytes.fill(0x7b, 8, 40);
      await fs.writeFile(file, bytes);
      await loadFails('garbage', 'MODEL_LOAD_FAILED', /header is not JSON/);
      await fs.writeFile(file, Buffer.from([1, 2, 3]));
      await loadFails('garbage', 'MODEL_LOAD_FAILED', /too short/);
    });

    it('no embeddings tensor: MODEL_LOAD_FAILED', async () => {
      const file = await copyPack('renamed');
      const bytes = await fs.readFile(file);
      const at = bytes.indexOf('"embeddings"');
      bytes.write('"embeddingz"', at);
      await fs.writeFile(file, bytes);
      await loadFails('renamed', 'MODEL_LOAD_FAILED', /no "embeddings" tensor/);
    });

    it('a tokenizer with more tokens than the matrix has rows: MODEL_LOAD_FAILED', async () => {
      await copyPack('short-matrix');
      await fs.cp(path.join(modelsDir, TINY, 'model.safetensors'), path.join(work.dir, 'short-matrix', 'model.safetensors'));
      await loadFails('short-matrix', 'MODEL_LOAD_FAILED', /30522 tokens, model\.safetensors rows for 2000/);
    });
  });

  it('reads safetensors tensors as views at their offsets', async () => {
    const tensors = parseSafetensors(await fs.readFile(path.join(modelsDir, TINY, 'model.safetensors')));
    assert.deepEqual([...tensors.keys()], ['embeddings', 'mapping', 'weights']);
    assert.deepEqual(tensors.get('embeddings')!.shape, [500, 64]);
    assert.equal(tensors.get('embeddings')!.dtype, 'F16');
    assert.equal(tensors.get('mapping')!.bytes.byteLength, 2000 * 4);
  });
});
