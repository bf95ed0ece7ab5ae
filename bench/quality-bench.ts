// `npm run bench:quality -- <repo-dir> <labels.jsonl> [--model ID] [--models-dir DIR] [--data DIR]`:
// search quality on a labelled query set (JSONL of {query, relevant, kind}: see
// src/core/evaluation/labelled-queries.ts) in lexical, semantic and hybrid mode, overall and per
// kind of query: MRR@10 and recall@1/5/10 at file level, and latency. The repository is indexed
// and embedded with the model once, into --data (default .tmp/quality/<repo>-<model>), and reused.
// With the generated random-weight packs (the default, bert-tiny-random) the vectors carry no
// information: what this then measures is whether hybrid keeps lexical's quality, never a model's.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModelPack } from '../src/core/embedding/model-pack.js';
import { Engine } from '../src/core/engine.js';
import { parseLabelledQueries } from '../src/core/evaluation/labelled-queries.js';
import { evaluateSet } from '../src/core/evaluation/quality-report.js';
import type { SearchMode } from '../src/shared/types.js';
import { ChunkPool } from '../src/main/chunk-pool.js';
import { formatEval } from '../src/main/cli-eval.js';
import { EmbedPool } from '../src/main/embed-pool.js';
import { resolveBenchModel } from './bench-models.js';

const MODES: SearchMode[] = ['lexical', 'semantic', 'hybrid'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, 'models-dir': { type: 'string' }, data: { type: 'string' } },
});
const [repoArg, labelsArg] = positionals;
if (!repoArg || !labelsArg) throw new Error('usage: npm run bench:quality -- <repo-dir> <labels.jsonl> [--model ID] [--models-dir DIR] [--data DIR]');
const repo = path.resolve(repoArg);
const { modelsDir, modelId } = await resolveBenchModel({ modelsDir: values['models-dir'], model: values.model }, 'bert-tiny-random');
const dataDir = path.resolve(values.data ?? path.join('.tmp', 'quality', `${path.basename(repo)}-${modelId}`));
const queries = parseLabelledQueries(await fs.readFile(labelsArg, 'utf8'));

const pack = resolveModelPack(modelsDir, modelId);
const embedder = new EmbedPool(pack, 'full', ['cpu']);
const pool = new ChunkPool();
const fresh = !existsSync(dataDir);
const engine = await Engine.open({ dataDir, processor: pool, embedding: { pack, embedder } });
try {
  const folder = (await engine.listFolders()).find((f) => f.root === repo) ?? (await engine.addFolder(repo));
  const started = performance.now();
  const run = engine.index(folder);
  for (let step = await run.next(); !step.done; step = await run.next()) void step;
  console.error(`quality: ${fresh ? 'indexed and embedded' : 'brought up to date'} ${repo} with ${modelId} in ${Math.round((performance.now() - started) / 1000)} s (${dataDir})`);
  const search = (query: string, mode: SearchMode) => engine.search(query, { mode, fresh: true, limit: 10 });
  const report = await evaluateSet(path.basename(labelsArg), queries, MODES, search);
  console.log(`${formatEval(report, null, path.basename(repo))}\n`);
  console.log(JSON.stringify({ repo: path.basename(repo), model: modelId, report: report.modes }));
} finally {
  engine.close();
  await embedder.close();
  await pool.close();
}
