// `npm run bench:hybrid -- [--models-dir DIR --model ID] [--fast-model ID [--fast-models-dir DIR]]
//   [--rounds N] [--data-dir DIR] <corpus-dir>...`: hybrid query latency and memory at scale. The
// corpora are indexed lexically, then every chunk text gets a random unit vector (vector search
// costs the same whatever the values; embedding 100K chunks for real takes an hour here), and
// hybrid queries run through the real engine with the real model for the query.
//
// With `--fast-model` (a static pack, e.g. potion-code-random) every chunk text also gets a random
// vector of the fast tier, stored under that pack's key as the engine's fast tier stores them, and
// the two configurations are compared within this one run: the transformer tier alone (as before)
// and both tiers (the static model embedding the query in this process, as the app does for a
// query), an engine each on its own copy of the index, open side by side, each query run on both
// in an order that flips from query to query. Engine RSS is measured in a fresh process for each,
// alternating. `--data-dir` keeps the index (and reuses it when it is already there).
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Embedder } from '../src/core/embedding/embedder.js';
import { resolveModelPack, type ModelPack } from '../src/core/embedding/model-pack.js';
import type { StaticEmbedder } from '../src/core/embedding/static-embedder.js';
import { isStaticPack, resolveStaticPack, type StaticPack } from '../src/core/embedding/static-pack.js';
import { DATABASE_FILE, Engine } from '../src/core/engine.js';
import { median } from '../src/core/observability/metrics.js';
import { Store } from '../src/core/store/store.js';
import { ChunkPool } from '../src/main/chunk-pool.js';
import { EmbedPool } from '../src/main/embed-pool.js';
import { resolveBenchModel } from './bench-models.js';
import { LEXICAL_QUERIES } from './queries.js';
import { percentile, randomUnit } from './stats.js';

const MEASURE = '--measure-rss';
const MB = 1048576;

interface RssSample {
  nodeBaseline: number;
  /** Engine.open done: postings, the scope mirrors and every tier's vectors in memory. */
  engine: number;
  /** Plus importing transformers.js (for the static model's tokenizer), under tsx (equal to `engine` with one tier). */
  withTransformersJs: number;
  /** Plus the static model loaded in this process, as the app holds it for queries (equal to `engine` with one tier). */
  withFastModel: number;
  /** Plus the transformer's embed worker, one query embedded. */
  withWorker: number;
}

/** An embedder never called: the engine opens without loading any model, so its RSS is its own. */
const NOT_LOADED: Embedder = {
  info: () => Promise.reject(new Error('not loaded in this measurement')),
  embed: () => Promise.reject(new Error('not loaded in this measurement')),
};

/**
 * In a fresh process: the RSS of the engine alone (Engine.open: postings and every tier's vectors
 * in memory), and then of the static model and the embed worker added to it, so they can be told
 * apart.
 */
async function measureRss(dataDir: string, packDir: string, packId: string, fastDir?: string, fastId?: string): Promise<void> {
  const pack = resolveModelPack(packDir, packId);
  const fastPack = fastDir && fastId ? await resolveStaticPack(fastDir, fastId) : null;
  const rss = (): number => process.memoryUsage().rss;
  const nodeBaseline = rss();
  const processor = new ChunkPool();
  const opened = await Engine.open({
    dataDir,
    processor,
    embedding: { pack, embedder: NOT_LOADED },
    ...(fastPack ? { fastEmbedding: { pack: fastPack, embedder: NOT_LOADED } } : {}),
  });
  const engine = rss();
  let withTransformersJs = engine;
  let withFastModel = engine;
  if (fastPack) {
    // Imported only here, so that the figures before it are the engine's alone (under tsx this
    // import costs far more than in the bundled app).
    const { StaticEmbedder } = await import('../src/core/embedding/static-embedder.js');
    withTransformersJs = rss();
    await (await StaticEmbedder.create(fastPack.modelsDir, fastPack.modelId)).embed(['a query to load the model']);
    withFastModel = rss();
  }
  const pool = new EmbedPool(pack, 'full', ['cpu']);
  await pool.embed(['a query to load the model']);
  const withWorker = rss();
  await pool.close();
  opened.close();
  await processor.close();
  const sample: RssSample = { nodeBaseline, engine, withTransformersJs, withFastModel, withWorker };
  console.log(JSON.stringify(sample));
}

