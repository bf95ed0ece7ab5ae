// `npm run bench:static [-- --models-dir DIR --model ID --static-model ID]`: the fast tier's
// throughput. The static (Model2Vec) embedder against the MiniLM-shaped transformer through
// LocalEmbedder, on the same code chunks of this repository, runs alternating, medians reported;
// and the two ways to run a static pack: the matrix read directly with the mean computed in JS (what
// StaticEmbedder does), against the same lookup and mean as an onnxruntime graph (the runtime
// transformers.js runs), on the same token ids; and StaticEmbedder's ASCII tokenizing path against
// tokenizing every text with transformers.js's tokenizer (the embedder's route before the ASCII
// path, same ids and vectors). Random-weight packs measure speed, never retrieval quality.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { LocalEmbedder } from '../src/core/embedding/local-embedder.js';
import { resolveModelPack } from '../src/core/embedding/model-pack.js';
import { StaticEmbedder } from '../src/core/embedding/static-embedder.js';
import { loadStaticPack } from '../src/core/embedding/static-pack.js';
import { threadsFor } from '../src/main/embed-pool.js';
import { OnnxGraph } from '../test/models/onnx-graph.js';
import { resolveBenchModel } from './bench-models.js';
import { codeChunks } from './raw-ort.js';
import { percentile } from './stats.js';

const { values } = parseArgs({ args: process.argv.slice(2), options: { 'models-dir': { type: 'string' }, model: { type: 'string' }, 'static-model': { type: 'string' } } });
const transformer = await resolveBenchModel({ modelsDir: values['models-dir'], model: values.model }, 'minilm-l6-random');
const fast = await resolveBenchModel({ modelsDir: values['models-dir'], model: values['static-model'] }, 'potion-code-random');
/** Chunks for the static routes. */
const CHUNKS = Number(process.env.QUARRY_BENCH_CHUNKS ?? 2000);
/** The transformer embeds an evenly spaced sample of them (about 12-25 chunks/s on 2 cores: 2,000 would take minutes a run); the ratio compares both on that sample. */
const SAMPLE = Number(process.env.QUARRY_BENCH_MINILM_CHUNKS ?? 200);
const RUNS = Number(process.env.QUARRY_BENCH_RUNS ?? 3);
const BATCH = 64;
const threads = threadsFor('full');

/** Chunks from this repository's own code, src/ first, until there are `limit`. */
async function repoChunks(limit: number): Promise<string[]> {
  const texts: string[] = [];
  for (const dir of ['src', 'test', 'bench', 'scripts', 'e2e']) {
    if (texts.length >= limit) break;
    texts.push(...(await codeChunks(path.resolve(dir), limit - texts.length)));
  }
  return texts;
}

/**
 * The static pack's lookup and mean as an ONNX graph: Gather the rows of the padded token ids,
 * zero the padding, sum over tokens, L2-normalize. What an exported static model computes
 * (model2vec's scripts/export_to_onnx.py: EmbeddingBag mean, then normalize).
 */
async function ortStaticSession(modelsDir: string, modelId: string): Promise<ort.InferenceSession> {
  const loaded = await loadStaticPack(modelsDir, modelId);
  const g = new OnnxGraph();
  const rows = g.op('Gather', [g.float('embeddings', [loaded.rows, loaded.pack.dims], loaded.embeddings), 'input_ids']);
  const mask = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], { to: 1 }), g.int64('axes', [1], [2])]);
  const summed = g.op('ReduceSum', [g.op('Mul', [rows, mask]), g.int64('axes', [1], [1])], { keepdims: 0 });
  const normalized = g.op('LpNormalization', [summed], { axis: -1, p: 2 });
  const model = g.encode({ producer: 'quarry-bench', inputs: ['input_ids', 'attention_mask'], result: normalized, output: 'embeddings', outputDims: ['batch_size', loaded.pack.dims] });
  return ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/** Embeds token ids through the ONNX graph, length-sorted batches of BATCH. */
