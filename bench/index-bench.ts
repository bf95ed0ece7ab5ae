// `npm run bench:index [-- <corpus-dir>]`: lexical indexing and query speed on a real corpus, side by
// side in the same run with codesearch (cindex/csearch) and ripgrep. Prints a table and JSON.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Engine } from '../src/core/engine.js';
import type { IndexSummary } from '../src/shared/types.js';
import { ChunkPool } from '../src/main/chunk-pool.js';
import { has, timePeer } from './measure.js';
import { LEXICAL_QUERIES, REGEX_QUERIES } from './queries.js';
import { percentile } from './stats.js';

const corpus = path.resolve(process.argv[2] ?? process.env.QUARRY_BENCH_CORPUS ?? 'node_modules');
const repeats = Number(process.env.QUARRY_BENCH_REPEATS ?? 5);
const builds = Number(process.env.QUARRY_BENCH_BUILDS ?? 3);
/** Builds (each of ours and cindex's) from a cold page cache, as for a folder not read lately; needs root. */
const coldBuilds = Number(process.env.QUARRY_BENCH_COLD_BUILDS ?? 2);

/** Empties the kernel's page cache, so the next build reads the corpus from disk; false without root. */
function dropPageCache(): boolean {
  spawnSync('sync');
  return spawnSync('sh', ['-c', 'echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' }).status === 0;
}

/** Indexes a folder; `searchableMs` is when every file was lexically searchable (the end of the fast pass). */
async function runIndex(engine: Engine, folderPath: string): Promise<{ summary: IndexSummary; searchableMs: number }> {
  const started = performance.now();
  const folder = await engine.resolveFolder(folderPath).catch(() => engine.addFolder(folderPath));
  const run = engine.index(folder);
  let searchableMs: number | null = null;
  for (;;) {
    const step = await run.next();
    if (step.done) return { summary: step.value, searchableMs: searchableMs ?? performance.now() - started };
    const { phase, done, total } = step.value;
    if (phase === 'indexing' && done === total) searchableMs = performance.now() - started;
  }
}

/** A first build in a fresh data directory; the last one's engine is kept for the rest of the bench. */
async function freshBuild(): Promise<{ engine: Engine; pool: ChunkPool; dataDir: string; build: IndexSummary; searchableMs: number; buildMs: number }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-bench-'));
  const pool = new ChunkPool();
  // As in the app (compose's `indexing`): the workers load while the index opens.
  pool.start();
  const engine = await Engine.open({ dataDir, processor: pool });
  const started = performance.now();
  const { summary: build, searchableMs } = await runIndex(engine, corpus);
  return { engine, pool, dataDir, build, searchableMs, buildMs: performance.now() - started };
}

/**
 * RSS once the chunk threads were let go for idleness (a minute, as in the app), the main heap
 * collected and the allocators given time to hand memory back: what the app settles at between runs.
 */
