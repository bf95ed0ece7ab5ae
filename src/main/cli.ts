import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FAST_MODEL_SOURCE, DEFAULT_MODEL_SOURCE, downloadModel, type ModelSource, type PackLayout } from '../core/embedding/model-download.js';
import { DEFAULT_FAST_MODEL_ID, DEFAULT_MODEL_ID } from '../core/embedding/model-pack.js';
import { isQuarryError, QuarryError } from '../shared/errors.js';
import { formatBytes } from '../shared/format.js';
import type { SearchMode } from '../shared/types.js';
import { runDataCommand } from './cli-commands.js';
import { isUsageError, UsageError } from './cli-usage.js';
import type { DevicePreference, QuarryConfig } from './compose.js';
import { defaultDataDir } from './data-dir.js';
import type { ResourceBudget } from './embed-pool.js';
import { connectEngine, liveEndpoint, ownerEndpoint } from './engine/engine-launcher.js';
import { reconnectingBackend, type ClosableBackend } from './engine/reconnecting-backend.js';
import { describeOwner, stopProcess, type Endpoint } from './engine/endpoint.js';

const USAGE = `Usage: quarry <command> [options]

Every command that reads or changes the index talks to the one engine that owns the data
directory: the desktop app, \`quarry serve\`, or a background engine started on demand.

Commands:
  add <dir>                 add a folder to search (it is indexed in the background)
  remove <name|dir>         forget a folder and its index
  folders                   list the added folders
  index [<dir>]             index one folder (adding it if new) or all folders, showing progress
      --no-wait             return once the folder is lexically searchable; embeddings go on
      --lexical-only        same as --no-wait
      --verify              walk the folder even when its watcher has seen no change since the last run
      --watch               then print each re-index as files change (Ctrl-C stops)
  search <query>            search; query syntax: words "exact phrase" /regex/ lang:ts path:src/ -path:test repo:NAME
      --mode hybrid|semantic|lexical|regex
                            (default hybrid when a model is available, else lexical;
                             /regex/ in the query also switches to regex)
      --regex               same as --mode regex
      --limit N             results to show (default 20, at most 200)
      --cursor C            the next page (printed after a page that has more)
      --explain             stage timings and cache use
  status                    folders, file and chunk counts, skipped files by reason, index size
  skipped [<name>]          skipped files with their reasons
  cache list                every cache (search results, query vectors, stored embeddings, unchanged-file
                            skips): hits, misses, entries, bytes, entries dropped by cause, settings, what each can do
  cache clear <name>        empty one; "unchanged-file skips" makes every folder's next run re-read each file
  cache invalidate <name>   drop only the entries no longer valid, by cause: rankings of past index generations,
                            entries past their TTL (memory caches only)
  cache configure <name>    --max-entries N, --ttl SECS|none, while the engine runs
  cache warm                rank the week's most frequent queries into the result cache now (done at start too)
  cache gc [--dry-run]      delete the stored vectors no chunk uses, saying how many and the bytes freed
  eval <labels.jsonl>       search quality on labelled queries ({"query", "relevant": [paths], "kind"} per line,
                            paths relative to the folder): MRR@10, recall@1/5/10 and latency per mode and kind
      --folder NAME|DIR     the indexed folder the set is about (needed when there are several)
      --modes LIST          e.g. lexical,hybrid (default lexical, plus semantic and hybrid with a model)
      --save FILE           write the report as JSON, to compare later runs against
      --baseline FILE       compare with a saved report: what moved, and which queries got worse
      --check               exit 1 when MRR@10 or recall@10 drops by more than --margin (default 0.05)
  reports [<name>]          index run reports, newest first: files by outcome, time and throughput per pass,
                            skipped files by reason, the slowest files (--limit N, default 20)
  stats                     the engine's metrics in Prometheus's text format (--json: prom-client's JSON);
                            the engine also serves them at GET /metrics with the token from DATA_DIR/engine.json
  serve                     browser mode: the app on http://127.0.0.1 (the URL with its token is printed first);
                            it owns the data directory, taking over from a background engine
      --port N              port to listen on (default: a free one)
  daemon start|stop|status  the background engine: start it, stop it, or say whether one runs
  daemon run                be the background engine in this process (what \`daemon start\` spawns)
      --idle-timeout SECS   stop after this long unused (default 600; env QUARRY_IDLE_TIMEOUT)
  mcp                       an MCP server on stdio for AI agents (search, read_code, status, index_folder,
                            pause/resume_indexing, cache_stats, clear_cache, invalidate_cache, configure_cache,
                            warm_cache, collect_garbage, performance)
  models download           fetch the embedding model into the models folder (resumable, verified)
  models download fast      fetch the fast tier's static model (minishlab/potion-code-16M) the same way
      --endpoint URL        hub to fetch from (default https://huggingface.co); serve's Settings downloads from it too
      --repo NAME           repository (default Xenova/all-MiniLM-L6-v2)

Engine options (used when this command starts the engine):
  --models-dir DIR          folder of embedding models (default DATA_DIR/models; env QUARRY_MODELS_DIR)
  --model ID|none           the transformer tier's model folder name, or none to turn the tier off
                            (default all-MiniLM-L6-v2; env QUARRY_MODEL)
  --embed-all               the transformer also embeds vendored, generated and fixture files, which it
                            otherwise leaves to the fast tier (env QUARRY_EMBED_ALL=1)
  --fast-model ID|none      the fast tier: a static (Model2Vec) model folder that covers a folder in seconds,
                            embedded before the model above (default potion-code-16M when installed;
                            env QUARRY_FAST_MODEL)
  --device auto|cpu|webgpu  where the model runs (default auto: WebGPU if it works, else CPU; env QUARRY_DEVICE)
  --budget economy|full     how much CPU embedding may use (default economy)
  --max-file-size SIZE      skip larger files (default 1MiB; e.g. 512KiB, 4MiB)

Options:
  --data-dir DIR            where the index lives (default: per-user data dir; env QUARRY_DATA_DIR)
  --in-process              open the index in this process instead of using the engine (fails
                            while another process owns the data directory)
  --json                    machine-readable output (JSON lines for search and skipped)
  -h, --help                this help`;

