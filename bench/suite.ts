// `npm run bench [-- [<corpus-dir>] [--quick] [--check | --update-baseline] [--build DIR] [--only W,W] [--record DATA_DIR]]`:
// the benchmark suite and its regression gate. It runs the built app (`npm run build`, or the
// copy of it that --build names) on a corpus generated from a seed, or on a copy of the folder
// given, and measures each workload in alternating runs against a reference measured in the same
// job (see gate.ts for the statistic):
// - index: a lexical build (against a fixed CPU loop) and the semantic pass (against raw
//   onnxruntime embedding the same chunks), beside cindex;
// - reindex: a no-op and an incremental re-index through the engine (against `node -e 0`), beside `rg --files`;
// - search: each mode, uncached (against the CPU loop), regex beside csearch and rg;
// - cli, mcp: a search from a new CLI process (against `node -e 0`) and an MCP round trip (against the CPU loop);
// - cache: hit rates over a replayed query log; memory: the engine's RSS against bare Node's.
// Writes JSON and a Markdown report; --check exits 1 with one line per regressed ratio; --record
// keeps the ratios in a data directory's metrics history, where Trends shows them.
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CacheStats, SearchMode } from '../src/shared/types.js';
import { engineClient, type EngineClient } from '../src/main/engine/engine-client.js';
import { readEndpoint } from '../src/main/engine/endpoint.js';
import { liveEndpoint } from '../src/main/engine/engine-launcher.js';
import { threadsFor } from '../src/main/embed-pool.js';
import { SeededRandom } from '../test/models/seeded-random.js';
import { resolveBenchModel } from './bench-models.js';
import { builtCli, mcpSearchMs, mcpSession, type BuiltCli } from './built-cli.js';
import { generateCorpus } from './corpus.js';
import { judge, ratioFigure, readBaseline, TOLERANCE, writeBaseline, type RatioFigure, type Verdict } from './gate.js';
import { cpuReferenceMs, has, nodeStartMs, processMemoryMb, timePeer } from './measure.js';
import { LEXICAL_QUERIES, REGEX_QUERIES } from './queries.js';
import { codeChunks, rawOrtEmbedder } from './raw-ort.js';
import { percentile } from './stats.js';

const WORKLOADS = ['index', 'reindex', 'search', 'cli', 'mcp', 'cache', 'memory'] as const;
type Workload = (typeof WORKLOADS)[number];

/** How much of each workload a variant runs: --quick must stay within a few minutes on 2 cores. */
const VARIANTS = {
  quick: { generatedFiles: 300, builds: 3, rounds: 5, cliRuns: 7, queries: 12 },
  full: { generatedFiles: 2000, builds: 5, rounds: 7, cliRuns: 15, queries: LEXICAL_QUERIES.length },
};
/** The fixed CPU reference's size beside each query, and beside a build (about 0.08 ms a unit here). */
const CPU_UNITS_PER_QUERY = 100;
const CPU_UNITS_PER_BUILD = 4000;
const EDITED_FILES = 5;
const QUERY_LOG_LENGTH = 300;
const MODES: SearchMode[] = ['lexical', 'regex', 'semantic', 'hybrid'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'models-dir': { type: 'string' },
    model: { type: 'string' },
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'update-baseline': { type: 'boolean', default: false },
    baseline: { type: 'string', default: path.resolve(import.meta.dirname, 'baseline.json') },
    build: { type: 'string', default: 'out' },
    only: { type: 'string' },
    out: { type: 'string', default: '.tmp/bench' },
    /** A data directory whose engine keeps the ratios in its metrics history, for Trends. */
    record: { type: 'string' },
  },
});
const variantName = values.quick ? 'quick' : 'full';
const variant = VARIANTS[variantName];
const given = positionals[0];
const profile = `${variantName}:${given ? path.basename(path.resolve(given)) : 'generated'}`;
const selected = new Set<Workload>(values.only !== undefined ? values.only.split(',').map((w) => {
  if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`--only: unknown workload "${w}" (${WORKLOADS.join(', ')})`);
  return w as Workload;
}) : WORKLOADS);
const log = (line: string): void => console.error(`bench: ${line}`);

