import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { EventListener, EventName, QuarryApi } from '../shared/contract.js';
import type { CacheStats, FolderInfo, SearchMode } from '../shared/types.js';
import { formatBytes, formatDuration, formatInvalidated } from '../shared/format.js';
import { formatCache, formatExplain, formatHit, formatProgress, formatStatus, formatSummary } from './cli-format.js';
import { evalCommand, type EvalOptions } from './cli-eval.js';
import { reportsCommand } from './cli-reports.js';
import { UsageError } from './cli-usage.js';
import { followRuns, requestIndexing } from './follow-runs.js';

/** What the CLI's data commands run against: the engine's client, or a service in this process. */
export interface CliBackend {
  api: QuarryApi;
  /** Subscribes to a push event; resolves once events flow, with the unsubscribe function. */
  subscribe<E extends EventName>(event: E, listener: EventListener<E>): Promise<() => void>;
  /** Rejects if the engine goes away while events are awaited. */
  lost: Promise<never>;
}

export interface DataCommandOptions extends Omit<EvalOptions, 'json'> {
  /** `cache configure`: the new capacity, and time to live in seconds ('none': no limit). */
  maxEntries?: string | undefined;
  ttl?: string | undefined;
  json: boolean;
  mode: SearchMode | undefined;
  limit: number;
  cursor: string | undefined;
  explain: boolean;
  /** `index`: return once the folders are lexically searchable; embeddings go on in the engine. */
  noWait: boolean;
  /** `cache gc`: say what would be freed, and free nothing. */
  dryRun: boolean;
  /** `index`: walk each folder even when its watcher has seen no change. */
  verify: boolean;
  watch: boolean;
}

