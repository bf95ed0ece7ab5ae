import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_SOURCE, downloadModel, type ModelSource } from '../core/embedding/model-download.js';
import { DEFAULT_MODEL_ID } from '../core/embedding/model-pack.js';
import type { Engine } from '../core/engine.js';
import { isQuarryError } from '../shared/errors.js';
import type { FolderInfo, SearchMode } from '../shared/types.js';
import { openEngine, type DevicePreference } from './compose.js';
import type { ResourceBudget } from './embed-pool.js';
import { formatBytes } from '../shared/format.js';
import { formatExplain, formatHit, formatProgress, formatStatus, formatSummary } from './cli-format.js';
import { defaultDataDir } from './data-dir.js';
import { serveHttp } from './http-transport.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

const USAGE = `Usage: quarry <command> [options]

Commands:
  add <dir>                 add a folder to search
  remove <name|dir>         forget a folder and its index
  index [<dir>]             index one folder (adding it if new) or all folders
      --max-file-size SIZE  skip larger files (default 1MiB; e.g. 512KiB, 4MiB)
      --lexical-only        do not compute embeddings (phase 2)
      --no-wait             same: return once the folder is lexically searchable
      --budget economy|full how much CPU embedding may use (default economy)
      --watch               then keep the index current as files change (Ctrl-C stops)
  search <query>            search; query syntax: words "exact phrase" /regex/ lang:ts path:src/ -path:test repo:NAME
      --mode hybrid|semantic|lexical|regex
                            (default hybrid when a model is available, else lexical;
                             /regex/ in the query also switches to regex)
      --regex               same as --mode regex
      --limit N             results to show (default 20)
      --cursor C            the next page (printed after a page that has more)
      --explain             stage timings and cache use
  status                    folders, file and chunk counts, skipped files by reason, index size
  skipped [<name>]          skipped files with their reasons
  folders                   list the added folders
  serve                     browser mode: the app on http://127.0.0.1 (the URL with its token is printed first)
      --port N              port to listen on (default: a free one)
  models download           fetch the embedding model into the models folder (resumable, verified)
      --endpoint URL        hub to fetch from (default https://huggingface.co); serve's Settings downloads from it too
      --repo NAME           repository (default Xenova/all-MiniLM-L6-v2)

Options:
  --data-dir DIR            where the index lives (default: per-user data dir; env QUARRY_DATA_DIR)
  --models-dir DIR          folder of embedding models (default DATA_DIR/models; env QUARRY_MODELS_DIR)
  --model ID                embedding model folder name (default all-MiniLM-L6-v2; env QUARRY_MODEL)
  --device auto|cpu|webgpu  where the model runs (default auto: WebGPU if it works, else CPU; env QUARRY_DEVICE)
  --json                    machine-readable output (JSON lines for search and skipped)
  -h, --help                this help`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
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
      budget: { type: 'string' },
      device: { type: 'string' },
      'lexical-only': { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      repo: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const maxFileBytes = values['max-file-size'] === undefined ? undefined : parseSize(values['max-file-size']);
  const modelsDir = values['models-dir'] ?? process.env.QUARRY_MODELS_DIR;
  const modelId = values.model ?? process.env.QUARRY_MODEL;
  if (command === 'models') {
    if (args[0] !== 'download') throw new UsageError('Usage: quarry models download [--model ID] [--endpoint URL] [--repo NAME]');
    const target = await fetchModel(
      { endpoint: values.endpoint ?? DEFAULT_MODEL_SOURCE.endpoint, repo: values.repo ?? DEFAULT_MODEL_SOURCE.repo },
      path.resolve(modelsDir ?? path.join(dataDir, 'models')),
      modelId ?? DEFAULT_MODEL_ID,
    );
    console.log(`model ready in ${target}`);
    return 0;
  }
  const settings = await new SettingsStore(dataDir).read();
  const { engine, model, close } = await openEngine({
    dataDir,
    ignoreRules: settings.ignoreRules,
    ...(modelsDir ? { modelsDir: path.resolve(modelsDir) } : {}),
    modelId: modelId ?? settings.modelId,
    budget: parseBudget(values.budget) ?? settings.budget,
    device: parseDevice(values.device ?? process.env.QUARRY_DEVICE),
    ...(maxFileBytes ? { maxFileBytes } : {}),
    indexing: command === 'index' || command === 'serve',
  });
  try {
    switch (command) {
      case 'add': {
        const folder = await engine.addFolder(requireArg(args, 'add <dir>'));
        print(values.json, folder, `added ${folder.name} (${folder.root}); run \`quarry index\` to index it`);
        return 0;
      }
      case 'remove': {
        await engine.removeFolder(requireArg(args, 'remove <name|dir>'));
        return 0;
      }
      case 'folders': {
        const folders = await engine.listFolders();
        if (values.json) for (const f of folders) console.log(JSON.stringify(f));
        else for (const f of folders) console.log(`${f.name}\t${f.root}`);
        return 0;
      }
      case 'index': {
        const folders = args[0] ? [await folderForIndex(engine, args[0])] : await engine.listFolders();
        if (folders.length === 0) throw new UsageError('No folders yet: `quarry index <dir>` or `quarry add <dir>` first');
        const lexicalOnly = values['lexical-only'] || values['no-wait'];
        for (const folder of folders) await runIndex(engine, folder, values.json, lexicalOnly);
        if (values.watch) await watchFolders(engine, folders, values.json, lexicalOnly);
        return 0;
      }
      case 'search': {
        const mode: SearchMode | undefined = values.regex ? 'regex' : parseMode(values.mode);
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit needs a positive whole number');
        const result = await engine.search(args.join(' '), { ...(mode ? { mode } : {}), limit, ...(values.cursor ? { cursor: values.cursor } : {}) });
        if (values.json) {
          for (const hit of result.hits) console.log(JSON.stringify(hit));
        } else {
          const color = Boolean(process.stdout.isTTY);
          for (const hit of result.hits) console.log(formatHit(hit, color) + '\n');
          const coverage = result.embeddingCoverage === null ? '' : `, ${Math.round(result.embeddingCoverage * 100)}% of chunks embedded`;
          console.error(`${result.hits.length} results in ${result.tookMs.toFixed(1)} ms (${result.mode}${coverage})`);
        }
        if (values.explain) console.error(formatExplain(result));
        if (result.cursor) console.error(`more: --cursor ${result.cursor}`);
        return 0;
      }
      case 'status': {
        const report = await engine.status();
        console.log(values.json ? JSON.stringify(report) : formatStatus(report));
        return 0;
      }
      case 'skipped': {
        const skipped = await engine.skipped(args[0]);
        if (values.json) for (const s of skipped) console.log(JSON.stringify(s));
        else for (const s of skipped) console.log(`${s.folder}/${s.path}\t${s.reason}\t${s.detail}`);
        if (!values.json && skipped.length === 0) console.error('no skipped files');
        return 0;
      }
      case 'serve': {
        const source = { endpoint: values.endpoint ?? DEFAULT_MODEL_SOURCE.endpoint, repo: values.repo ?? DEFAULT_MODEL_SOURCE.repo };
        await serve(new QuarryService(engine, new SettingsStore(dataDir), null, { ...model, source }), parsePort(values.port));
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
    }
  } finally {
    await close();
  }
}

async function folderForIndex(engine: Engine, dir: string): Promise<FolderInfo> {
  try {
    return await engine.resolveFolder(dir);
  } catch (error) {
    if (isQuarryError(error) && error.code === 'UNKNOWN_FOLDER') return engine.addFolder(dir);
    throw error;
  }
}

async function runIndex(engine: Engine, folder: FolderInfo, json: boolean, lexicalOnly: boolean): Promise<void> {
  const tty = Boolean(process.stderr.isTTY) && !json;
  const run = engine.index(folder, { lexicalOnly });
  let lastPrinted = 0;
  let lastPhase = '';
  for (;;) {
    const step = await run.next();
    if (step.done) {
      if (tty) process.stderr.write('\r\x1b[2K');
      console.log(json ? JSON.stringify(step.value) : formatSummary(step.value));
      return;
    }
    const now = performance.now();
    const p = step.value;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${formatProgress(p, true)}`);
    } else if (!json && p.phase !== 'done' && (p.phase !== lastPhase || now - lastPrinted > 2000)) {
      console.error(formatProgress(p, false));
      lastPrinted = now;
      lastPhase = p.phase;
    }
  }
}

const MODES: readonly SearchMode[] = ['hybrid', 'semantic', 'lexical', 'regex'];

/** `index --watch`: every folder is watched until Ctrl-C; each batch of changes prints its summary. */
async function watchFolders(engine: Engine, folders: FolderInfo[], json: boolean, lexicalOnly: boolean): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  console.error(`watching ${folders.map((f) => f.name).join(', ')} (Ctrl-C to stop)`);
  try {
    await Promise.all(
      folders.map(async (folder) => {
        for await (const summary of engine.watch(folder, stop.signal, { lexicalOnly })) {
          console.log(json ? JSON.stringify(summary) : formatSummary(summary));
        }
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Browser mode: serves the app until Ctrl-C; the first line printed is the URL to open. */
async function serve(service: QuarryService, port: number): Promise<void> {
  const server = await serveHttp(service, { port, rendererDir: path.resolve(import.meta.dirname, '../../out/renderer') });
  console.log(server.url);
  console.error('Quarry is serving on loopback only; open the URL above. Ctrl-C stops.');
  await service.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await service.stop();
}

async function fetchModel(source: ModelSource, modelsDir: string, modelId: string): Promise<string> {
  const tty = Boolean(process.stderr.isTTY);
  const run = downloadModel(source, modelsDir, modelId);
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

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
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

function requireArg(args: string[], usage: string): string {
  if (!args[0]) throw new UsageError(`Usage: quarry ${usage}`);
  return args[0];
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
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`quarry: ${(error as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(`quarry: unexpected error: ${(error as Error).message ?? String(error)}`);
      if (process.env.QUARRY_DEBUG) console.error(error);
      process.exitCode = 1;
    }
  },
);