interface Results {
  /** Ratios the gate judges: each against a reference that every machine has. */
  figures: Record<string, RatioFigure>;
  /** Ratios against peers, side by side; a missing peer is reported as missing. */
  peers: Record<string, RatioFigure | 'missing'>;
  cacheHitRates: Record<string, number> | null;
  memoryMb: { engineRss: number; enginePeak: number; nodeRss: number; ratio: number } | null;
  corpus: { path: string; files: number; chunks: number; embedded: number };
}

/** A copy of the corpus to index and edit: the folder given is never written to. */
async function prepareCorpus(workDir: string): Promise<string> {
  const corpus = path.join(workDir, 'corpus');
  if (given) execFileSync('cp', ['-r', path.resolve(given), corpus]);
  else await generateCorpus(corpus, variant.generatedFiles);
  return corpus;
}

/** The engine's search caches (those in memory) cleared: a timed search then does all its work. */
async function clearCaches(client: EngineClient): Promise<void> {
  for (const cache of await client.caches({})) if (cache.kind === 'memory') await client.clearCache({ name: cache.name });
}

/**
 * Runs `rounds` rounds over `items`, calling every measure on each item in turn, so ours and its
 * references alternate closely; returns each measure's total per round (null if a peer is missing).
 */
async function alternating<K extends string>(rounds: number, items: string[], measures: Record<K, (item: string) => Promise<number | null> | number | null>): Promise<Record<K, Array<number | null>>> {
  const keys = Object.keys(measures) as K[];
  const times = Object.fromEntries(keys.map((k) => [k, [] as Array<number | null>])) as Record<K, Array<number | null>>;
  for (let r = 0; r < rounds; r++) {
    const totals = Object.fromEntries(keys.map((k) => [k, 0 as number | null])) as Record<K, number | null>;
    for (const item of items) {
      for (const key of keys) {
        const ms = await measures[key](item);
        totals[key] = ms === null || totals[key] === null ? null : totals[key] + ms;
      }
    }
    for (const key of keys) times[key].push(totals[key]);
  }
  return times;
}

/** A peer's figure, or 'missing' when it was not installed. */
function peerFigure(reference: string, ours: Array<number | null>, peer: Array<number | null>): RatioFigure | 'missing' {
  return peer.some((ms) => ms === null) ? 'missing' : ratioFigure(reference, ours as number[], peer as number[]);
}

