// `npm run bench:engine -- <corpus-dir> [--load SECONDS]`: the engine as its clients see it, on the
// built CLI (`npm run build` first), side by side in the same run with `node -e 0` and `rg --files`:
// - a warm CLI search's wall time against `node -e 0`;
// - the first command, which must start the engine, against the engine's own open time;
// - an MCP `search` round trip over stdio;
// - a no-op re-index through the CLI against `rg --files`;
// - with --load, concurrent clients (CLI processes, MCP sessions, HTTP) while the corpus changes;
// - what recording a search's metrics costs against a warm search, and a history sample against 5 s.
// Lexical only (no model), so the figures are the engine's and the transports', not a model's.
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../src/core/engine.js';
import { IndexScheduler } from '../src/core/indexing/scheduler.js';
import { emptyBuckets } from '../src/core/observability/latency-histogram.js';
import { MetricsHistory } from '../src/core/observability/metrics-history.js';
import type { SearchResult } from '../src/shared/types.js';
import { ChunkPool } from '../src/main/chunk-pool.js';
import { engineClient } from '../src/main/engine/engine-client.js';
import { readEndpoint } from '../src/main/engine/endpoint.js';
import { ServiceMetrics } from '../src/main/service/metrics.js';
import { SettingsStore } from '../src/main/settings-store.js';
import { builtCli, mcpSession, mcpSearchMs } from './built-cli.js';
import { has, nodeStartMs, processMemoryMb, wall } from './measure.js';
import { LEXICAL_QUERIES } from './queries.js';
import { percentile } from './stats.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { load: { type: 'string' }, runs: { type: 'string' } } });
const corpus = path.resolve(positionals[0] ?? 'node_modules');
const RUNS = Number(values.runs ?? 7);
const median = (xs: number[]): number => percentile(xs, 50);
/** The service's sampling interval: what a history write is a share of. */
const SAMPLE_EVERY_MS = 5000;
const round = (x: number): number => Math.round(x * 10) / 10;

const cli = builtCli();
const quarry = (dataDir: string, ...args: string[]): number => cli.run(dataDir, ...args);

/**
 * What recording a search's metrics costs, everything the service does per search (the Prometheus
 * histogram's total and six stages, the last minute's window, the history's buckets and the query
 * log), against what a warm lexical search costs inside the engine; and what keeping one metrics
 * sample in the history file costs, against the 5 s between samples. Both in this process, medians.
 */
async function metricsCost(dataDir: string): Promise<{ recordUs: number; searchMs: number; share: number; sampleMs: number; sampleP95Ms: number; sampleShare: number }> {
  const pool = new ChunkPool();
  const engine = await Engine.open({ dataDir, processor: pool });
  // A sampler that never fires while measuring: only recordSearch is timed here.
  const metrics = new ServiceMetrics(engine, new SettingsStore(dataDir), new IndexScheduler(engine), () => true, 3_600_000, { watcherFailures: () => 0, staleFolders: async () => 0 });
  const searches: number[] = [];
  let sample: SearchResult | null = null;
  for (const query of LEXICAL_QUERIES) {
    sample = await engine.search(query, { mode: 'lexical', fresh: true });
    searches.push(sample.tookMs);
  }
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) metrics.recordSearch(sample!, { query: LEXICAL_QUERIES[i % LEXICAL_QUERIES.length]!, mode: 'lexical' });
    rounds.push(((performance.now() - started) / 10_000) * 1000);
  }
  await metrics.stop();
  engine.close();
  await pool.close();
  const samples = await historySampleCost(dataDir);
  const recordUs = median(rounds);
  return {
    recordUs: Math.round(recordUs * 100) / 100,
    searchMs: round(median(searches)),
    share: Math.round((recordUs / 1000 / median(searches)) * 10000) / 100,
    sampleMs: round(median(samples)),
    sampleP95Ms: round(percentile(samples, 95)),
    sampleShare: Math.round((median(samples) / SAMPLE_EVERY_MS) * 10000) / 100,
  };
}

