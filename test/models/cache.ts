import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_PACK_IDS, writeTestPack, type TestPackId } from './packs.js';

const GENERATOR_FILES = ['bert.ts', 'onnx-graph.ts', 'packs.ts', 'seeded-random.ts', 'static.ts', 'wordpiece.ts'];
const CACHE_ROOT = path.resolve(import.meta.dirname, '../../.tmp/test-models');

/** The generator's version: a hash of its own source, so any change to it makes new packs. */
export function generatorVersion(): string {
  const hash = createHash('sha256');
  for (const file of GENERATOR_FILES) hash.update(file).update(readFileSync(path.join(import.meta.dirname, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The folder of generated test packs (the `modelsDir` that tests and benchmarks load from),
 * generating the packs asked for (all of them unless told) on first use. Packs are cached under `.tmp/test-models/` by the
 * generator's version, so a test run pays for them once; older versions are removed.
 */
export async function testModelsDir(ids: TestPackId[] = TEST_PACK_IDS): Promise<string> {
  const version = generatorVersion();
  const dir = path.join(CACHE_ROOT, version);
  const missing = ids.filter((id) => !existsSync(path.join(dir, id)));
  if (missing.length === 0) return dir;
  await fs.mkdir(dir, { recursive: true });
  for (const entry of await fs.readdir(CACHE_ROOT)) {
    if (entry !== version) await fs.rm(path.join(CACHE_ROOT, entry), { recursive: true, force: true });
  }
  for (const id of missing) await writeTestPack(dir, id, { replace: false });
  return dir;
}