async function main(): Promise<number> {
  if (values.check && values['update-baseline']) throw new Error('--check and --update-baseline do not go together');
  const { modelsDir, modelId } = await resolveBenchModel({ modelsDir: values['models-dir'], model: values.model }, 'bert-tiny-random');
  const buildDir = path.resolve(values.build);
  const lexicalCli = builtCli(buildDir);
  const cli = builtCli(buildDir, ['--models-dir', modelsDir, '--model', modelId, '--device', 'cpu', '--budget', 'full']);
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-suite-'));
  const results: Results = { figures: {}, peers: {}, cacheHitRates: null, memoryMb: null, corpus: { path: given ? path.resolve(given) : `generated (${variant.generatedFiles} files, seed 13)`, files: 0, chunks: 0, embedded: 0 } };
  const started = performance.now();
  try {
    const corpus = await prepareCorpus(workDir);
    log(`${profile}: ${buildDir}, model ${modelId}, workloads ${[...selected].join(', ')}`);
    cpuReferenceMs(CPU_UNITS_PER_BUILD); // warm: the loop's first run is not yet compiled
    const dataDir = await indexWorkload(results, corpus, workDir, lexicalCli, cli, modelsDir, modelId);
    cli.run(dataDir, 'daemon', 'start');
    try {
      const endpoint = (await readEndpoint(dataDir))!;
      const client = engineClient(endpoint);
      const status = await client.status({});
      results.corpus.files = status.folders[0]!.files;
      results.corpus.chunks = status.folders[0]!.chunks;
      results.corpus.embedded = status.embeddings.entries;
      if (selected.has('reindex')) await reindexWorkload(results, corpus, dataDir, cli);
      if (selected.has('search')) await searchWorkload(results, client, corpus, workDir);
      if (selected.has('cli')) await cliWorkload(results, client, dataDir, cli);
      if (selected.has('mcp')) await mcpWorkload(results, client, dataDir, cli);
      if (selected.has('cache')) results.cacheHitRates = await cacheWorkload(client);
      if (selected.has('memory')) results.memoryMb = memory(endpoint.pid);
      client.close();
    } finally {
      cli.run(dataDir, 'daemon', 'stop');
    }
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
  return finish(results, (performance.now() - started) / 1000);
}

/**
 * Builds in fresh data directories, each lexically (no model) then semantically, alternating with
 * the CPU reference, cindex and raw onnxruntime. Returns the last build's data directory.
 */
async function indexWorkload(results: Results, corpus: string, workDir: string, lexicalCli: BuiltCli, cli: BuiltCli, modelsDir: string, modelId: string): Promise<string> {
  let dataDir = '';
  let round = 0;
  const build = { lexical: () => {
    dataDir = path.join(workDir, `data-${round++}`);
    log(`build ${round}`);
    return lexicalCli.run(dataDir, '--in-process', 'index', corpus);
  }, semantic: () => cli.run(dataDir, '--in-process', 'index', corpus) };
  if (!selected.has('index')) {
    // The other workloads still need an index, built once and not timed.
    await alternating(1, [corpus], build);
    return dataDir;
  }
  const texts = await codeChunks(corpus, Number.POSITIVE_INFINITY);
  const raw = await rawOrtEmbedder(modelsDir, modelId, threadsFor('full'), 16);
  await raw.embedAll(texts.slice(0, 64)); // warm every op once
  const csIndex = path.join(workDir, 'csearchindex');
  const times = await alternating(variant.builds, [corpus], {
    lexical: build.lexical,
    cpu: () => cpuReferenceMs(CPU_UNITS_PER_BUILD),
    cindex: async () => {
      await fs.rm(csIndex, { force: true });
      return timePeer('cindex', [corpus], { CSEARCHINDEX: csIndex });
    },
    semantic: build.semantic,
    rawOrt: async () => {
      const t = performance.now();
      await raw.embedAll(texts);
      return performance.now() - t;
    },
  });
  results.figures['index.lexical'] = ratioFigure(`fixed CPU loop (${CPU_UNITS_PER_BUILD} units)`, times.lexical as number[], times.cpu as number[]);
  results.figures['index.semantic'] = ratioFigure(`raw onnxruntime, the same ${texts.length} chunks`, times.semantic as number[], times.rawOrt as number[]);
  results.peers['index.lexical vs cindex'] = peerFigure('cindex', times.lexical, times.cindex);
  return dataDir;
}

/** A no-op re-index and one after editing a few files, through the running engine. */
async function reindexWorkload(results: Results, corpus: string, dataDir: string, cli: BuiltCli): Promise<void> {
  cli.run(dataDir, 'index', corpus); // the engine's first run under its watcher; later ones are settled
  const sources = (await fs.readdir(corpus, { recursive: true })).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(corpus, f));
  let edit = 0;
  const rounds = variant.builds;
  const noop = { ours: [] as number[], node: [] as number[], rg: [] as Array<number | null> };
  const incremental = { ours: [] as number[], node: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    noop.ours.push(cli.run(dataDir, 'index', corpus));
    noop.node.push(nodeStartMs());
    noop.rg.push(timePeer('rg', ['--files', corpus]));
    for (let i = 0; i < EDITED_FILES; i++) {
      const file = sources[(edit * 7919) % sources.length]!;
      await fs.appendFile(file, `\nexport function benchEdit${edit}() { return ${edit}; }\n`);
      edit++;
    }
    incremental.ours.push(cli.run(dataDir, 'index', corpus));
    incremental.node.push(nodeStartMs());
  }
  results.figures['reindex.noop'] = ratioFigure('node -e 0', noop.ours, noop.node);
  results.figures['reindex.incremental'] = ratioFigure(`node -e 0 (${EDITED_FILES} files edited)`, incremental.ours, incremental.node);
  results.peers['reindex.noop vs rg --files'] = peerFigure('rg --files', noop.ours, noop.rg);
}

