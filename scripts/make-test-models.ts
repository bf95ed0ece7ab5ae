// `npm run make-test-models -- <dir> [--seed N] [--only id,id]`: writes seeded random-weight
// model packs in the layouts Quarry loads, one folder per model id, and prints each id it wrote.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, TEST_PACK_IDS, writeTestPack, type TestPackId } from '../test/models/packs.js';

const usage = `usage: npm run make-test-models -- <dir> [--seed N] [--only ${TEST_PACK_IDS.join(',')}]`;

function fail(message: string): never {
  console.error(`make-test-models: ${message}\n${usage}`);
  process.exit(2);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { seed: { type: 'string' }, only: { type: 'string' } } });
  } catch (error) {
    fail((error as Error).message);
  }
})();
if (positionals.length !== 1) fail('give exactly one output folder');
const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`--seed must be an integer from 0 to ${0xffffffff}`);
const ids = values.only ? values.only.split(',').map((id) => id.trim()) : TEST_PACK_IDS;
const unknown = ids.filter((id) => !(TEST_PACK_IDS as string[]).includes(id));
if (unknown.length > 0) fail(`unknown model id ${unknown.join(', ')}`);

const dir = path.resolve(positionals[0]!);
for (const id of ids as TestPackId[]) {
  await writeTestPack(dir, id, { seed });
  console.log(id);
}