function freshRss(dataDir: string, pack: ModelPack, fast: StaticPack | null): RssSample {
  const args = [...process.execArgv, process.argv[1]!, MEASURE, dataDir, pack.modelsDir, pack.modelId, ...(fast ? [fast.modelsDir, fast.modelId] : [])];
  const measured = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (measured.status !== 0) throw new Error(`the RSS measurement failed: ${measured.stderr}`);
  return JSON.parse(measured.stdout.trim().split('\n').at(-1)!) as RssSample;
}

/** Gives every distinct chunk text without one a random vector of the model; returns how many the model has. */
async function fillRandomVectors(store: Store, model: { key: string; dims: number }): Promise<number> {
  const release = await store.makeRoomForWrites();
  for (const folder of await store.listFolders()) {
    for (;;) {
      const missing = await store.chunksWithoutVectors(model.key, folder.id, 5000);
      if (missing.length === 0) break;
      await store.putVectors(model.key, missing.map((m) => ({ hash: m.hash, vector: randomUnit(model.dims) })));
    }
  }
  await release();
  const [row] = await store.all<{ n: bigint }>('SELECT count(*) AS n FROM vectors WHERE model = ?', [model.key]);
  return Number(row!.n);
}

interface Round {
  hybridMs: { p50: number; p95: number };
  queryEmbedMs: { p50: number; p95: number };
  stagesP50Ms: Record<string, number>;
  stagesP95Ms: Record<string, number>;
  repeatedQueryMs: { p50: number; p95: number };
  perQuery: Array<{ query: string; ms: number; timings: Record<string, number> }>;
  memoryMb: { rssBeforeEngine: number; rssLoaded: number; jsHeap: number; arrayBuffers: number };
}

const round1 = (n: number): number => +n.toFixed(1);
const p = (values: number[], q: number, digits = 1): number => +percentile(values, q).toFixed(digits);

type Tiers = { full: { pack: ModelPack; embedder: EmbedPool }; fast: { pack: StaticPack; embedder: StaticEmbedder } | null };

/**
 * One round: an engine per configuration, each on its own copy of the index, all open at once; the
 * 30 queries run once each (no cached query vectors), each query on every engine in turn, the
 * order flipping from query to query (and round to round), so that the configurations meet the
 * same load on a shared machine. Then each engine again from its result cache.
 */
async function hybridRound(setups: Array<{ dataDir: string; tiers: Tiers }>, flip: boolean): Promise<Round[]> {
  const rssBefore = process.memoryUsage().rss;
  const processor = new ChunkPool();
  const engines: Engine[] = [];
  for (const { dataDir, tiers } of setups) {
    engines.push(await Engine.open({ dataDir, processor, embedding: tiers.full, ...(tiers.fast ? { fastEmbedding: tiers.fast } : {}) }));
  }
  for (const engine of engines) await engine.search('warm up the model and load the vectors');
  const loaded = process.memoryUsage();
  for (const engine of engines) for (const warm of ['open file', 'close socket', 'read config']) await engine.search(warm);

  const runs = engines.map(() => ({ first: [] as number[], embedMs: [] as number[], stages: {} as Record<string, number[]>, perQuery: [] as Round['perQuery'], repeated: [] as number[] }));
  for (const [i, q] of LEXICAL_QUERIES.entries()) {
    const order = engines.map((_, e) => e);
    if ((i % 2 === 1) !== flip) order.reverse();
    for (const e of order) {
      const result = await engines[e]!.search(q);
      const run = runs[e]!;
      run.first.push(result.tookMs);
      run.perQuery.push({ query: q, ms: round1(result.tookMs), timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, round1(v)])) });
      run.embedMs.push(result.timings.embed);
      for (const [stage, ms] of Object.entries(result.timings)) (run.stages[stage] ??= []).push(ms);
    }
  }
  for (const [e, engine] of engines.entries()) for (let r = 0; r < 3; r++) for (const q of LEXICAL_QUERIES) runs[e]!.repeated.push((await engine.search(q)).tookMs);
  for (const engine of engines) engine.close();
  await processor.close();
  return runs.map(({ first, embedMs, stages, perQuery, repeated }) => ({
    hybridMs: { p50: p(first, 50), p95: p(first, 95) },
    queryEmbedMs: { p50: p(embedMs, 50), p95: p(embedMs, 95) },
    stagesP50Ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, p(v, 50)])),
    stagesP95Ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, p(v, 95)])),
    repeatedQueryMs: { p50: p(repeated, 50, 2), p95: p(repeated, 95, 2) },
    perQuery,
    memoryMb: {
      rssBeforeEngine: Math.round(rssBefore / MB),
      rssLoaded: Math.round(loaded.rss / MB),
      jsHeap: Math.round(loaded.heapUsed / MB),
      arrayBuffers: Math.round(loaded.arrayBuffers / MB),
    },
  }));
}