/** The time of each `record` of three hours of samples (5 s apart) into a fresh history file: the roll-ups included. */
async function historySampleCost(dataDir: string): Promise<number[]> {
  const history = await MetricsHistory.open(path.join(dataDir, 'bench-history.duckdb'));
  const times: number[] = [];
  const start = Date.UTC(2026, 0, 1);
  const buckets = emptyBuckets();
  buckets[4] = 3;
  for (let i = 0; i < (3 * 3_600_000) / SAMPLE_EVERY_MS; i++) {
    const counts: Record<string, number> = { 'work.indexing': 40, 'work.parsing': 20, 'work.embedding': 64 };
    for (const cache of ['search results', 'query vectors']) Object.assign(counts, { [`cache.hits.${cache}`]: 2, [`cache.misses.${cache}`]: 1 });
    const started = performance.now();
    await history.record({
      at: start + i * SAMPLE_EVERY_MS,
      counts,
      gauges: { 'memory.rss_mb': 400, 'memory.heap_mb': 60, 'index.bytes': 1e8, 'embedding.coverage': 0.5 },
      histograms: { 'search.lexical': buckets, 'search.hybrid': buckets, 'search.regex': buckets },
    });
    times.push(performance.now() - started);
  }
  await history.close();
  return times;
}

/** The engine's open time in this process: store, postings and mirrors, as the daemon opens them. */
async function engineOpenMs(dataDir: string): Promise<number> {
  const pool = new ChunkPool();
  const started = performance.now();
  const engine = await Engine.open({ dataDir, processor: pool });
  const ms = performance.now() - started;
  engine.close();
  await pool.close();
  return ms;
}

async function mcpRoundTrips(dataDir: string, queries: string[]): Promise<number[]> {
  const client = await mcpSession(cli, dataDir);
  const times: number[] = [];
  for (const query of queries) times.push(await mcpSearchMs(client, query));
  await client.close();
  return times;
}

async function main(): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-engine-bench-'));
  console.error(`indexing ${corpus} through the CLI (the engine starts on demand)…`);
  const buildMs = quarry(dataDir, 'index', corpus);
  console.error(`built in ${round(buildMs / 1000)} s`);

  // The first command of a session: engine stopped, then `status` starts it. Alternating with the open time measured here.
  const firstCommand: number[] = [];
  const openTimes: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    quarry(dataDir, 'daemon', 'stop');
    openTimes.push(await engineOpenMs(dataDir));
    firstCommand.push(quarry(dataDir, 'status'));
  }

  // Warm searches against `node -e 0`, alternating; each query once, so the engine's result cache does not answer.
  const search: number[] = [];
  const nodeBaseline: number[] = [];
  for (let i = 0; i < RUNS * 3; i++) {
    nodeBaseline.push(nodeStartMs());
    search.push(quarry(dataDir, 'search', '--mode', 'lexical', '--limit', '10', '--', LEXICAL_QUERIES[i % LEXICAL_QUERIES.length]!));
  }

  const mcp = await mcpRoundTrips(dataDir, [...LEXICAL_QUERIES, ...LEXICAL_QUERIES.map((q) => `${q} -path:test`)]);

  // A no-op re-index is answered from the engine's watcher; --verify walks the tree anyway.
  const reindex: number[] = [];
  const verified: number[] = [];
  const rgFiles: number[] = [];
  const hasRg = has('rg');
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    if (hasRg) rgFiles.push(wall('rg', ['--files', corpus]));
    reindex.push(quarry(dataDir, 'index', corpus));
    verified.push(quarry(dataDir, 'index', corpus, '--verify'));
  }

  // In this process, so the engine has to let go of the directory first.
  quarry(dataDir, 'daemon', 'stop');
  const metrics = await metricsCost(dataDir);

  const result: Record<string, unknown> = {
    corpus,
    cores: os.availableParallelism(),
    cliSearch: { p50Ms: round(median(search)), nodeE0P50Ms: round(median(nodeBaseline)), ratio: round(median(search) / median(nodeBaseline)) },
    firstCommand: { p50Ms: round(median(firstCommand)), engineOpenP50Ms: round(median(openTimes)), overOpenMs: round(median(firstCommand) - median(openTimes)) },
    mcpSearch: { p50Ms: round(percentile(mcp, 50)), p95Ms: round(percentile(mcp, 95)), calls: mcp.length },
    metricsRecording: { perSearchUs: metrics.recordUs, warmSearchP50Ms: metrics.searchMs, sharePercent: metrics.share },
    historySample: { medianMs: metrics.sampleMs, p95Ms: metrics.sampleP95Ms, shareOfIntervalPercent: metrics.sampleShare },
    noopReindex: {
      p50Ms: round(median(reindex)),
      verifyP50Ms: round(median(verified)),
      rgFilesP50Ms: hasRg ? round(median(rgFiles)) : null,
      ratio: hasRg ? round(median(reindex) / median(rgFiles)) : null,
      verifyRatio: hasRg ? round(median(verified) / median(rgFiles)) : null,
    },
  };
  if (values.load) result.load = await load(dataDir, Number(values.load));
  quarry(dataDir, 'daemon', 'stop');
  await fs.rm(dataDir, { recursive: true, force: true });

  const r = result as { cliSearch: { p50Ms: number; nodeE0P50Ms: number; ratio: number }; firstCommand: { p50Ms: number; engineOpenP50Ms: number; overOpenMs: number }; mcpSearch: { p50Ms: number; p95Ms: number }; noopReindex: { p50Ms: number; verifyP50Ms: number; rgFilesP50Ms: number | null; ratio: number | null; verifyRatio: number | null } };
  console.log(`CLI search, engine warm   p50 ${r.cliSearch.p50Ms} ms; node -e 0 ${r.cliSearch.nodeE0P50Ms} ms; ratio ${r.cliSearch.ratio}x`);
  console.log(`first command (starts it) p50 ${r.firstCommand.p50Ms} ms; engine open ${r.firstCommand.engineOpenP50Ms} ms; over open ${r.firstCommand.overOpenMs} ms`);
  console.log(`MCP search round trip     p50 ${r.mcpSearch.p50Ms} ms, p95 ${r.mcpSearch.p95Ms} ms`);
  console.log(`metrics per search        ${metrics.recordUs} µs against a warm search's ${metrics.searchMs} ms: ${metrics.share}%`);
  console.log(`no-op re-index via CLI    p50 ${r.noopReindex.p50Ms} ms (walked with --verify: ${r.noopReindex.verifyP50Ms} ms); rg --files ${r.noopReindex.rgFilesP50Ms ?? '–'} ms; ratios ${r.noopReindex.ratio ?? '–'}x, ${r.noopReindex.verifyRatio ?? '–'}x`);
  console.log(JSON.stringify(result));
}

