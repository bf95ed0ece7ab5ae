// `npm run bench:embed [-- --models-dir DIR --model ID <source-dir>]`: embedding throughput of the whole
// pipeline against a raw onnxruntime-node session on the same model, threads and inputs; query
// embedding latency; vector search over 100K vectors; engine memory. Random-weight models measure
// speed only, never retrieval quality.
import os from 'node:os';
import path from 'node:path';
import { LocalEmbedder } from '../src/core/embedding/local-embedder.js';
import { resolveModelPack } from '../src/core/embedding/model-pack.js';
import { VectorIndex } from '../src/core/search/vector-index.js';
import { EmbedPool, threadsFor } from '../src/main/embed-pool.js';
import { benchModel } from './bench-models.js';
import { codeChunks, rawOrtEmbedder } from './raw-ort.js';
import { percentile, randomUnit } from './stats.js';

const { modelsDir, modelId, positionals } = await benchModel(process.argv.slice(2));
const sourceDir = path.resolve(positionals[0] ?? 'src');
const CHUNKS = Number(process.env.QUARRY_BENCH_CHUNKS ?? 256);
const BATCH = 16;
const threads = threadsFor('full');

function recall(exact: Array<{ hash: string }>, approximate: Array<{ hash: string }>): number {
  const truth = new Set(exact.map((e) => e.hash));
  return approximate.filter((a) => truth.has(a.hash)).length / Math.max(1, truth.size);
}

async function timed(embed: (texts: string[]) => Promise<unknown>, texts: string[]): Promise<number> {
  await embed(texts);
  const started = performance.now();
  await embed(texts);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const pack = resolveModelPack(modelsDir, modelId);
  const texts = await codeChunks(sourceDir, CHUNKS);
  console.error(`${texts.length} chunks from ${sourceDir}; ${modelId}; ${threads} threads`);

  // The baseline: onnxruntime-node directly, on the same texts.
  const raw = await rawOrtEmbedder(modelsDir, modelId, threads, BATCH);
  const rawMs = await timed((t) => raw.embedAll(t), texts);
  const local = await LocalEmbedder.create(pack, { devices: ['cpu'], threads });
  const inProcessMs = await timed((t) => local.embed(t), texts);
  const pool = new EmbedPool(pack, 'full', ['cpu']);
  const workerMs = await timed((t) => pool.embed(t), texts);

  const queries = ['parse the configuration file', 'retry with exponential backoff', 'http request handler', 'open a database connection'];
  const queryMs: number[] = [];
  for (let r = 0; r < 10; r++) {
    for (const q of queries) {
      const t = performance.now();
      await pool.embed([`${q} ${r}`]);
      queryMs.push(performance.now() - t);
    }
  }
  await pool.close();

  // Vector search at 100K: speed does not depend on the values, so random unit vectors serve.
  const rssBefore = process.memoryUsage().rss;
  const index = new VectorIndex(pack.dims);
  for (let i = 0; i < 100_000; i++) index.add(`h${i}`, randomUnit(pack.dims));
  const vectorRssMb = (process.memoryUsage().rss - rssBefore) / 1048576;
  const searchMs = { exact: [] as number[], approximate: [] as number[] };
  let randomRecall = 0;
  for (let r = 0; r < 30; r++) {
    const query = randomUnit(pack.dims);
    let t = performance.now();
    const exact = index.search(query, 10, null, 'exact');
    searchMs.exact.push(performance.now() - t);
    t = performance.now();
    const approximate = index.search(query, 10, null, 'approximate');
    searchMs.approximate.push(performance.now() - t);
    randomRecall += recall(exact, approximate) / 30;
  }
  // Recall on the model's own vectors of real code (a random-weight model: geometry, not quality).
  const embedded = new VectorIndex(pack.dims);
  const vectors = await local.embed(texts);
  vectors.forEach((v, i) => embedded.add(`c${i}`, v));
  let modelRecall = 0;
  const probes = vectors.slice(0, 50);
  for (const probe of probes) modelRecall += recall(embedded.search(probe, 10, null, 'exact'), embedded.search(probe, 10, null, 'approximate')) / probes.length;

  const rate = (ms: number): number => Math.round((texts.length / ms) * 1000 * 10) / 10;
  const result = {
    model: modelId,
    threads,
    cores: os.availableParallelism(),
    chunks: texts.length,
    rawOrtChunksPerSecond: rate(rawMs),
    inProcessChunksPerSecond: rate(inProcessMs),
    workerChunksPerSecond: rate(workerMs),
    inProcessVsRaw: +(rawMs / inProcessMs).toFixed(3),
    workerVsRaw: +(rawMs / workerMs).toFixed(3),
    queryEmbedMs: { p50: +percentile(queryMs, 50).toFixed(1), p95: +percentile(queryMs, 95).toFixed(1) },
    vectorSearch100kMs: {
      exactP50: +percentile(searchMs.exact, 50).toFixed(1),
      exactP95: +percentile(searchMs.exact, 95).toFixed(1),
      binaryRerankP50: +percentile(searchMs.approximate, 50).toFixed(1),
      binaryRerankP95: +percentile(searchMs.approximate, 95).toFixed(1),
    },
    recallAt10: { randomVectors100k: +randomRecall.toFixed(3), modelVectors: +modelRecall.toFixed(3), modelVectorCount: texts.length },
    vectors100kRssMb: Math.round(vectorRssMb),
  };
  console.log(`raw onnxruntime session   ${result.rawOrtChunksPerSecond} chunks/s`);
  console.log(`pipeline, in-process      ${result.inProcessChunksPerSecond} chunks/s (${Math.round(result.inProcessVsRaw * 100)}% of raw)`);
  console.log(`pipeline, embed worker    ${result.workerChunksPerSecond} chunks/s (${Math.round(result.workerVsRaw * 100)}% of raw)`);
  console.log(`query embedding           p50 ${result.queryEmbedMs.p50} ms, p95 ${result.queryEmbedMs.p95} ms`);
  const v = result.vectorSearch100kMs;
  console.log(`vector search, 100K x ${pack.dims}  exact p50 ${v.exactP50} ms, p95 ${v.exactP95} ms; binary + re-rank p50 ${v.binaryRerankP50} ms, p95 ${v.binaryRerankP95} ms (${result.vectors100kRssMb} MB)`);
  console.log(`binary + re-rank recall@10  ${result.recallAt10.randomVectors100k} on 100K random vectors, ${result.recallAt10.modelVectors} on ${texts.length} model vectors`);
  console.log(JSON.stringify(result));
}

await main();
