import path from 'node:path';
import { parseArgs } from 'node:util';
import { testModelsDir } from '../test/models/cache.js';
import { TEST_PACK_IDS, type TestPackId } from '../test/models/packs.js';

/** The MiniLM-L6 shape: what the default model costs, with random weights. */
const DEFAULT_BENCH_MODEL = 'minilm-l6-random';

/**
 * The models folder and model a benchmark loads: `modelsDir` (else `QUARRY_BENCH_MODELS`, else the
 * project's generated random-weight packs, made on first use) and `model` (else `defaultModel`).
 * Random weights measure speed, not quality.
 */
export async function resolveBenchModel(given: { modelsDir?: string | undefined; model?: string | undefined }, defaultModel: string): Promise<{ modelsDir: string; modelId: string }> {
  const modelId = given.model ?? defaultModel;
  const modelsDir = given.modelsDir ?? process.env.QUARRY_BENCH_MODELS;
  if (modelsDir) return { modelsDir: path.resolve(modelsDir), modelId };
  if (!(TEST_PACK_IDS as string[]).includes(modelId)) throw new Error(`no generated pack is called "${modelId}"; give --models-dir (generated: ${TEST_PACK_IDS.join(', ')})`);
  return { modelsDir: await testModelsDir([modelId as TestPackId]), modelId };
}

/** The model a benchmark loads (`--models-dir`, `--model`; minilm-l6-random by default) and its remaining arguments. */
export async function benchModel(args: string[]): Promise<{ modelsDir: string; modelId: string; positionals: string[] }> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'models-dir': { type: 'string' }, model: { type: 'string' } } });
  return { ...(await resolveBenchModel({ modelsDir: values['models-dir'], model: values.model }, DEFAULT_BENCH_MODEL)), positionals };
}
