// `npm run bench:embed [-- --models-dir DIR --model ID <source-dir>]`: embedding throughput of the whole
// pipeline against a raw onnxruntime-node session on the same model, threads and inputs; query
// embedding latency; vector search over 100K vectors; engine memory. Random-weight models measure
// speed only, never retrieval quality.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { Chunker } from '../src/core/chunk/chunker.js';
import { LocalEmbedder } from '../src/core/embedding/local-embedder.js';
import { resolveModelPack } from '../src/core/embedding/model-pack.js';
import { languageOf } from '../src/core/files/language.js';
import { VectorIndex } from '../src/core/search/vector-index.js';
import { walkFolder } from '../src/core/walk/walker.js';
import { EmbedPool, threadsFor } from '../src/main/embed-pool.js';
import { benchModel } from './bench-models.js';
import { percentile, randomUnit } from './stats.js';

const { modelsDir, modelId, positionals } = await benchModel(process.argv.slice(2));
const sourceDir = path.resolve(positionals[0] ?? 'src');
const CHUNKS = Number(process.env.QUARRY_BENCH_CHUNKS ?? 256);
const BATCH = 16;
const threads = threadsFor('full');


/** Real code chunks, as indexing makes them. */
async function codeChunks(): Promise<string[]> {
  const chunker = await Chunker.create();
  const texts: string[] = [];
  for await (const item of walkFolder(sourceDir, { maxFileBytes: 1 << 20 })) {
    if (item.type !== 'file') continue;
    const text = await fs.readFile(item.absPath, 'utf8');
    for (const chunk of await chunker.chunk(text, languageOf(item.relPath))) texts.push(chunk.text);
    if (texts.length >= CHUNKS) break;
  }
  return texts.slice(0, CHUNKS);
}

/** The baseline: onnxruntime-node directly, same tokenizer, length-sorted batches, mean pooling. */
async function rawOrt(texts: string[]): Promise<number> {
  const pack = resolveModelPack(modelsDir, modelId);
  env.allowRemoteModels = false;
  env.localModelPath = `${modelsDir}/`;
  const tokenizer = await AutoTokenizer.from_pretrained(modelId, { local_files_only: true });
  const session = await ort.InferenceSession.create(path.join(modelsDir, modelId, 'onnx', 'model_quantized.onnx'), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const sorted = [...texts].sort((a, b) => a.length - b.length);
  const run = async (): Promise<void> => {
    for (let i = 0; i < sorted.length; i += BATCH) {
      const encoded = tokenizer(sorted.slice(i, i + BATCH), { padding: true, truncation: true, max_length: pack.maxTokens });
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of session.inputNames) {
        const tensor = (encoded as unknown as Record<string, { data: BigInt64Array; dims: number[] }>)[name]!;
        feeds[name] = new ort.Tensor('int64', tensor.data, tensor.dims);
      }
      const out = await session.run(feeds);
      const hidden = out[session.outputNames[0]!]!;
      // mean pooling over the attention mask, as the pipeline does
      const [batch, seq, dims] = hidden.dims as number[];
      const data = hidden.data as Float32Array;
      const mask = (encoded as unknown as Record<string, { data: BigInt64Array }>).attention_mask!.data;
      for (let b = 0; b < batch!; b++) {
        const pooled = new Float32Array(dims!);
        let count = 0;
        for (let t = 0; t < seq!; t++) {
          if (mask[b * seq! + t] === 0n) continue;
          count++;
          for (let d = 0; d < dims!; d++) pooled[d]! += data[(b * seq! + t) * dims! + d]!;
        }
        for (let d = 0; d < dims!; d++) pooled[d]! /= count;
      }
    }
  };
  await run(); // warm-up: first inference of each shape is slower
  const started = performance.now();
  await run();
  return performance.now() - started;
}


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
  const texts = await codeChunks();
  console.error(`${texts.length} chunks from ${sourceDir}; ${modelId}; ${threads} threads`);

  const rawMs = await rawOrt(texts);
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
