import fs from 'node:fs';
import path from 'node:path';
import { QuarryError } from '../../shared/errors.js';
import { MODEL_ID_PATTERN } from '../../shared/types.js';

export type ModelDtype = 'q8' | 'fp32';

/** A model folder in the transformers.js layout: config, tokenizer, onnx/. */
export interface ModelPack {
  /** The folder holding the model folders (transformers.js `localModelPath`). */
  modelsDir: string;
  modelId: string;
  dtype: ModelDtype;
  dims: number;
  /** Tokens per input; longer chunks are truncated. */
  maxTokens: number;
  /** The part of every stored vector's key that names the model: id, dims and dtype. */
  key: string;
}

export const DEFAULT_MODEL_ID = 'all-MiniLM-L6-v2';
/** The fast tier's default: a static (Model2Vec) model distilled for code. */
export const DEFAULT_FAST_MODEL_ID = 'potion-code-16M';
/** all-MiniLM-L6-v2 was trained on at most 256 tokens; embedding more only costs time. */
const DEFAULT_MAX_TOKENS = 256;

const ONNX_FILE: Record<ModelDtype, string> = { q8: 'model_quantized.onnx', fp32: 'model.onnx' };
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** Checks a model folder is complete and reads what indexing needs to know about it. */
export function resolveModelPack(modelsDir: string, modelId: string, dtype: ModelDtype = 'q8'): ModelPack {
  // A name, never a path: nothing outside the models folder is loaded.
  if (!MODEL_ID_PATTERN.test(modelId)) throw new QuarryError('MODEL_NOT_FOUND', `"${modelId}" is not a model folder name`);
  const dir = path.join(modelsDir, modelId);
  const missing = [...REQUIRED, path.join('onnx', ONNX_FILE[dtype])].filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new QuarryError('MODEL_NOT_FOUND', `No usable model "${modelId}" in ${modelsDir}: missing ${missing.join(', ')}`);
  }
  let config: { hidden_size?: number; max_position_embeddings?: number };
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as typeof config;
  } catch (error) {
    throw new QuarryError('MODEL_NOT_FOUND', `Model "${modelId}" has an unreadable config.json: ${(error as Error).message}`);
  }
  const dims = config.hidden_size;
  if (!dims) throw new QuarryError('MODEL_NOT_FOUND', `Model "${modelId}": config.json has no hidden_size`);
  const maxTokens = Math.min(DEFAULT_MAX_TOKENS, config.max_position_embeddings ?? DEFAULT_MAX_TOKENS);
  return { modelsDir, modelId, dtype, dims, maxTokens, key: `${modelId}:${dims}:${dtype}` };
}

/** The complete model folders in `modelsDir`, by name; incomplete or unreadable ones are left out. */
export function installedModels(modelsDir: string): ModelPack[] {
  let names: string[];
  try {
    names = fs.readdirSync(modelsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return []; // no models folder yet
  }
  return names.sort().flatMap((name) => {
    try {
      return [resolveModelPack(modelsDir, name)];
    } catch {
      return [];
    }
  });
}
