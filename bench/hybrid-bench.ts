// `npm run bench:hybrid -- [--models-dir DIR --model ID] <corpus-dir>...`: hybrid query latency and
// memory at scale. The corpora are indexed lexically, then every chunk text gets a random unit
// vector (vector search costs the same whatever the values; embedding 100K chunks for real takes
// an hour here), and hybrid queries run through the real engine with the real model for the query.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveModelPack } from '../src/core/embedding/model-pack.js';
import { DATABASE_FILE, Engine } from '../src/core/engine.js';
import { Store } from '../src/core/store/store.js';
import { ChunkPool } from '../src/main/chunk-pool.js';
import { EmbedPool } from '../src/main/embed-pool.js';
import { benchModel } from './bench-models.js';
import { LEXICAL_QUERIES } from './queries.js';
import { percentile, randomUnit } from './stats.js';

const MEASURE = '--measure-rss';



/**
 * In a fresh process: the RSS of the engine alone (store open, postings and vectors in memory), and
 * then of the embed worker added to it, so the two can be told apart.
 */
async function measureRss(dataDir: string, packDir: string, packId: string): Promise<void> {
  const pack = resolveModelPack(packDir, packId);
  const base = process.memoryUsage().rss;
  const store = await Store.open(path.join(dataDir, DATABASE_FILE), pack);
  const engine = process.memoryUsage().rss;
  const pool = new EmbedPool(pack, 'full', ['cpu']);
  await pool.embed(['a query to load the model']);
  const withWorker = process.memoryUsage().rss;
  await pool.close();
  store.close();
  console.log(JSON.stringify({ nodeBaseline: base, engine, withWorker }));
}

async function main(): Promise<void> {
  if (process.argv[2] === MEASURE) return measureRss(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  const { modelsDir, modelId, positionals: corpora } = await benchModel(process.argv.slice(2));
  if (corpora.length === 0) throw new Error('give one or more corpus folders');
  const pack = resolveModelPack(modelsDir, modelId);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-hybrid-'));

  const chunkPool = new ChunkPool();
  const lexical = await Engine.open({ dataDir, processor: chunkPool });
  for (const corpus of corpora) {
    const run = lexical.index(await lexical.addFolder(corpus), { lexicalOnly: true });
    for (let step = await run.next(); !step.done; step = await run.next());
  }
  lexical.close();
  await chunkPool.close();

  const store = await Store.open(path.join(dataDir, DATABASE_FILE));
  let vectors = 0;
  for (const folder of await store.listFolders()) {
    for (;;) {
      const missing = await store.chunksWithoutVectors(pack.key, folder.id, 5000);
      if (missing.length === 0) break;
      await store.putVectors(pack.key, missing.map((m) => ({ hash: m.hash, vector: randomUnit(pack.dims) })));
      vectors += missing.length;
    }
  }
  const chunks = Number((await store.all<{ n: bigint }>('SELECT count(*) AS n FROM chunks'))[0]!.n);
  await store.checkpoint();
  store.close();

  const rssBefore = process.memoryUsage().rss;
  const embedPool = new EmbedPool(pack, 'full', ['cpu']);
  const engine = await Engine.open({ dataDir, processor: new ChunkPool(), embedding: { pack, embedder: embedPool } });
  await engine.search('warm up the model and load the vectors');
  const loaded = process.memoryUsage();
  for (const warm of ['open file', 'close socket', 'read config']) await engine.search(warm);
  // First runs of each query (query vectors not cached); then the same again from the result cache.

  const first: number[] = [];
  const embedMs: number[] = [];
  const stages: Record<string, number[]> = {};
  const perQuery: Array<{ query: string; ms: number; timings: Record<string, number> }> = [];
  for (const q of LEXICAL_QUERIES) {
    const result = await engine.search(q);
    first.push(result.tookMs);
    perQuery.push({ query: q, ms: +result.tookMs.toFixed(1), timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, +v.toFixed(1)])) });
    embedMs.push(result.timings.embed);
    for (const [stage, ms] of Object.entries(result.timings)) (stages[stage] ??= []).push(ms);
  }
  const repeated: number[] = [];
  for (let r = 0; r < 3; r++) for (const q of LEXICAL_QUERIES) repeated.push((await engine.search(q)).tookMs);
  const result = {
    corpora,
    chunks,
    vectors,
    hybridMs: { p50: +percentile(first, 50).toFixed(1), p95: +percentile(first, 95).toFixed(1) },
    queryEmbedMs: { p50: +percentile(embedMs, 50).toFixed(1), p95: +percentile(embedMs, 95).toFixed(1) },
    stagesP50Ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, +percentile(v, 50).toFixed(1)])),
    stagesP95Ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, +percentile(v, 95).toFixed(1)])),
    repeatedQueryMs: { p50: +percentile(repeated, 50).toFixed(2), p95: +percentile(repeated, 95).toFixed(2) },
    memoryMb: {
      rssBeforeEngine: Math.round(rssBefore / 1048576),
      rssLoaded: Math.round(loaded.rss / 1048576),
      jsHeap: Math.round(loaded.heapUsed / 1048576),
      arrayBuffers: Math.round(loaded.arrayBuffers / 1048576),
    },
  };
  engine.close();
  await embedPool.close();
  const measured = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, MEASURE, dataDir, modelsDir, modelId], { encoding: 'utf8' });
  const rss = JSON.parse(measured.stdout.trim().split('\n').at(-1)!) as { nodeBaseline: number; engine: number; withWorker: number };
  const separate = {
    nodeBaselineMb: Math.round(rss.nodeBaseline / 1048576),
    engineMb: Math.round(rss.engine / 1048576),
    embedWorkerMb: Math.round((rss.withWorker - rss.engine) / 1048576),
  };
  await fs.rm(dataDir, { recursive: true, force: true });
  console.log(`${chunks} chunks, ${vectors} vectors (${pack.modelId}, ${pack.dims} dims)`);
  console.log(`hybrid query (30 queries, first run each)  p50 ${result.hybridMs.p50} ms, p95 ${result.hybridMs.p95} ms`);
  for (const slow of perQuery.sort((a, b) => b.ms - a.ms).slice(0, 3)) console.log(`  slow: ${JSON.stringify(slow)}`);
  console.log(`  of which query embedding                 p50 ${result.queryEmbedMs.p50} ms, p95 ${result.queryEmbedMs.p95} ms`);
  console.log(`repeated query (result cache)              p50 ${result.repeatedQueryMs.p50} ms, p95 ${result.repeatedQueryMs.p95} ms`);
  console.log(`fresh process: engine with postings and vectors ${separate.engineMb} MB RSS (Node alone ${separate.nodeBaselineMb} MB); the embed worker adds ${separate.embedWorkerMb} MB`);
  console.log(JSON.stringify({ separateRss: separate }));
  const m = result.memoryMb;
  console.log(`memory: RSS ${m.rssBeforeEngine} MB before opening, ${m.rssLoaded} MB loaded (JS heap ${m.jsHeap} MB, typed arrays ${m.arrayBuffers} MB)`);
  console.log(JSON.stringify(result));
}

await main();
