import path from 'node:path';
import { parseArgs } from 'node:util';
import { testModelsDir } from '../test/models/cache.js';
import { TEST_PACK_IDS, type TestPackId } from '../test/models/packs.js';

/** The MiniLM-L6 shape: what the default model costs, with random weights. */
const DEFAULT_BENCH_MODEL = 'minilm-l6-random';

/**
 * The model a benchmark loads and its remaining arguments. The models folder is `--models-dir`,
 * else `QUARRY_BENCH_MODELS`, else the project's generated random-weight packs (made on first
 * use); the model is `--model`, else minilm-l6-random. Random weights measure speed, not quality.
 */
export async function benchModel(args: string[]): Promise<{ modelsDir: string; modelId: string; positionals: string[] }> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'models-dir': { type: 'string' }, model: { type: 'string' } } });
  const modelId = values.model ?? DEFAULT_BENCH_MODEL;
  const given = values['models-dir'] ?? process.env.QUARRY_BENCH_MODELS;
  if (given) return { modelsDir: path.resolve(given), modelId, positionals };
  if (!(TEST_PACK_IDS as string[]).includes(modelId)) throw new Error(`no generated pack is called "${modelId}"; give --models-dir (generated: ${TEST_PACK_IDS.join(', ')})`);
  return { modelsDir: await testModelsDir([modelId as TestPackId]), modelId, positionals };
}
