import { promises as fs, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { QuarryError } from '../../shared/errors.js';
import { MODEL_ID_PATTERN } from '../../shared/types.js';
import { parseSafetensors, readSafetensorsHeader, SafetensorsError, toFloat32, toInt32, type SafetensorsTensor } from './safetensors.js';

/**
 * A static (Model2Vec) embedding pack, in the layout `model2vec` writes and the hub publishes
 * (minishlab/potion-base-8M, minishlab/potion-code-16M):
 *
 * ```
 * <models dir>/<model-id>/
 *   config.json        {"normalize": true, "embedding_dtype": "float32", ["vocabulary_quantization": N]}
 *   model.safetensors  "embeddings" [rows, dims]; with vocabulary quantization also
 *                      "mapping" [vocab] (token id -> row) and "weights" [vocab] (a scale per token)
 *   tokenizer.json     a Hugging Face tokenizers file (WordPiece for the potion packs)
 *   modules.json       the sentence-transformers view of the same folder (not needed here)
 * ```
 *
 * Sources: `save_pretrained`/`load_pretrained` in MinishLab/model2vec
 * (model2vec/persistence/persistence.py) and the packs' file listings on the hub.
 */
export interface StaticPack {
  /** The folder holding the model folders. */
  modelsDir: string;
  modelId: string;
  dims: number;
  /** How the matrix is stored on disk: 'fp32', 'fp16' or 'int8'. Loaded, it is always float32. */
  dtype: StaticDtype;
  /** Whether Model2Vec normalizes the mean (config.json `normalize`); Quarry's vectors are unit length either way. */
  normalize: boolean;
  /** The part of every stored vector's key that names the model: id, dims and dtype. */
  key: string;
}

export type StaticDtype = 'fp32' | 'fp16' | 'int8';

/** The matrix and tokenizer of a static pack, in memory. */
export interface LoadedStaticPack {
  pack: StaticPack;
  /** Row-major [rows, dims] float32. */
  embeddings: Float32Array;
  rows: number;
  /** Vocabulary quantization: token id -> row of `embeddings`; null when row = token id. */
  mapping: Int32Array | null;
  /** Vocabulary quantization: a scale per token id, applied to its row; null when there is none. */
  weights: Float32Array | null;
  /** tokenizer.json, parsed. */
  tokenizerJson: Record<string, unknown>;
  /** tokenizer_config.json when the pack has one (hub Model2Vec packs usually do not), else {}. */
  tokenizerConfig: Record<string, unknown>;
}

export const STATIC_PACK_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

/** Names the embedding matrix goes by: model2vec's, then the ones model2vec-rs also accepts (sentence-transformers' StaticEmbedding). */
const EMBEDDING_TENSORS = ['embeddings', 'embedding.weight', '0'];

const STORAGE_DTYPE: Partial<Record<SafetensorsTensor['dtype'], StaticDtype>> = { F32: 'fp32', F16: 'fp16', I8: 'int8' };

/** True when `modelsDir/modelId` has the files of a static pack (and so is not a transformers.js pack). */
export function isStaticPack(modelsDir: string, modelId: string): boolean {
  return MODEL_ID_PATTERN.test(modelId) && STATIC_PACK_FILES.every((f) => existsSync(path.join(modelsDir, modelId, f)));
}

/** The static packs complete in the models folder, each with its config and matrix header read. */
export async function installedStaticPacks(modelsDir: string): Promise<StaticPack[]> {
  const ids = existsSync(modelsDir) ? readdirSync(modelsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
  const packs = await Promise.all(ids.filter((id) => isStaticPack(modelsDir, id)).map((id) => resolveStaticPack(modelsDir, id).catch(() => null)));
  return packs.filter((pack): pack is StaticPack => pack !== null).sort((a, b) => a.modelId.localeCompare(b.modelId));
}

/**
 * Checks a static pack's folder and reads its config and the matrix's header (not the matrix):
 * MODEL_NOT_FOUND for a missing folder or file, MODEL_LOAD_FAILED for unreadable ones.
 */
export async function resolveStaticPack(modelsDir: string, modelId: string): Promise<StaticPack> {
  const { pack } = await open(modelsDir, modelId, false);
  return pack;
}

/** Reads a static pack whole: the matrix as float32, the vocabulary-quantization tensors, the tokenizer files. */
export async function loadStaticPack(modelsDir: string, modelId: string): Promise<LoadedStaticPack> {
  const { pack, tensors, dir } = await open(modelsDir, modelId, true);
  const fail = (why: string): never => {
    throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${modelId}": ${why}`);
  };
  const matrix = embeddingTensor(tensors, modelId);
  const rows = matrix.shape[0]!;
  let embeddings: Float32Array;
  let mapping: Int32Array | null = null;
  let weights: Float32Array | null = null;
  try {
    embeddings = toFloat32(matrix);
    const mappingTensor = tensors.get('mapping');
    const weightsTensor = tensors.get('weights');
    if (mappingTensor) mapping = toInt32(mappingTensor);
    if (weightsTensor) weights = toFloat32(weightsTensor);
  } catch (error) {
    return fail(`model.safetensors: ${(error as Error).message}`);
  }
  if (mapping && mapping.some((row) => row < 0 || row >= rows)) fail(`model.safetensors: "mapping" points past the ${rows} rows of the matrix`);
  if (mapping && weights && weights.length !== mapping.length) fail(`model.safetensors: "weights" has ${weights.length} entries, "mapping" ${mapping.length}`);

  const tokenizerJson = await readJson(path.join(dir, 'tokenizer.json'), modelId);
  const configPath = path.join(dir, 'tokenizer_config.json');
  const tokenizerConfig = existsSync(configPath) ? await readJson(configPath, modelId) : {};
  const vocab = (tokenizerJson.model as { vocab?: unknown } | undefined)?.vocab;
  const vocabSize = vocab && typeof vocab === 'object' ? (Array.isArray(vocab) ? vocab.length : Object.keys(vocab).length) : null;
  if (vocabSize === null) fail('tokenizer.json has no model.vocab');
  // Model2Vec requires a row per token unless a mapping says where each token's row is.
  const tokens = mapping ? mapping.length : rows;
  if (vocabSize! > tokens) fail(`tokenizer.json has ${vocabSize} tokens, model.safetensors rows for ${tokens}`);
  return { pack, embeddings, rows, mapping, weights, tokenizerJson, tokenizerConfig };
}

async function open(modelsDir: string, modelId: string, whole: boolean): Promise<{ pack: StaticPack; tensors: Map<string, SafetensorsTensor>; dir: string }> {
  // A name, never a path: nothing outside the models folder is loaded.
  if (!MODEL_ID_PATTERN.test(modelId)) throw new QuarryError('MODEL_NOT_FOUND', `"${modelId}" is not a model folder name`);
  const dir = path.join(modelsDir, modelId);
  const missing = STATIC_PACK_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) throw new QuarryError('MODEL_NOT_FOUND', `No usable static model "${modelId}" in ${modelsDir}: missing ${missing.join(', ')}`);
  const config = await readJson(path.join(dir, 'config.json'), modelId);
  const file = path.join(dir, 'model.safetensors');
  let tensors: Map<string, SafetensorsTensor>;
  try {
    if (whole) {
      tensors = parseSafetensors(await fs.readFile(file));
    } else {
      // Only the header: resolving a pack does not read its matrix.
      const { head, size } = await readHead(file);
      tensors = new Map([...readSafetensorsHeader(head, size)].map(([name, e]) => [name, { dtype: e.dtype, shape: e.shape, bytes: new Uint8Array(0) }]));
    }
  } catch (error) {
    const why = error instanceof SafetensorsError ? `is damaged: ${error.message}` : `cannot be read: ${(error as Error).message}`;
    throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${modelId}": model.safetensors ${why}`);
  }
  const matrix = embeddingTensor(tensors, modelId);
  const dtype = STORAGE_DTYPE[matrix.dtype];
  if (!dtype) throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${modelId}": a ${matrix.dtype} embedding matrix is not supported (float32, float16 or int8)`);
  const dims = matrix.shape[1]!;
  const pack: StaticPack = { modelsDir, modelId, dims, dtype, normalize: config.normalize !== false, key: `${modelId}:${dims}:${dtype}` };
  return { pack, tensors, dir };
}

function embeddingTensor(tensors: Map<string, SafetensorsTensor>, modelId: string): SafetensorsTensor {
  const name = EMBEDDING_TENSORS.find((n) => tensors.has(n));
  const tensor = name === undefined ? undefined : tensors.get(name);
  if (!tensor) throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${modelId}": model.safetensors has no "embeddings" tensor (it has ${[...tensors.keys()].join(', ') || 'none'})`);
  if (tensor.shape.length !== 2 || tensor.shape[0] === 0 || tensor.shape[1] === 0) {
    throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${modelId}": the embedding matrix has shape [${tensor.shape.join(', ')}], not [rows, dims]`);
  }
  return tensor;
}

async function readJson(file: string, modelId: string): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${modelId}": ${path.basename(file)} is unreadable: ${(error as Error).message}`);
  }
}

/** The length prefix and JSON header of a safetensors file (not its tensors), and the file's size. */
async function readHead(file: string): Promise<{ head: Uint8Array; size: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const length = size < 8 ? 0 : Math.min(Number(prefix.readBigUInt64LE(0)), size - 8);
    const head = Buffer.alloc(Math.min(size, 8 + length));
    await handle.read(head, 0, head.byteLength, 0);
    return { head, size };
  } finally {
    await handle.close();
  }
}
