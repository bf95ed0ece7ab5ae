import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bertConfig, bertOnnx, type BertShape } from './bert.js';
import { seedFrom } from './seeded-random.js';
import { staticPackFiles, type StaticShape } from './static.js';
import { assembleVocabulary, specialTokensMap, tokenizerConfig, tokenizerJson } from './wordpiece.js';

/**
 * The random-weight model packs tests and benchmarks use, in the layouts Quarry loads. Their
 * vectors carry no meaning: they measure speed and memory, never retrieval quality.
 */
export const TEST_PACKS = {
  /** Small enough to load in every test (2 layers, 128 dims). */
  'bert-tiny-random': { kind: 'bert', shape: { vocabSize: 30522, hiddenSize: 128, layers: 2, heads: 2, intermediateSize: 512, maxPositions: 512 } },
  /** Exactly the shape of all-MiniLM-L6-v2, for speed and memory benchmarks. */
  'minilm-l6-random': { kind: 'bert', shape: { vocabSize: 30522, hiddenSize: 384, layers: 6, heads: 12, intermediateSize: 1536, maxPositions: 512 } },
  /**
   * A static (Model2Vec) pack with potion-code-16M's width (256 dims, float32, normalize), for the
   * fast tier's tests and benchmarks. Its vocabulary is BERT's size (30,522 WordPiece tokens), not
   * the real pack's 61,826 rows: lookup cost does not depend on the table's length.
   */
  'potion-code-random': { kind: 'static', shape: { vocabSize: 30522, dims: 256, dtype: 'float32' } },
  /** A small static pack in the other stored forms: a float16 matrix and vocabulary quantization (500 rows shared by 2,000 tokens). */
  'static-tiny-f16-random': { kind: 'static', shape: { vocabSize: 2000, dims: 64, dtype: 'float16', vocabularyQuantization: 500 } },
} satisfies Record<string, { kind: 'bert'; shape: BertShape } | { kind: 'static'; shape: StaticShape }>;

export type TestPackId = keyof typeof TEST_PACKS;
export const TEST_PACK_IDS = Object.keys(TEST_PACKS) as TestPackId[];
export const DEFAULT_SEED = 1;

/**
 * Writes one pack as `<dir>/<id>/`. A BERT pack in the transformers.js layout: config.json,
 * tokenizer.json, tokenizer_config.json, special_tokens_map.json, onnx/model.onnx (fp32) and
 * onnx/model_quantized.onnx (q8). A static pack in the Model2Vec layout (static.ts): config.json,
 * model.safetensors, tokenizer.json, modules.json. The same seed writes the same bytes. The folder appears
 * whole: it is written beside its place and renamed into it. Without `replace`, a pack another
 * process put there first is kept and this one dropped.
 */
export async function writeTestPack(dir: string, id: TestPackId, options: { seed?: number; replace?: boolean } = {}): Promise<string> {
  const { seed = DEFAULT_SEED, replace = true } = options;
  const spec: { kind: 'bert'; shape: BertShape } | { kind: 'static'; shape: StaticShape } = TEST_PACKS[id];
  const files = spec.kind === 'static' ? staticPackFiles(spec.shape, seedFrom(id, seed)) : bertPackFiles(id, spec.shape, seed);
  const target = path.join(dir, id);
  const staging = `${target}.partial-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(staging, name)), { recursive: true });
    await fs.writeFile(path.join(staging, name), content);
  }
  try {
    await fs.rename(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    if (!replace) {
      await fs.rm(staging, { recursive: true, force: true });
      return target;
    }
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(staging, target);
  }
  return target;
}

function bertPackFiles(id: string, shape: BertShape, seed: number): Record<string, string | Uint8Array> {
  const vocabulary = assembleVocabulary(shape.vocabSize);
  const onnx = bertOnnx(shape, seedFrom(id, seed));
  return {
    'config.json': json(bertConfig(id, shape)),
    'tokenizer.json': json(tokenizerJson(vocabulary)),
    'tokenizer_config.json': json(tokenizerConfig(shape.maxPositions)),
    'special_tokens_map.json': json(specialTokensMap()),
    'onnx/model.onnx': onnx.fp32,
    'onnx/model_quantized.onnx': onnx.q8,
  };
}

function json(value: object): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