/** Each mode's uncached search time inside the engine over the query list, per round; regex beside csearch and rg. */
async function searchWorkload(results: Results, client: EngineClient, corpus: string, workDir: string): Promise<void> {
  const lexicalQueries = LEXICAL_QUERIES.slice(0, variant.queries);
  const csIndex = path.join(workDir, 'csearchindex');
  const hasCsearch = has('csearch') && has('cindex');
  if (hasCsearch && !selected.has('index')) timePeer('cindex', [corpus], { CSEARCHINDEX: csIndex });
  const search = async (mode: SearchMode, query: string): Promise<number> => {
    await clearCaches(client);
    return (await client.search({ requestId: 'bench', query, mode, limit: 10 })).tookMs;
  };
  for (const mode of MODES) {
    const queries = mode === 'regex' ? REGEX_QUERIES : lexicalQueries;
    for (const query of queries.slice(0, 3)) await search(mode, query); // warm
    const measures: Record<string, (query: string) => Promise<number | null> | number | null> = {
      ours: (query) => search(mode, query),
      cpu: () => cpuReferenceMs(CPU_UNITS_PER_QUERY),
    };
    if (mode === 'regex') {
      measures.csearch = (query) => (hasCsearch ? timePeer('csearch', ['-n', query], { CSEARCHINDEX: csIndex }) : null);
      measures.rg = (query) => timePeer('rg', ['-n', '--no-heading', query, corpus]);
    }
    const times = await alternating(variant.rounds, queries, measures);
    results.figures[`search.${mode}`] = ratioFigure(`fixed CPU loop (${CPU_UNITS_PER_QUERY} units a query)`, times.ours as number[], times.cpu as number[]);
    if (mode === 'regex') {
      results.peers['search.regex vs csearch'] = peerFigure('csearch process', times.ours!, times.csearch!);
      results.peers['search.regex vs rg'] = peerFigure('rg process', times.ours!, times.rg!);
    }
  }
}

/** A search from a new CLI process, engine warm, against starting Node alone. */
async function cliWorkload(results: Results, client: EngineClient, dataDir: string, cli: BuiltCli): Promise<void> {
  let run = 0;
  const times = await alternating(variant.cliRuns, [''], {
    ours: async () => {
      await clearCaches(client);
      return cli.run(dataDir, 'search', '--mode', 'lexical', '--limit', '10', '--', LEXICAL_QUERIES[run++ % LEXICAL_QUERIES.length]!);
    },
    node: nodeStartMs,
  });
  results.figures['cli.search'] = ratioFigure('node -e 0', times.ours as number[], times.node as number[]);
}

/** MCP `search` round trips over stdio, uncached, per round of queries. */
async function mcpWorkload(results: Results, client: EngineClient, dataDir: string, cli: BuiltCli): Promise<void> {
  const session = await mcpSession(cli, dataDir);
  const queries = LEXICAL_QUERIES.slice(0, variant.queries);
  const search = async (query: string): Promise<number> => {
    await clearCaches(client);
    return mcpSearchMs(session, query);
  };
  for (const query of queries.slice(0, 3)) await search(query); // warm
  const times = await alternating(variant.rounds, queries, { ours: search, cpu: () => cpuReferenceMs(CPU_UNITS_PER_QUERY) });
  await session.close();
  results.figures['mcp.search'] = ratioFigure(`fixed CPU loop (${CPU_UNITS_PER_QUERY} units a query)`, times.ours as number[], times.cpu as number[]);
}