const DATA_COMMANDS = new Set(['add', 'remove', 'folders', 'index', 'search', 'status', 'skipped', 'stats', 'cache', 'reports', 'eval']);
const DEFAULT_EVAL_MARGIN = 0.05;
/** The flags that configure an engine, passed on to the one a command starts. */
const ENGINE_FLAGS = ['models-dir', 'model', 'fast-model', 'embed-all', 'device', 'budget', 'max-file-size', 'idle-timeout'] as const;
const DEFAULT_IDLE_SECONDS = 600;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      mode: { type: 'string' },
      regex: { type: 'boolean', default: false },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      explain: { type: 'boolean', default: false },
      'max-file-size': { type: 'string' },
      'models-dir': { type: 'string' },
      model: { type: 'string' },
      'fast-model': { type: 'string' },
      'embed-all': { type: 'boolean' },
      budget: { type: 'string' },
      device: { type: 'string' },
      'idle-timeout': { type: 'string' },
      'lexical-only': { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      'max-entries': { type: 'string' },
      ttl: { type: 'string' },
      endpoint: { type: 'string' },
      repo: { type: 'string' },
      port: { type: 'string' },
      folder: { type: 'string' },
      modes: { type: 'string' },
      baseline: { type: 'string' },
      check: { type: 'boolean', default: false },
      margin: { type: 'string' },
      save: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const source = { endpoint: values.endpoint ?? DEFAULT_MODEL_SOURCE.endpoint, repo: values.repo ?? DEFAULT_MODEL_SOURCE.repo };
  switch (command) {
    case 'models': {
      const fast = args[1] === 'fast';
      if (args[0] !== 'download' || (args[1] !== undefined && !fast)) {
        throw new UsageError('Usage: quarry models download [fast] [--model ID | --fast-model ID] [--endpoint URL] [--repo NAME]');
      }
      const modelsDir = path.resolve(values['models-dir'] ?? process.env.QUARRY_MODELS_DIR ?? path.join(dataDir, 'models'));
      const target = fast
        ? await fetchModel({ ...source, repo: values.repo ?? DEFAULT_FAST_MODEL_SOURCE.repo }, modelsDir, values['fast-model'] ?? process.env.QUARRY_FAST_MODEL ?? DEFAULT_FAST_MODEL_ID, 'static')
        : await fetchModel(source, modelsDir, values.model ?? process.env.QUARRY_MODEL ?? DEFAULT_MODEL_ID, 'transformers');
      console.log(`model ready in ${target}`);
      return 0;
    }
    case 'daemon':
      return daemon(args[0], dataDir, values, source);
    case 'serve':
      return serve(dataDir, values, source);
    case 'mcp':
      return mcp(dataDir, values, source);
  }
  if (!DATA_COMMANDS.has(command)) throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError('--limit needs a whole number from 1 to 200');
  const options = {
    json: values.json,
    mode: values.regex ? ('regex' as const) : parseMode(values.mode),
    limit,
    cursor: values.cursor,
    explain: values.explain,
    noWait: values['no-wait'] || values['lexical-only'],
    verify: values.verify,
    dryRun: values['dry-run'],
    watch: values.watch,
    maxEntries: values['max-entries'],
    ttl: values.ttl,
    folder: values.folder,
    modes: values.modes,
    baseline: values.baseline,
    check: values.check,
    margin: parseMargin(values.margin),
    save: values.save,
  };
  const config = engineConfig(dataDir, values);
  const backend = values['in-process'] ? await inProcessBackend(config, source, command === 'index') : await engineBackend(dataDir, values);
  try {
    return await runDataCommand(backend, command, args, options);
  } finally {
    await backend.close();
  }
}