async function ortEmbed(session: ort.InferenceSession, tokenIds: number[][]): Promise<void> {
  const order = tokenIds.map((_, i) => i).sort((a, b) => tokenIds[a]!.length - tokenIds[b]!.length);
  for (let start = 0; start < order.length; start += BATCH) {
    const batch = order.slice(start, start + BATCH).map((i) => tokenIds[i]!);
    const width = Math.max(1, ...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(batch.length * width);
    const mask = new BigInt64Array(batch.length * width);
    batch.forEach((row, b) => row.forEach((id, t) => {
      ids[b * width + t] = BigInt(id);
      mask[b * width + t] = 1n;
    }));
    await session.run({ input_ids: new ort.Tensor('int64', ids, [batch.length, width]), attention_mask: new ort.Tensor('int64', mask, [batch.length, width]) });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const texts = await repoChunks(CHUNKS);
  const sample = Array.from({ length: Math.min(SAMPLE, texts.length) }, (_, i) => texts[Math.floor((i * texts.length) / Math.min(SAMPLE, texts.length))]!);
  const chars = texts.reduce((n, t) => n + t.length, 0);
  console.error(`${texts.length} chunks (${Math.round(chars / texts.length)} chars on average) of this repository; ${fast.modelId} vs ${transformer.modelId} on ${sample.length} of them; ${threads} threads; ${RUNS} runs`);

  const started = performance.now();
  const staticEmbedder = await StaticEmbedder.create(fast.modelsDir, fast.modelId);
  const staticLoadMs = performance.now() - started;
  const session = await ortStaticSession(fast.modelsDir, fast.modelId);
  const local = await LocalEmbedder.create(resolveModelPack(transformer.modelsDir, transformer.modelId), { devices: ['cpu'], threads });
  // Warm-up: JIT, the tokenizer's word cache and onnxruntime's first runs, as a long-running engine has them.
  await staticEmbedder.embed(texts);
  const tokenIds = texts.map((t) => staticEmbedder.tokenIds(t));
  await ortEmbed(session, tokenIds);
  await local.embed(sample.slice(0, 16));

  texts.forEach((t) => staticEmbedder.pool(staticEmbedder.libraryTokenIds(t)));

  const ms = { staticAll: [] as number[], staticSample: [] as number[], tokenize: [] as number[], libraryAll: [] as number[], libraryTokenize: [] as number[], ortGraph: [] as number[], transformer: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    ms.staticAll.push(await timed(() => staticEmbedder.embed(texts)));
    ms.tokenize.push(await timed(async () => texts.map((t) => staticEmbedder.tokenIds(t))));
    // Every text through transformers.js's tokenizer (with the word cache), then the same pooling.
    ms.libraryAll.push(await timed(async () => texts.map((t) => staticEmbedder.pool(staticEmbedder.libraryTokenIds(t)))));
    ms.libraryTokenize.push(await timed(async () => texts.map((t) => staticEmbedder.libraryTokenIds(t))));
    // The graph route on the same ids, plus the tokenizing it needs as well.
    ms.ortGraph.push((await timed(() => ortEmbed(session, texts.map((t) => staticEmbedder.tokenIds(t))))));
    ms.transformer.push(await timed(() => local.embed(sample)));
    ms.staticSample.push(await timed(() => staticEmbedder.embed(sample)));
  }
  const median = (xs: number[]): number => percentile(xs, 50);
  const rate = (count: number, xs: number[]): number => Math.round((count / median(xs)) * 1000);
  const staticRate = rate(texts.length, ms.staticAll);
  const result = {
    staticModel: fast.modelId,
    transformerModel: transformer.modelId,
    threads,
    cores: os.availableParallelism(),
    chunks: texts.length,
    sampleChunks: sample.length,
    runs: RUNS,
    staticLoadMs: Math.round(staticLoadMs),
    staticChunksPerSecond: staticRate,
    staticTokenizeShare: +(median(ms.tokenize) / median(ms.staticAll)).toFixed(2),
    asciiPath: staticEmbedder.asciiPath,
    libraryTokenizerChunksPerSecond: rate(texts.length, ms.libraryAll),
    libraryTokenizeShare: +(median(ms.libraryTokenize) / median(ms.libraryAll)).toFixed(2),
    asciiVsLibrary: +(median(ms.libraryAll) / median(ms.staticAll)).toFixed(2),
    ortGraphChunksPerSecond: rate(texts.length, ms.ortGraph),
    directVsOrtGraph: +(median(ms.ortGraph) / median(ms.staticAll)).toFixed(2),
    staticSampleChunksPerSecond: rate(sample.length, ms.staticSample),
    transformerSampleChunksPerSecond: +((sample.length / median(ms.transformer)) * 1000).toFixed(1),
    staticVsTransformer: Math.round(median(ms.transformer) / median(ms.staticSample)),
  };
  console.log(`static, direct (StaticEmbedder)   ${result.staticChunksPerSecond} chunks/s on ${texts.length} chunks (tokenizing ${Math.round(result.staticTokenizeShare * 100)}% of it; ASCII path ${result.asciiPath ? 'on' : 'off'}); loaded in ${result.staticLoadMs} ms`);
  console.log(`static, every text through transformers.js's tokenizer   ${result.libraryTokenizerChunksPerSecond} chunks/s (tokenizing ${Math.round(result.libraryTokenizeShare * 100)}% of it): the ASCII path is ${result.asciiVsLibrary}x`);
  console.log(`static, onnxruntime graph         ${result.ortGraphChunksPerSecond} chunks/s, tokenizing included (direct is ${result.directVsOrtGraph}x)`);
  console.log(`on the ${sample.length}-chunk sample: static ${result.staticSampleChunksPerSecond} chunks/s, ${transformer.modelId} ${result.transformerSampleChunksPerSecond} chunks/s: static is ${result.staticVsTransformer}x (target >= 50x)`);
  console.log(JSON.stringify(result));
}

await main();