/**
 * Hit rates of every cache over a replayed query log: queries drawn with a fixed seed, the
 * popular ones far more often (Zipf, s = 1), as people repeat searches.
 */
async function cacheWorkload(client: EngineClient): Promise<Record<string, number>> {
  const random = new SeededRandom(7);
  const weights = LEXICAL_QUERIES.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const draw = (): string => {
    let x = random.uniform() * total;
    for (const [i, w] of weights.entries()) if ((x -= w) < 0) return LEXICAL_QUERIES[i]!;
    return LEXICAL_QUERIES.at(-1)!;
  };
  await clearCaches(client);
  const before = await client.caches({});
  for (let i = 0; i < QUERY_LOG_LENGTH; i++) await client.search({ requestId: 'bench-log', query: draw(), limit: 10 });
  const after = await client.caches({});
  const rate = (a: CacheStats, b: CacheStats | undefined): number => {
    const hits = a.hits - (b?.hits ?? 0);
    const lookups = hits + a.misses - (b?.misses ?? 0);
    return lookups === 0 ? 0 : Math.round((hits / lookups) * 1000) / 1000;
  };
  return Object.fromEntries(after.map((cache) => [cache.name, rate(cache, before.find((b) => b.name === cache.name))]));
}

/** The engine's resident memory now and at its peak, against a bare Node process's. */
function memory(enginePid: number): Results['memoryMb'] {
  const engine = processMemoryMb(enginePid);
  const nodeRss = Number(execFileSync(process.execPath, ['-e', 'console.log(process.memoryUsage().rss)'], { encoding: 'utf8' })) / 1048576;
  return { engineRss: Math.round(engine.rss), enginePeak: Math.round(engine.peak), nodeRss: Math.round(nodeRss), ratio: Math.round((engine.rss / nodeRss) * 100) / 100 };
}

async function finish(results: Results, seconds: number): Promise<number> {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const baselineFile = values.baseline;
  let verdicts: Verdict[] | null = null;
  let code = 0;
  if (values.check) {
    const baseline = (await readBaseline(baselineFile))[profile];
    if (!baseline) {
      console.log(`no baseline for ${profile} in ${baselineFile}: run \`npm run bench -- ${variantName === 'quick' ? '--quick ' : ''}--update-baseline\``);
      code = 2;
    } else {
      verdicts = judge(results.figures, baseline.figures);
      for (const v of verdicts) console.log(v.line);
      const regressed = verdicts.filter((v) => v.status === 'regressed').length;
      console.log(regressed ? `bench --check: ${regressed} ratio(s) regressed` : `bench --check: no ratio regressed (${verdicts.filter((v) => v.status === 'ok').length} checked)`);
      code = regressed ? 1 : 0;
    }
  }
  if (values['update-baseline']) {
    await writeBaseline(baselineFile, profile, commit, results.figures);
    console.log(`baseline for ${profile} written to ${baselineFile}`);
  }
  const report = { profile, commit, cores: os.availableParallelism(), node: process.version, seconds: Math.round(seconds), ...results, verdicts };
  const outDir = path.resolve(values.out);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'bench-report.json'), JSON.stringify(report, null, 2) + '\n');
  await fs.writeFile(path.join(outDir, 'bench-report.md'), markdown(report));
  console.log(JSON.stringify({ profile, figures: Object.fromEntries(Object.entries(results.figures).map(([k, f]) => [k, { ratio: f.ratio, noise: f.noise }])) }));
  log(`${Math.round(seconds)} s; report in ${path.join(outDir, 'bench-report.md')} and bench-report.json`);
  // After the report is written: a failure to record must not lose it, or the check's verdict.
  if (values.record) await recordInTrends(path.resolve(values.record), results.figures, commit);
  return code;
}