function parseMargin(text: string | undefined): number {
  if (text === undefined) return DEFAULT_EVAL_MARGIN;
  const margin = Number(text);
  if (!(margin >= 0 && margin < 1)) throw new UsageError('--margin needs a number from 0 to 1 (an absolute drop in MRR@10 or recall@10)');
  return margin;
}

/** The engine's settings from the command line and environment (only what was given: the rest comes from Settings). */
function engineConfig(dataDir: string, values: Values): QuarryConfig {
  const modelsDir = values['models-dir'] ?? process.env.QUARRY_MODELS_DIR;
  const modelId = values.model ?? process.env.QUARRY_MODEL;
  const fastModelId = values['fast-model'] ?? process.env.QUARRY_FAST_MODEL;
  const embedEverything = values['embed-all'] ?? process.env.QUARRY_EMBED_ALL === '1';
  const budget = parseBudget(values.budget);
  const maxFileBytes = values['max-file-size'] === undefined ? undefined : parseSize(values['max-file-size']);
  return {
    dataDir,
    device: parseDevice(values.device ?? process.env.QUARRY_DEVICE),
    ...(modelsDir ? { modelsDir: path.resolve(modelsDir) } : {}),
    ...(modelId ? { modelId } : {}),
    ...(fastModelId ? { fastModelId } : {}),
    ...(embedEverything ? { embedEverything } : {}),
    ...(budget ? { budget } : {}),
    ...(maxFileBytes ? { maxFileBytes } : {}),
  };
}

/** The engine flags given, for the engine a command starts. */
function engineArgs(values: Values): string[] {
  return ENGINE_FLAGS.flatMap((flag) => {
    const value = values[flag];
    if (value === undefined || value === false) return [];
    if (value === true) return [`--${flag}`];
    return [`--${flag}`, flag === 'models-dir' ? path.resolve(value) : value];
  });
}