/** The commands that read or change the index; each goes through the contract. */
export async function runDataCommand(backend: CliBackend, command: string, args: string[], options: DataCommandOptions): Promise<number> {
  const { api } = backend;
  switch (command) {
    case 'add': {
      const folder = await api.addFolder({ path: path.resolve(requireArg(args, 'add <dir>')) });
      print(options.json, folder, `added ${folder.name} (${folder.root}); it is being indexed`);
      return 0;
    }
    case 'remove': {
      await api.removeFolder({ folder: folderRef(requireArg(args, 'remove <name|dir>')) });
      return 0;
    }
    case 'folders': {
      const folders = await api.folders({});
      if (options.json) for (const f of folders) console.log(JSON.stringify(f));
      else for (const f of folders) console.log(`${f.name}\t${f.root}`);
      return 0;
    }
    case 'index':
      return indexFolders(backend, args[0], options);
    case 'search': {
      const result = await api.search({
        requestId: `cli-${process.pid}`,
        query: args.join(' '),
        limit: options.limit,
        ...(options.mode ? { mode: options.mode } : {}),
        ...(options.cursor ? { cursor: options.cursor } : {}),
      });
      if (options.json) {
        for (const hit of result.hits) console.log(JSON.stringify(hit));
      } else {
        const color = Boolean(process.stdout.isTTY);
        for (const hit of result.hits) console.log(formatHit(hit, color) + '\n');
        const coverage = result.embeddingCoverage === null ? '' : `, ${Math.round(result.embeddingCoverage * 100)}% of chunks embedded`;
        console.error(`${result.hits.length} results in ${result.tookMs.toFixed(1)} ms (${result.mode}${coverage})`);
      }
      if (options.explain) console.error(formatExplain(result));
      if (result.cursor) console.error(`more: --cursor ${result.cursor}`);
      return 0;
    }
    case 'eval':
      return evalCommand(api, requireArg(args, 'eval <labels.jsonl>'), options);
    case 'cache':
      return cacheCommand(api, args, options);
    case 'reports':
      return reportsCommand(api, args[0], options);
    case 'stats': {
      const metrics = await api.prometheusMetrics({});
      console.log(options.json ? JSON.stringify(metrics.json) : metrics.text.trimEnd());
      return 0;
    }
    case 'status': {
      const report = await api.status({});
      console.log(options.json ? JSON.stringify(report) : formatStatus(report));
      return 0;
    }
    case 'skipped': {
      const skipped = await api.skipped(args[0] ? { folder: folderRef(args[0]) } : {});
      if (options.json) for (const s of skipped) console.log(JSON.stringify(s));
      else for (const s of skipped) console.log(`${s.folder}/${s.path}\t${s.reason}\t${s.detail}`);
      if (!options.json && skipped.length === 0) console.error('no skipped files');
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

/**
 * `index [<dir>]`: asks the engine to index one folder (adding it if new) or every folder, and
 * follows its progress events until each run's summary (or, with `noWait`, until the folder is
 * lexically searchable). `watch` then prints every later run's summary until Ctrl-C.
 */
async function indexFolders(backend: CliBackend, dir: string | undefined, options: DataCommandOptions): Promise<number> {
  const { api } = backend;
  const tty = Boolean(process.stderr.isTTY) && !options.json;
  let lastPrinted = 0;
  let lastPhase = '';
  const runs = await followRuns(backend, {
    untilSearchable: options.noWait,
    onProgress: (p) => {
      if (tty) process.stderr.write(`\r\x1b[2K${formatProgress(p, true)}`);
      else if (!options.json && p.phase !== 'done' && (p.phase !== lastPhase || performance.now() - lastPrinted > 2000)) {
        console.error(formatProgress(p, false));
        lastPrinted = performance.now();
        lastPhase = p.phase;
      }
    },
  });
  try {
    const folders = dir === undefined ? await api.folders({}) : [];
    if (dir === undefined && folders.length === 0) throw new UsageError('No folders yet: `quarry index <dir>` or `quarry add <dir>` first');
    for (const folder of folders) runs.asking(folder.name);
    const outcomes = folders.map((folder) => runs.outcome(folder.name));
    for (const folder of folders) await api.reindexFolder({ folder: folder.name, ...(options.verify ? { verify: true } : {}) });
    if (dir !== undefined) {
      const { folder } = await requestIndexing(api, dir, { runs, verify: options.verify });
      folders.push(folder);
      outcomes.push(runs.outcome(folder.name));
    }
    let failed = false;
    for (const [i, outcome] of (await Promise.all(outcomes)).entries()) {
      if (tty) process.stderr.write('\r\x1b[2K');
      const name = folders[i]!.name;
      if (outcome.kind === 'summary') console.log(options.json ? JSON.stringify(outcome.summary) : formatSummary(outcome.summary));
      else if (outcome.kind === 'searchable') console.error(`${name}: searchable; embeddings go on in the background`);
      else {
        console.error(`quarry: indexing ${name} failed: ${outcome.error}`);
        failed = true;
      }
    }
    if (options.watch) await followWatch(backend, folders, options.json);
    return failed ? 1 : 0;
  } finally {
    runs.stop();
  }
}

/** `index --watch`: the engine watches every folder; this prints each run's summary until Ctrl-C. */
async function followWatch(backend: CliBackend, folders: FolderInfo[], json: boolean): Promise<void> {
  const names = new Set(folders.map((f) => f.name));
  console.error(`watching ${[...names].join(', ')} (Ctrl-C to stop)`);
  const off = await backend.subscribe('indexed', (summary) => {
    if (names.has(summary.folder)) console.log(json ? JSON.stringify(summary) : formatSummary(summary));
  });
  await Promise.race([
    backend.lost,
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }),
  ]).finally(off);
}

/** `cache list|clear NAME|invalidate NAME|configure NAME [--max-entries N] [--ttl SECS|none]|warm|gc`: every cache the engine keeps. */
async function cacheCommand(api: QuarryApi, args: string[], options: DataCommandOptions): Promise<number> {
  const [action, name] = args;
  const show = (caches: CacheStats[]): void => {
    for (const cache of caches) console.log(options.json ? JSON.stringify(cache) : formatCache(cache));
  };
  if (action === 'list' || action === undefined) {
    show(await api.caches({}));
    return 0;
  }
  if (action === 'warm') {
    const { warmed, ms } = await api.warmCache({});
    print(options.json, { warmed, ms }, `warmed the result cache with ${warmed} frequent ${warmed === 1 ? 'query' : 'queries'} in ${formatDuration(ms)}`);
    return 0;
  }
  if (action === 'gc') {
    const report = await api.collectGarbage({ dryRun: options.dryRun });
    const what = `${report.vectors} stored ${report.vectors === 1 ? 'vector' : 'vectors'} no chunk uses (${formatBytes(report.bytes)})`;
    print(options.json, report, report.applied ? `deleted ${what}` : `would delete ${what}; run without --dry-run to free it`);
    return 0;
  }
  if (!name || (action !== 'clear' && action !== 'invalidate' && action !== 'configure')) {
    throw new UsageError('Usage: quarry cache list | clear <name> | invalidate <name> | configure <name> [--max-entries N] [--ttl SECS|none] | warm | gc [--dry-run]');
  }
  if (action === 'invalidate') {
    const result = await api.invalidateCache({ name });
    print(options.json, result, `${formatInvalidated(result.dropped, result.byCause)}\n${formatCache(result.cache)}`);
    return 0;
  }
  if (action === 'clear') {
    show([await api.clearCache({ name })]);
    return 0;
  }
  const maxEntries = options.maxEntries === undefined ? undefined : Number(options.maxEntries);
  if (maxEntries !== undefined && !(Number.isInteger(maxEntries) && maxEntries >= 1)) throw new UsageError('--max-entries needs a whole number of at least 1');
  const ttlSeconds = options.ttl === undefined ? undefined : options.ttl === 'none' ? null : Number(options.ttl);
  if (typeof ttlSeconds === 'number' && !(ttlSeconds > 0)) throw new UsageError('--ttl needs a number of seconds, or none');
  if (maxEntries === undefined && ttlSeconds === undefined) throw new UsageError('cache configure needs --max-entries or --ttl');
  show([await api.configureCache({ name, ...(maxEntries === undefined ? {} : { maxEntries }), ...(ttlSeconds === undefined ? {} : { ttlSeconds }) })]);
  return 0;
}

/** A folder argument as the engine must see it: a directory here becomes its absolute path, anything else is a name. */
function folderRef(arg: string): string {
  return existsSync(arg) && statSync(arg).isDirectory() ? path.resolve(arg) : arg;
}

function requireArg(args: string[], usage: string): string {
  if (!args[0]) throw new UsageError(`Usage: quarry ${usage}`);
  return args[0];
}

function print(json: boolean, value: unknown, text: string): void {
  console.log(json ? JSON.stringify(value) : text);
}