/**
 * `seconds` of 20 concurrent clients searching (4 CLI loops, 4 MCP sessions, 12 HTTP clients)
 * while a copy of a corpus folder is indexed and files in it change under the watcher.
 */
async function load(dataDir: string, seconds: number): Promise<Record<string, unknown>> {
  await quarry(dataDir, 'status'); // engine up
  const endpoint = (await readEndpoint(dataDir))!;
  const changing = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-load-'));
  spawnSync('cp', ['-r', path.join(corpus, 'packages', 'babel-parser'), changing]);
  const deadline = Date.now() + seconds * 1000;
  const times: number[] = [];
  let errors = 0;
  const record = async (run: () => Promise<unknown>): Promise<void> => {
    const started = performance.now();
    try {
      await run();
      times.push(performance.now() - started);
    } catch (error) {
      errors++;
      console.error(`load: ${(error as Error).message}`);
    }
  };
  const query = (i: number): string => LEXICAL_QUERIES[i % LEXICAL_QUERIES.length]!;
  const cliLoop = async (n: number): Promise<void> => {
    for (let i = n; Date.now() < deadline; i += 4) {
      await record(() => new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [cli.path, '--data-dir', dataDir, 'search', '--mode', 'lexical', '--', query(i)], { stdio: 'ignore' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`CLI search exited ${code}`))));
      }));
    }
  };
  const mcpLoop = async (n: number): Promise<void> => {
    const client = await mcpSession(cli, dataDir);
    for (let i = n; Date.now() < deadline; i += 4) await record(() => mcpSearchMs(client, `${query(i)} ${i % 7 === 0 ? '-path:test' : ''}`.trim()));
    await client.close();
  };
  const httpLoop = async (n: number): Promise<void> => {
    const client = engineClient(endpoint);
    for (let i = n; Date.now() < deadline; i += 12) await record(() => client.search({ requestId: `load-${n}`, query: `${query(i)} path:${i % 3 === 0 ? 'src' : 'lib'}`, mode: 'lexical' }));
    client.close();
  };
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(Math.round(processMemoryMb(endpoint.pid).rss)), 5000);
  const churn = (async () => {
    // The folder indexes, then its files change under the watcher until the end.
    await record(() => engineClient(endpoint).addFolder({ path: path.join(changing, 'babel-parser') }));
    for (let i = 0; Date.now() < deadline; i++) {
      await fs.writeFile(path.join(changing, 'babel-parser', 'src', `load-${i % 20}.ts`), `export function loadChange${i}() { return ${i}; }\n`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  await Promise.all([...[0, 1, 2, 3].map(cliLoop), ...[0, 1, 2, 3].map(mcpLoop), ...Array.from({ length: 12 }, (_, n) => httpLoop(n)), churn]);
  clearInterval(sampler);
  await fs.rm(changing, { recursive: true, force: true });
  return {
    seconds,
    clients: 20,
    requests: times.length,
    errors,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    p99Ms: round(percentile(times, 99)),
    engineRssMb: rss,
  };
}

await main();