/** The engine that owns the data directory, started in the background when none does. */
async function engineBackend(dataDir: string, values: Values): Promise<ClosableBackend> {
  engineConfig(dataDir, values); // bad engine flags are reported here, not in the engine's log
  const { client } = await connectEngine({
    dataDir,
    engineArgs: engineArgs(values),
    onStarting: () => {
      if (process.stderr.isTTY) process.stderr.write('starting engine…\r');
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\x1b[2K');
  return { api: client, subscribe: (event, listener) => client.on(event, listener), lost: client.lost, close: async () => client.close() };
}

/** `--in-process`: a service over an engine opened here, for tests and one-off scripts; nothing else may own the directory. */
async function inProcessBackend(config: QuarryConfig, source: ModelSource, indexing: boolean): Promise<ClosableBackend> {
  const [{ openEngine }, { QuarryService }, { SettingsStore }] = await Promise.all([import('./compose.js'), import('./service.js'), import('./settings-store.js')]);
  const owner = await liveEndpoint(config.dataDir);
  if (owner) throw new UsageError(`--in-process cannot open ${config.dataDir}: Quarry's ${describeOwner(owner)} (pid ${owner.pid}) owns it; leave out --in-process to use it`);
  const settingsStore = new SettingsStore(config.dataDir);
  const settings = await settingsStore.read();
  const opened = await openEngine({ ignoreRules: settings.ignoreRules, modelId: settings.modelId, budget: settings.budget, ...config, indexing });
  const service = new QuarryService(opened.engine, settingsStore, null, { ...opened.model, source });
  return {
    api: service,
    lost: new Promise<never>(() => undefined), // the engine is this process
    subscribe: async (event, listener) => {
      service.on(event, listener as never);
      return () => service.off(event, listener as never);
    },
    close: async () => {
      await service.stop();
      await opened.close();
    },
  };
}

/** `quarry daemon start|stop|status|run`. */
async function daemon(action: string | undefined, dataDir: string, values: Values, source: ModelSource): Promise<number> {
  switch (action) {
    case 'run': {
      const idleSeconds = Number(values['idle-timeout'] ?? process.env.QUARRY_IDLE_TIMEOUT ?? DEFAULT_IDLE_SECONDS);
      if (!Number.isFinite(idleSeconds) || idleSeconds <= 0) throw new UsageError('--idle-timeout needs a number of seconds');
      const { hostEngine } = await import('./engine/engine-host.js');
      const host = await hostEngine({ config: engineConfig(dataDir, values), owner: 'daemon', source, idleMs: idleSeconds * 1000 });
      console.error(`quarry engine ${process.pid} owns ${dataDir} on port ${host.endpoint.port}`);
      const stop = (): void => void host.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await host.stopped;
      console.error(`quarry engine ${process.pid} stopped`);
      return 0;
    }
    case 'start': {
      engineConfig(dataDir, values);
      const { endpoint, started, client } = await connectEngine({ dataDir, engineArgs: engineArgs(values) });
      client.close();
      print(values.json, withoutToken(endpoint), `${started ? 'started' : 'already running:'} Quarry's ${describeOwner(endpoint)}, pid ${endpoint.pid}, port ${endpoint.port}`);
      return 0;
    }
    case 'status': {
      const endpoint = await ownerEndpoint(dataDir);
      if (values.json) console.log(JSON.stringify(endpoint && withoutToken(endpoint)));
      else console.log(endpoint ? `Quarry's ${describeOwner(endpoint)} owns ${dataDir}: pid ${endpoint.pid}, port ${endpoint.port}, version ${endpoint.version}` : `no engine owns ${dataDir}`);
      return 0;
    }
    case 'stop': {
      // Any version: this is how an engine left over from an upgrade is stopped.
      const endpoint = await ownerEndpoint(dataDir);
      if (!endpoint) {
        console.log(`no engine owns ${dataDir}`);
        return 0;
      }
      if (endpoint.owner !== 'daemon') throw new QuarryError('UNSUPPORTED', `Quarry's ${describeOwner(endpoint)} owns ${dataDir}, not a background engine: close it there`);
      await stopProcess(endpoint.pid);
      console.log(`stopped Quarry's ${describeOwner(endpoint)} (pid ${endpoint.pid})`);
      return 0;
    }
    default:
      throw new UsageError('Usage: quarry daemon start|stop|status|run');
  }
}

/** The endpoint as shown to a user: the token stays in the file only this user can read. */
function withoutToken({ pid, port, version, owner, startedAt }: Endpoint): Omit<Endpoint, 'token'> {
  return { pid, port, version, owner, startedAt };
}

/**
 * `quarry mcp`: an MCP server on stdio for agents, a client of the engine like every other
 * command. It ends when the agent closes stdin, or when no engine can be had any more.
 */
async function mcp(dataDir: string, values: Values, source: ModelSource): Promise<number> {
  // A session outlives its engine: when the engine goes (idle, stopped, the app took over), the next one serves it.
  const backend = values['in-process'] ? await inProcessBackend(engineConfig(dataDir, values), source, true) : await reconnectingBackend(() => engineBackend(dataDir, values));
  const [{ createMcpServer }, { StdioServerTransport }] = await Promise.all([import('./mcp/mcp-server.js'), import('@modelcontextprotocol/sdk/server/stdio.js')]);
  const server = createMcpServer(backend);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await server.connect(transport);
  try {
    await Promise.race([closed, backend.lost]);
  } finally {
    await server.close();
    await backend.close();
  }
  return 0;
}

/** Browser mode: owns the data directory and serves the app until Ctrl-C; the first line printed is the URL to open. */
async function serve(dataDir: string, values: Values, source: ModelSource): Promise<number> {
  const { hostEngine } = await import('./engine/engine-host.js');
  const host = await hostEngine({
    config: engineConfig(dataDir, values),
    owner: 'serve',
    source,
    port: parsePort(values.port),
    rendererDir: path.resolve(import.meta.dirname, '../../out/renderer'),
    idleMs: null,
    takeOver: true,
  });
  console.log(host.server.url);
  console.error('Quarry is serving on loopback only; open the URL above. Ctrl-C stops.');
  const stop = (): void => void host.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await host.stopped;
  return 0;
}

async function fetchModel(source: ModelSource, modelsDir: string, modelId: string, layout: PackLayout): Promise<string> {
  const tty = Boolean(process.stderr.isTTY);
  const run = downloadModel(source, modelsDir, modelId, { layout });
  let lastPrinted = 0;
  for (;;) {
    const step = await run.next();
    if (step.done) {
      if (tty) process.stderr.write('\r\x1b[2K');
      return step.value;
    }
    const p = step.value;
    const line = `downloading ${source.repo}: ${formatBytes(p.bytes)} of ${formatBytes(p.total)} (${p.file})`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (performance.now() - lastPrinted > 2000 || p.bytes === p.total) {
      console.error(line);
      lastPrinted = performance.now();
    }
  }
}

const MODES: readonly SearchMode[] = ['hybrid', 'semantic', 'lexical', 'regex'];

function parseMode(mode: string | undefined): SearchMode | undefined {
  if (mode === undefined || MODES.includes(mode as SearchMode)) return mode as SearchMode | undefined;
  throw new UsageError(`Unknown --mode "${mode}": use ${MODES.join(', ')}`);
}

function parseDevice(device: string | undefined): DevicePreference {
  if (device === undefined || device === 'auto' || device === 'cpu' || device === 'webgpu') return device ?? 'auto';
  throw new UsageError(`Unknown --device "${device}": use auto, cpu or webgpu`);
}

function parseBudget(budget: string | undefined): ResourceBudget | undefined {
  if (budget === undefined || budget === 'economy' || budget === 'full') return budget;
  throw new UsageError(`Unknown --budget "${budget}": use economy or full`);
}

const SIZE_UNITS = new Map(Object.entries({ '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }));

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS.get(match[2]!.toLowerCase()) : undefined;
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    throw new UsageError(`--max-file-size needs a size such as 512KiB or 4MiB, not "${text}"`);
  }
  return Math.round(Number(match[1]) * unit);
}

function parsePort(text: string | undefined): number {
  const port = Number(text ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number, not "${text}"`);
  return port;
}

function print(json: boolean, value: unknown, text: string): void {
  console.log(json ? JSON.stringify(value) : text);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isQuarryError(error)) {
      console.error(`quarry: ${error.message}`);
      process.exitCode = error.code === 'BAD_QUERY' ? 2 : 1;
    } else if (isUsageError(error)) {
      console.error(`quarry: ${(error as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(`quarry: unexpected error: ${(error as Error).message ?? String(error)}`);
      if (process.env.QUARRY_DEBUG) console.error(error);
      process.exitCode = 1;
    }
  },
);
