import { SeededRandom } from './seeded-random.js';
import { assembleVocabulary, tokenizerJson } from './wordpiece.js';

/**
 * Random-weight static (Model2Vec) packs in the layout `model2vec`'s save_pretrained writes and
 * the hub publishes (MinishLab/model2vec, model2vec/persistence/persistence.py):
 * config.json, model.safetensors ("embeddings" [rows, dims], and with vocabulary quantization
 * "mapping" int32 [vocab] and "weights" [vocab]), tokenizer.json and modules.json.
 */
export interface StaticShape {
  /** Tokens in the WordPiece vocabulary. */
  vocabSize: number;
  dims: number;
  dtype: 'float32' | 'float16';
  /** Rows of the matrix when the vocabulary is quantized (tokens share rows through "mapping"); none by default. */
  vocabularyQuantization?: number;
}

/** Row values: a trained potion matrix has values of about this spread (standard deviation near 1). */
const ROW_STD = 1;

/** The files of one pack, by name. */
export function staticPackFiles(shape: StaticShape, seed: number): Record<string, string | Uint8Array> {
  const vocabulary = assembleVocabulary(shape.vocabSize);
  const random = new SeededRandom(seed);
  const rows = shape.vocabularyQuantization ?? shape.vocabSize;
  const tensors: Tensor[] = [{ name: 'embeddings', dtype: shape.dtype === 'float16' ? 'F16' : 'F32', shape: [rows, shape.dims], values: random.normals(rows * shape.dims, ROW_STD) }];
  if (shape.vocabularyQuantization !== undefined) {
    const mapping = new Int32Array(shape.vocabSize);
    for (let t = 0; t < mapping.length; t++) mapping[t] = Math.floor(random.uniform() * rows);
    const weights = new Float32Array(shape.vocabSize);
    for (let t = 0; t < weights.length; t++) weights[t] = 0.5 + random.uniform() * 10;
    tensors.push({ name: 'mapping', dtype: 'I32', shape: [shape.vocabSize], values: mapping }, { name: 'weights', dtype: 'F32', shape: [shape.vocabSize], values: weights });
  }
  const config: Record<string, unknown> = { normalize: true, embedding_dtype: shape.dtype };
  if (shape.vocabularyQuantization !== undefined) config.vocabulary_quantization = shape.vocabularyQuantization;
  const modules = [
    { idx: 0, name: '0', path: '.', type: 'sentence_transformers.models.StaticEmbedding' },
    { idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
  return {
    'config.json': `${JSON.stringify(config, null, 4)}\n`,
    'model.safetensors': safetensors(tensors),
    // Model2Vec keeps the source model's tokenizer.json; its post-processor goes unused, as encoding skips special tokens.
    'tokenizer.json': `${JSON.stringify(tokenizerJson(vocabulary))}\n`,
    'modules.json': `${JSON.stringify(modules, null, 4)}\n`,
  };
}

interface Tensor {
  name: string;
  dtype: 'F32' | 'F16' | 'I32';
  shape: number[];
  values: Float32Array | Int32Array;
}

/** A safetensors file: u64 LE header length, the JSON header padded with spaces to 8 bytes, the tensors' bytes in order. */
export function safetensors(tensors: Tensor[]): Uint8Array {
  const bytesOf = (t: Tensor): Uint8Array => {
    if (t.dtype === 'F16') return new Uint8Array(toHalves(t.values as Float32Array).buffer);
    return new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
  };
  const data = tensors.map(bytesOf);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  tensors.forEach((t, i) => {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + data[i]!.byteLength] };
    offset += data[i]!.byteLength;
  });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const bytes of data) {
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}

/** float32 to IEEE half precision, rounded to nearest even (the values here are normal halves). */
function toHalves(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exponent = ((x >>> 23) & 0xff) - 127 + 15;
    let mantissa = x & 0x7fffff;
    if (exponent <= 0) {
      out[i] = sign; // below half's normal range: zero is close enough for random weights
      continue;
    }
    if (exponent >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    // Round to nearest even on the 13 bits dropped.
    const dropped = mantissa & 0x1fff;
    mantissa >>>= 13;
    let half = sign | (exponent << 10) | mantissa;
    if (dropped > 0x1000 || (dropped === 0x1000 && (mantissa & 1))) half++;
    out[i] = half;
  }
  return out;
}