/** The median over rounds of each figure of a round. */
function medianRound(rounds: Round[]): Omit<Round, 'perQuery' | 'memoryMb'> & { rounds: Array<{ p50: number; p95: number }> } {
  const of = (get: (r: Round) => number): number => round1(median(rounds.map(get)));
  const stagesOf = (get: (r: Round) => Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.keys(get(rounds[0]!)).map((k) => [k, of((r) => get(r)[k]!)]));
  return {
    hybridMs: { p50: of((r) => r.hybridMs.p50), p95: of((r) => r.hybridMs.p95) },
    queryEmbedMs: { p50: of((r) => r.queryEmbedMs.p50), p95: of((r) => r.queryEmbedMs.p95) },
    stagesP50Ms: stagesOf((r) => r.stagesP50Ms),
    stagesP95Ms: stagesOf((r) => r.stagesP95Ms),
    repeatedQueryMs: { p50: +median(rounds.map((r) => r.repeatedQueryMs.p50)).toFixed(2), p95: +median(rounds.map((r) => r.repeatedQueryMs.p95)).toFixed(2) },
    rounds: rounds.map((r) => r.hybridMs),
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === MEASURE) return measureRss(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6], process.argv[7]);
  const { values, positionals: corpora } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      'models-dir': { type: 'string' },
      model: { type: 'string' },
      'fast-model': { type: 'string' },
      'fast-models-dir': { type: 'string' },
      rounds: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const { modelsDir, modelId } = await resolveBenchModel({ modelsDir: values['models-dir'], model: values.model }, 'minilm-l6-random');
  const pack = resolveModelPack(modelsDir, modelId);
  let fastPack: StaticPack | null = null;
  if (values['fast-model']) {
    const id = values['fast-model'];
    // The fast model from its own folder, else the transformer's when it has it, else the generated packs.
    const dir = values['fast-models-dir'] ?? (isStaticPack(modelsDir, id) ? modelsDir : undefined);
    const resolved = await resolveBenchModel({ modelsDir: dir, model: id }, id);
    fastPack = await resolveStaticPack(resolved.modelsDir, resolved.modelId);
  }
  const rounds = Number(values.rounds ?? process.env.QUARRY_BENCH_ROUNDS ?? (fastPack ? 3 : 1));
  const keep = values['data-dir'] !== undefined;
  const dataDir = keep ? path.resolve(values['data-dir']!) : await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-hybrid-'));

  if (!existsSync(path.join(dataDir, DATABASE_FILE))) {
    if (corpora.length === 0) throw new Error('give one or more corpus folders');
    await fs.mkdir(dataDir, { recursive: true });
    const chunkPool = new ChunkPool();
    const lexical = await Engine.open({ dataDir, processor: chunkPool });
    for (const corpus of corpora) {
      const run = lexical.index(await lexical.addFolder(corpus), { lexicalOnly: true });
      for (let step = await run.next(); !step.done; step = await run.next());
    }
    lexical.close();
    await chunkPool.close();
  }

  // Both tiers cover every chunk text: the most vectors either can hold (the transformer tier
  // leaves vendored, generated and fixture files to the fast tier by default, so it holds fewer).
  const store = await Store.open(path.join(dataDir, DATABASE_FILE));
  const vectors = await fillRandomVectors(store, pack);
  const fastVectors = fastPack ? await fillRandomVectors(store, fastPack) : 0;
  const chunks = Number((await store.all<{ n: bigint }>('SELECT count(*) AS n FROM chunks'))[0]!.n);
  const folders = (await store.listFolders()).map((f) => f.root);
  await store.checkpoint();
  store.close();

  const embedPool = new EmbedPool(pack, 'full', ['cpu']);
  const full = { pack, embedder: embedPool };
  // In this process, as StaticTierEmbedder embeds a query (its workers take only bursts of long work).
  const fast = fastPack ? { pack: fastPack, embedder: await (await import('../src/core/embedding/static-embedder.js')).StaticEmbedder.create(fastPack.modelsDir, fastPack.modelId) } : null;
  const configs: Array<'oneTier' | 'twoTiers'> = fast ? ['oneTier', 'twoTiers'] : ['oneTier'];
  // The two-tier engine gets its own copy of the index: one DuckDB file is opened by one engine.
  const twin = fast ? `${dataDir}-twin` : null;
  if (twin) {
    await fs.rm(twin, { recursive: true, force: true });
    await fs.cp(dataDir, twin, { recursive: true });
  }
  const setups = [{ dataDir, tiers: { full, fast: null } }, ...(twin ? [{ dataDir: twin, tiers: { full, fast } }] : [])];
  const byConfig: Record<string, Round[]> = { oneTier: [], twoTiers: [] };
  const rssByConfig: Record<string, RssSample[]> = { oneTier: [], twoTiers: [] };
  for (let r = 0; r < rounds; r++) {
    const results = await hybridRound(setups, r % 2 === 1);
    results.forEach((result, i) => byConfig[configs[i]!]!.push(result));
  }
  await embedPool.close();
  if (twin) await fs.rm(twin, { recursive: true, force: true });
  // Alternating: the order flips each round, so neither configuration always goes first.
  for (let r = 0; r < rounds; r++) {
    for (const config of r % 2 === 0 ? configs : [...configs].reverse()) {
      rssByConfig[config]!.push(freshRss(dataDir, pack, config === 'twoTiers' ? fastPack : null));
    }
  }
  if (!keep) await fs.rm(dataDir, { recursive: true, force: true });

  const mb = (samples: RssSample[], get: (s: RssSample) => number): number => Math.round(median(samples.map(get)) / MB);
  const header = `${chunks} chunks in ${folders.length} folders; ${vectors} vectors (${pack.modelId}, ${pack.dims} dims)${fastPack ? `, ${fastVectors} vectors (${fastPack.modelId}, ${fastPack.dims} dims)` : ''}`;
  console.log(header);
  for (const config of configs) {
    const rs = byConfig[config]!;
    const summary = medianRound(rs);
    const samples = rssByConfig[config]!;
    const separate = {
      nodeBaselineMb: mb(samples, (s) => s.nodeBaseline),
      engineMb: mb(samples, (s) => s.engine),
      ...(config === 'twoTiers'
        ? { transformersJsImportMb: mb(samples, (s) => s.withTransformersJs - s.engine), fastModelMb: mb(samples, (s) => s.withFastModel - s.withTransformersJs), engineWithFastModelMb: mb(samples, (s) => s.withFastModel) }
        : {}),
      embedWorkerMb: mb(samples, (s) => s.withWorker - s.withFastModel),
      engineMbRuns: samples.map((s) => Math.round(s.engine / MB)),
    };
    const label = config === 'oneTier' ? `one tier (${pack.modelId})` : `two tiers (${pack.modelId} + ${fastPack!.modelId})`;
    console.log(`\n${label}, median of ${rs.length} round(s)`);
    console.log(`hybrid query (30 queries, first run each)  p50 ${summary.hybridMs.p50} ms, p95 ${summary.hybridMs.p95} ms  (rounds: ${summary.rounds.map((x) => `${x.p50}/${x.p95}`).join(', ')})`);
    const slowest = rs.flatMap((r) => r.perQuery).sort((a, b) => b.ms - a.ms).slice(0, 3);
    for (const slow of slowest) console.log(`  slow: ${JSON.stringify(slow)}`);
    console.log(`  of which query embedding                 p50 ${summary.queryEmbedMs.p50} ms, p95 ${summary.queryEmbedMs.p95} ms`);
    console.log(`repeated query (result cache)              p50 ${summary.repeatedQueryMs.p50} ms, p95 ${summary.repeatedQueryMs.p95} ms`);
    console.log(`fresh process: engine with postings and vectors ${separate.engineMb} MB RSS (runs ${separate.engineMbRuns.join(', ')}; Node alone ${separate.nodeBaselineMb} MB)` +
      (config === 'twoTiers' ? `; importing transformers.js (under tsx) adds ${separate.transformersJsImportMb} MB, then the static model ${separate.fastModelMb} MB` : '') +
      `; the embed worker adds ${separate.embedWorkerMb} MB`);
    const m = rs.at(-1)!.memoryMb;
    const what = configs.length > 1 ? 'both engines' : 'the engine';
    console.log(`memory (last round, this process): RSS ${m.rssBeforeEngine} MB before opening, ${m.rssLoaded} MB with ${what} loaded (JS heap ${m.jsHeap} MB, typed arrays ${m.arrayBuffers} MB)`);
    console.log(JSON.stringify({ config, separateRss: separate }));
    const vectorCounts = config === 'twoTiers' ? { vectors, fastVectors } : { vectors };
    console.log(JSON.stringify({ config, corpora: folders, chunks, ...vectorCounts, ...summary }));
  }
}

await main();