async function settledRss(pool: ChunkPool): Promise<number> {
  while (pool.threadCount > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  // Measured: RSS held for about 25 s more (DuckDB's allocator hands freed pages back on a delay).
  await new Promise((resolve) => setTimeout(resolve, 35_000));
  return process.memoryUsage().rss / 1048576;
}

async function dispose(build: { engine: Engine; pool: ChunkPool; dataDir: string }): Promise<void> {
  build.engine.close();
  await build.pool.close();
  await fs.rm(build.dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.error(`corpus ${corpus}; ${os.availableParallelism()} cores; ${builds} builds each of ours and cindex's, alternating`);
  // This machine's speed drifts by a third between minutes: builds alternate with cindex's, and
  // medians are compared.
  const searchableRuns: number[] = [];
  const buildRuns: number[] = [];
  const cindexRuns: number[] = [];
  let last: Awaited<ReturnType<typeof freshBuild>> | null = null;
  const csIndex = path.join(os.tmpdir(), `quarry-bench-csearchindex-${process.pid}`);
  for (let i = 0; i < builds; i++) {
    if (last) await dispose(last);
    last = await freshBuild();
    searchableRuns.push(last.searchableMs);
    buildRuns.push(last.buildMs);
    if (has('cindex')) {
      await fs.rm(csIndex, { force: true });
      cindexRuns.push(timePeer('cindex', [corpus], { CSEARCHINDEX: csIndex })!);
    }
  }
  // The same from a cold page cache: reading the disk then costs both tools alike.
  const coldSearchableRuns: number[] = [];
  const coldCindexRuns: number[] = [];
  const coldRuns = coldBuilds > 0 && has('cindex') && dropPageCache() ? coldBuilds : 0;
  for (let i = 0; i < coldRuns; i++) {
    await dispose(last!);
    dropPageCache();
    last = await freshBuild();
    coldSearchableRuns.push(last.searchableMs);
    await fs.rm(csIndex, { force: true });
    dropPageCache();
    coldCindexRuns.push(timePeer('cindex', [corpus], { CSEARCHINDEX: csIndex })!);
  }
  const { engine, pool, dataDir, build } = last!;
  const searchableMs = percentile(searchableRuns, 50);
  const buildMs = percentile(buildRuns, 50);
  const cindexMs = cindexRuns.length ? percentile(cindexRuns, 50) : null;
  const status = await engine.status();
  const folder = status.folders[0]!;

  const noopStart = performance.now();
  const { summary: noop } = await runIndex(engine, corpus);
  const noopMs = performance.now() - noopStart;

  const lexicalCold: number[] = [];
  const lexical: number[] = [];
  // Uncached latency: the result cache would answer repeats in microseconds.
  for (const q of LEXICAL_QUERIES) lexicalCold.push((await engine.search(q, { fresh: true })).tookMs);
  for (let r = 0; r < repeats; r++) for (const q of LEXICAL_QUERIES) lexical.push((await engine.search(q, { fresh: true })).tookMs);
  const regex: number[] = [];
  for (let r = 0; r < repeats; r++) for (const q of REGEX_QUERIES) regex.push((await engine.search(q, { mode: 'regex', fresh: true })).tookMs);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const settledRssMb = await settledRss(pool);
  engine.close();
  await pool.close();

  // codesearch and ripgrep queries on the same corpus, same run.
  const csearch: number[] = [];
  const rg: number[] = [];
  if (cindexMs !== null) for (let r = 0; r < repeats; r++) for (const q of REGEX_QUERIES) csearch.push(timePeer('csearch', ['-n', q], { CSEARCHINDEX: csIndex })!);
  if (has('rg')) for (let r = 0; r < repeats; r++) for (const q of REGEX_QUERIES) rg.push(timePeer('rg', ['-n', '--no-heading', q, corpus])!);
  const cindexBytes = cindexMs !== null ? (await fs.stat(csIndex)).size : null;

  const result = {
    corpus,
    cores: os.availableParallelism(),
    files: build.filesSeen,
    filesIndexed: build.filesIndexed,
    filesSkipped: build.filesSkipped,
    chunks: build.chunksWritten,
    sourceBytes: folder.sourceBytes,
    builds,
    searchable: {
      ms: Math.round(searchableMs),
      runsMs: searchableRuns.map(Math.round),
      filesPerSecond: Math.round(build.filesSeen / (searchableMs / 1000)),
      mbPerSecond: +(folder.sourceBytes / 1048576 / (searchableMs / 1000)).toFixed(2),
    },
    build: {
      ms: Math.round(buildMs),
      runsMs: buildRuns.map(Math.round),
      filesPerSecond: Math.round(build.filesSeen / (buildMs / 1000)),
      mbPerSecond: +(folder.sourceBytes / 1048576 / (buildMs / 1000)).toFixed(2),
    },
    noopReindexMs: Math.round(noopMs),
    noopIndexed: noop.filesIndexed,
    indexBytes: status.indexBytes,
    indexToSource: +(status.indexBytes / folder.sourceBytes).toFixed(3),
    peakRssMb: Math.round(rssMb),
    settledRssMb: Math.round(settledRssMb),
    lexicalMs: { coldP50: +percentile(lexicalCold, 50).toFixed(1), p50: +percentile(lexical, 50).toFixed(1), p95: +percentile(lexical, 95).toFixed(1) },
    regexMs: { p50: +percentile(regex, 50).toFixed(1), p95: +percentile(regex, 95).toFixed(1) },
    codesearch: cindexMs === null ? null : {
      cindexMs: Math.round(cindexMs),
      cindexRunsMs: cindexRuns.map(Math.round),
      indexBytes: cindexBytes,
      csearchMs: { p50: +percentile(csearch, 50).toFixed(1), p95: +percentile(csearch, 95).toFixed(1) },
    },
    coldCache: coldSearchableRuns.length === 0 ? null : {
      searchableMs: Math.round(percentile(coldSearchableRuns, 50)),
      searchableRunsMs: coldSearchableRuns.map(Math.round),
      cindexMs: Math.round(percentile(coldCindexRuns, 50)),
      cindexRunsMs: coldCindexRuns.map(Math.round),
      searchableVsCindex: +(percentile(coldSearchableRuns, 50) / percentile(coldCindexRuns, 50)).toFixed(2),
    },
    ripgrepMs: rg.length ? { p50: +percentile(rg, 50).toFixed(1), p95: +percentile(rg, 95).toFixed(1) } : null,
    ratios: {
      searchableVsCindex: cindexMs ? +(searchableMs / cindexMs).toFixed(2) : null,
      buildVsCindex: cindexMs ? +(buildMs / cindexMs).toFixed(2) : null,
      regexP50VsCsearch: csearch.length ? +(percentile(regex, 50) / percentile(csearch, 50)).toFixed(2) : null,
      regexP50VsRipgrep: rg.length ? +(percentile(regex, 50) / percentile(rg, 50)).toFixed(2) : null,
    },
  };

  const rows: Array<[string, string]> = [
    ['corpus', `${corpus} (${result.files} files, ${(result.sourceBytes / 1048576).toFixed(1)} MiB indexed, ${result.chunks} chunks)`],
    ['lexically searchable (fast pass)', `median ${(searchableMs / 1000).toFixed(2)} s of ${builds}, ${result.searchable.filesPerSecond} files/s, ${result.searchable.mbPerSecond} MB/s`],
    ['syntax-aware lexical index', `median ${(buildMs / 1000).toFixed(2)} s, ${result.build.filesPerSecond} files/s, ${result.build.mbPerSecond} MB/s`],
    ['cindex build (same corpus)', cindexMs === null ? 'cindex not installed' : `median ${(cindexMs / 1000).toFixed(2)} s (searchable ${result.ratios.searchableVsCindex}x, syntax-aware ${result.ratios.buildVsCindex}x)`],
    ['from a cold page cache', result.coldCache
      ? `searchable median ${(result.coldCache.searchableMs / 1000).toFixed(2)} s, cindex ${(result.coldCache.cindexMs / 1000).toFixed(2)} s (${result.coldCache.searchableVsCindex}x) of ${coldSearchableRuns.length}`
      : 'not measured (needs root to drop the page cache, and cindex)'],
    ['no-op re-index', `${noopMs.toFixed(0)} ms`],
    ['index on disk / source', `${(status.indexBytes / 1048576).toFixed(1)} MiB / ${(folder.sourceBytes / 1048576).toFixed(1)} MiB = ${result.indexToSource}`],
    ['peak RSS (engine + chunk workers)', `${result.peakRssMb} MB`],
    ['RSS once idle (threads let go, 35 s later)', `${result.settledRssMb} MB`],
    ['lexical query (30 queries)', `cold p50 ${result.lexicalMs.coldP50} ms; warm p50 ${result.lexicalMs.p50} ms, p95 ${result.lexicalMs.p95} ms`],
    ['regex query (8 patterns)', `p50 ${result.regexMs.p50} ms, p95 ${result.regexMs.p95} ms`],
    ['csearch (same patterns)', result.codesearch ? `p50 ${result.codesearch.csearchMs.p50} ms, p95 ${result.codesearch.csearchMs.p95} ms (ours ${result.ratios.regexP50VsCsearch}x at p50)` : 'not installed'],
    ['ripgrep (same patterns)', result.ripgrepMs ? `p50 ${result.ripgrepMs.p50} ms, p95 ${result.ripgrepMs.p95} ms (ours ${result.ratios.regexP50VsRipgrep}x at p50)` : 'not installed'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log(JSON.stringify(result));
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(csIndex, { force: true });
}

await main();