/** Sends the gated ratios to the engine of `dataDir` (started with the build's CLI if none runs), which keeps them for Trends. */
async function recordInTrends(dataDir: string, figures: Record<string, RatioFigure>, commit: string): Promise<void> {
  let endpoint = await liveEndpoint(dataDir);
  if (!endpoint) {
    execFileSync(process.execPath, [path.resolve(values.build, 'main', 'cli.js'), '--data-dir', dataDir, 'daemon', 'start'], { stdio: 'ignore' });
    endpoint = await liveEndpoint(dataDir);
  }
  if (!endpoint) throw new Error(`no engine serves ${dataDir}, and none could be started`);
  const ratios = Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, { ratio: f.ratio, noise: f.noise }]));
  await engineClient(endpoint).recordBenchmark({ profile, commit, figures: ratios });
  log(`recorded in the metrics history of ${dataDir}: its Trends page shows the ratios`);
}

function markdown(report: Results & { profile: string; commit: string; cores: number; node: string; seconds: number; verdicts: Verdict[] | null }): string {
  const ms = (xs: number[]): string => percentile(xs, 50).toFixed(1);
  const row = (name: string, f: RatioFigure): string => `| ${name} | ${f.ratio} | ${(f.noise * 100).toFixed(1)}% | ${ms(f.oursMs)} | ${ms(f.referenceMs)} | ${f.reference} |`;
  const lines = [
    `# Quarry bench: ${report.profile}`,
    '',
    `Commit ${report.commit}, ${report.cores} cores, Node ${report.node}, ${report.seconds} s. Corpus: ${report.corpus.path}: ${report.corpus.files} files, ${report.corpus.chunks} chunks, ${report.corpus.embedded} embedded.`,
    '',
    `**Statistic.** Each figure is a ratio, our time over a reference's, from runs alternating ours and the reference in the same job. The figure is the median of the per-run ratios; its noise is their relative half-range, (max − min) / 2 / median. \`--check\` fails a figure above baseline × (1 + ${TOLERANCE * 100}% + noise), noise being the sum of the baseline's and this run's. Lower is better.`,
    '',
    '## Gated figures',
    '',
    '| figure | ratio | noise | ours, median ms | reference, median ms | reference |',
    '|---|---|---|---|---|---|',
    ...Object.entries(report.figures).map(([name, f]) => row(name, f)),
    '',
    '## Peers, side by side (not gated)',
    '',
    '| figure | ratio | noise | ours, median ms | peer, median ms | peer |',
    '|---|---|---|---|---|---|',
    ...Object.entries(report.peers).map(([name, f]) => (f === 'missing' ? `| ${name} | missing | | | | not installed |` : row(name, f))),
    '',
  ];
  if (report.cacheHitRates) lines.push('## Cache hit rates over a replayed query log', '', `${QUERY_LOG_LENGTH} searches (default mode) drawn from the ${LEXICAL_QUERIES.length} fixed queries, Zipf-weighted, fixed seed.`, '', '| cache | hit rate |', '|---|---|', ...Object.entries(report.cacheHitRates).map(([name, rate]) => `| ${name} | ${(rate * 100).toFixed(1)}% |`), '');
  if (report.memoryMb) lines.push('## Memory', '', `Engine RSS ${report.memoryMb.engineRss} MB (peak ${report.memoryMb.enginePeak} MB) after the workloads; bare Node ${report.memoryMb.nodeRss} MB; ratio ${report.memoryMb.ratio} (one sample, not gated).`, '');
  if (report.verdicts) lines.push('## Check', '', ...report.verdicts.map((v) => `- ${v.line}`), '');
  return lines.join('\n');
}

process.exitCode = await main();
