import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { z } from 'zod';
import { readGitHead } from '../../core/indexing/git-head.js';
import { isQuarryError } from '../../shared/errors.js';
import type { CacheStats, FolderInfo, SearchResult } from '../../shared/types.js';
import { formatInvalidated } from '../../shared/format.js';
import { formatCache, formatProgress, formatSummary } from '../cli-format.js';
import type { CliBackend } from '../cli-commands.js';
import { followRuns, requestIndexing } from '../follow-runs.js';
import { QUARRY_VERSION } from '../engine/endpoint.js';

/** Results per search page an agent gets unless it asks for more, and the most it can ask for. */
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;
/** Snippet lines per hit unless asked: enough to recognise the code, little of an agent's context. */
const DEFAULT_CONTEXT_LINES = 4;
/** `read_code` returns at most this much; the rest is a later call. */
const READ_MAX_LINES = 200;
const READ_MAX_CHARS = 32_000;
/** Progress notifications per second while a folder indexes, at most. */
const PROGRESS_PER_SECOND = 10;

const modeSchema = z.enum(['hybrid', 'semantic', 'lexical', 'regex']);
const hitSchema = z.object({
  folder: z.string(),
  path: z.string(),
  start_line: z.number().int(),
  end_line: z.number().int(),
  symbol: z.string().nullable(),
  kind: z.string(),
  score: z.number(),
  /** 0 to 100 against the best hit of the search. */
  relevance: z.number(),
  /** The evidence behind the hit's place, in words. */
  why: z.array(z.string()),
  /** The doc that explains this hit (it names its definition): read it for the why. */
  explained_by: z.object({ path: z.string(), line: z.number().int() }).nullable(),
  snippet: z.string(),
});
const searchOutput = {
  hits: z.array(hitSchema),
  next_cursor: z.string().nullable(),
  mode: modeSchema,
  took_ms: z.number(),
  embedding_coverage: z.number().nullable(),
  timings_ms: z.record(z.string(), z.number()),
  /** What would make the search faster or fuller, worked out by the engine from this search's figures. */
  advice: z.array(z.object({ code: z.string(), message: z.string() })),
};
const cacheSchema = z.object({
  name: z.string(),
  kind: z.enum(['memory', 'stored']),
  hits: z.number(),
  misses: z.number(),
  hit_rate: z.number().nullable(),
  entries: z.number(),
  bytes: z.number(),
  max_entries: z.number().nullable(),
  ttl_seconds: z.number().nullable(),
  /** Entries dropped, by cause: generation, model, fileChange, ttl, manual, size. */
  invalidations: z.record(z.string(), z.number()),
  actions: z.array(z.string()),
});
const folderStatusSchema = z.object({
  name: z.string(),
  root: z.string(),
  files: z.number(),
  chunks: z.number(),
  skipped: z.number(),
  embedding_coverage: z.number(),
  state: z.string(),
  phase: z.string().nullable(),
  progress: z.object({ done: z.number(), total: z.number(), unit: z.string() }).nullable(),
  eta_ms: z.number().nullable(),
  last_indexed_at: z.number().nullable(),
  indexed_git_head: z.string().nullable(),
  current_git_head: z.string().nullable(),
  stale: z.boolean(),
});
const statusOutput = {
  folders: z.array(folderStatusSchema),
  model: z.object({ id: z.string(), dims: z.number(), dtype: z.string(), device: z.string() }).nullable(),
  model_unavailable: z.string().nullable(),
  index_bytes: z.number(),
};
const performanceOutput = {
  sampled_at: z.number().nullable(),
  search: z.object({
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
    searches_last_minute: z.number(),
    by_mode: z.array(z.object({ mode: modeSchema, p50_ms: z.number(), p95_ms: z.number(), searches: z.number() })),
  }),
  indexing: z.object({ files_per_second: z.number(), chunks_embedded_per_second: z.number() }),
  memory: z.object({ rss_mb: z.number(), heap_mb: z.number() }).nullable(),
  caches: z.array(z.object({ name: z.string(), hit_rate: z.number().nullable() })),
  alerts_firing: z.array(z.object({ name: z.string(), metric: z.string(), value: z.number().nullable(), since: z.number() })),
};
const indexingOutput = { paused: z.boolean(), jobs: z.array(z.object({ folder: z.string(), state: z.string() })) };

type Shape = Record<string, z.ZodType>;
type Structured<S extends Shape> = { [K in keyof S]: z.output<S[K]> };

/**
 * Quarry for agents: an MCP server whose tools and resources call the engine through the same
 * contract as the app and the CLI, so every agent shares one index and one set of caches.
 * Every tool answers with structured content and a compact text sized for a model's context.
 */
export function createMcpServer(backend: CliBackend): McpServer {
  const { api } = backend;
  const server = new McpServer(
    { name: 'quarry', version: QUARRY_VERSION },
    {
      capabilities: { resources: { subscribe: true } },
      instructions:
        'Quarry searches the code of the folders added to it: identifiers, phrases, regular expressions and meaning. ' +
        'Use search first (Quarry query syntax: lang:ts, path:src/, -path:test, "exact phrase", /regex/), then read_code for more lines.',
    },
  );

  /** A tool whose result is `structured` and a text rendering of it; a Quarry error becomes a one-line tool error. */
  const tool = <I extends Shape, O extends Shape>(
    name: string,
    config: { title: string; description: string; input: I; output: O; readOnly: boolean },
    run: (args: Structured<I>, progressToken: string | number | undefined, notify: (progress: number, message: string) => Promise<void>) => Promise<{ structured: Structured<O>; text: string }>,
  ): void => {
    server.registerTool(
      name,
      { title: config.title, description: config.description, inputSchema: config.input, outputSchema: config.output, annotations: { readOnlyHint: config.readOnly, openWorldHint: false } },
      (async (args: Structured<I>, extra: { _meta?: { progressToken?: string | number }; sendNotification: (n: never) => Promise<void> }): Promise<CallToolResult> => {
        const progressToken = extra._meta?.progressToken;
        const notify = async (progress: number, message: string): Promise<void> => {
          if (progressToken === undefined) return;
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, message } } as never);
        };
        try {
          const { structured, text } = await run(args, progressToken, notify);
          return { content: [{ type: 'text', text }], structuredContent: structured };
        } catch (error) {
          return toolError(error);
        }
      }) as never,
    );
  };

  tool(
    'search',
    {
      title: 'Search code',
      description:
        'Searches the indexed folders. query uses Quarry syntax: words (identifier-aware), "exact phrase", /regex/, lang:ts, path:src/, -path:test, repo:NAME. ' +
        `Returns up to limit hits (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}) and next_cursor to page on; a cursor stays valid while indexing continues.`,
      input: {
        query: z.string().min(1).max(2000),
        mode: modeSchema.optional(),
        limit: z.number().int().min(1).max(MAX_LIMIT).optional(),
        cursor: z.string().max(2000).optional(),
        context_lines: z.number().int().min(0).max(40).optional(),
      },
      output: searchOutput,
      readOnly: true,
    },
    async (args) => {
      const result = await api.search({
        requestId: 'mcp',
        query: args.query,
        limit: args.limit ?? DEFAULT_LIMIT,
        ...(args.mode ? { mode: args.mode } : {}),
        ...(args.cursor ? { cursor: args.cursor } : {}),
      });
      const structured = searchStructured(result, args.context_lines ?? DEFAULT_CONTEXT_LINES);
      return { structured, text: searchText(structured) };
    },
  );

  tool(
    'read_code',
    {
      title: 'Read code',
      description: `Reads lines of a file inside an added folder (folder name and folder-relative path, as search returns them). At most ${READ_MAX_LINES} lines per call.`,
      input: {
        folder: z.string().min(1).max(4096),
        path: z.string().min(1).max(4096),
        start_line: z.number().int().min(1).optional(),
        end_line: z.number().int().min(1).optional(),
      },
      output: {
        folder: z.string(),
        path: z.string(),
        language: z.string(),
        start_line: z.number(),
        end_line: z.number(),
        total_lines: z.number(),
        truncated: z.boolean(),
        text: z.string(),
      },
      readOnly: true,
    },
    async (args) => {
      const start = args.start_line ?? 1;
      const preview = await api.preview({ folder: args.folder, path: args.path, line: start });
      const wanted = Math.min(args.end_line ?? start + READ_MAX_LINES - 1, start + READ_MAX_LINES - 1, preview.totalLines);
      const lines: string[] = [];
      let chars = 0;
      for (let n = Math.min(start, preview.totalLines); n <= wanted; n++) {
        const line = preview.lines[n - preview.firstLine] ?? '';
        if (chars + line.length > READ_MAX_CHARS && lines.length > 0) break;
        lines.push(line);
        chars += line.length + 1;
      }
      const first = Math.min(start, preview.totalLines);
      const last = first + lines.length - 1;
      const requestedEnd = Math.min(args.end_line ?? preview.totalLines, preview.totalLines);
      const structured = {
        folder: preview.folder,
        path: preview.path,
        language: preview.language,
        start_line: first,
        end_line: last,
        total_lines: preview.totalLines,
        truncated: last < requestedEnd,
        text: lines.join('\n'),
      };
      const numbered = lines.map((line, i) => `${String(first + i).padStart(5)}  ${line}`).join('\n');
      const more = structured.truncated ? `\n… more from start_line ${last + 1} (of ${preview.totalLines})` : '';
      return { structured, text: `${preview.folder}/${preview.path}:${first}-${last}\n${numbered}${more}` };
    },
  );

  tool(
    'status',
    {
      title: 'Index status',
      description: 'Per folder: files, chunks, embedding coverage, indexing phase, progress and ETA, and whether the git HEAD moved since the last index; the model and the index size.',
      input: {},
      output: statusOutput,
      readOnly: true,
    },
    async () => {
      const structured = await statusStructured(backend);
      return { structured, text: statusText(structured) };
    },
  );

  tool(
    'index_folder',
    {
      title: 'Index a folder',
      description:
        'Adds a folder by absolute path if it is new, or indexes it again, and returns at once. ' +
        'If the request carries a progress token, progress notifications follow and the call returns when the folder is done.',
      input: { path: z.string().min(1).max(4096) },
      output: { folder: z.string(), root: z.string(), added: z.boolean(), state: z.enum(['queued', 'done', 'failed']), summary: z.string().nullable() },
      readOnly: false,
    },
    async (args, progressToken, notify) => {
      if (!path.isAbsolute(args.path)) throw new ToolInputError(`give the folder's absolute path, not "${args.path}"`);
      if (progressToken === undefined) {
        const { folder, added } = await requestIndexing(backend.api, args.path);
        return indexResult(folder, added, 'queued', null);
      }
      let sent = 0;
      let lastSent = 0;
      const runs = await followRuns(backend, {
        onProgress: (p) => {
          if (performance.now() - lastSent < 1000 / PROGRESS_PER_SECOND) return;
          lastSent = performance.now();
          // MCP progress must rise with every notification; the counts are in the message.
          void notify(++sent, formatProgress(p, false)).catch(() => undefined);
        },
      });
      try {
        const { folder, added } = await requestIndexing(backend.api, args.path, { runs });
        const outcome = await runs.outcome(folder.name);
        return outcome.kind === 'summary' ? indexResult(folder, added, 'done', formatSummary(outcome.summary)) : indexResult(folder, added, 'failed', outcome.kind === 'failed' ? outcome.error : null);
      } finally {
        runs.stop();
      }
    },
  );

  for (const [name, paused] of [['pause_indexing', true], ['resume_indexing', false]] as const) {
    tool(
      name,
      {
        title: paused ? 'Pause indexing' : 'Resume indexing',
        description: `${paused ? 'Pauses' : 'Resumes'} indexing of one folder (by name), or of all folders.`,
        input: { folder: z.string().min(1).max(4096).optional() },
        output: indexingOutput,
        readOnly: false,
      },
      async (args) => {
        const input = args.folder ? { folder: args.folder } : {};
        await (paused ? api.pause(input) : api.resume(input));
        const state = await api.indexing({});
        const structured = { paused: state.paused, jobs: state.jobs.map((job) => ({ folder: job.folder, state: job.state })) };
        const jobs = structured.jobs.map((job) => `${job.folder}: ${job.state}`).join('\n');
        return { structured, text: `indexing ${structured.paused ? 'paused' : 'running'}${jobs ? `\n${jobs}` : ''}` };
      },
    );
  }

  tool(
    'cache_stats',
    { title: 'Cache statistics', description: 'Every cache the engine keeps: hits, misses, hit rate, entries, evictions, invalidations and settings.', input: {}, output: { caches: z.array(cacheSchema) }, readOnly: true },
    async () => {
      const stats = await api.caches({});
      return { structured: { caches: stats.map(cacheStructured) }, text: stats.map(formatCache).join('\n') };
    },
  );

  tool(
    'clear_cache',
    { title: 'Clear a cache', description: 'Empties one cache by name (see cache_stats for the names).', input: { name: z.string().min(1).max(100) }, output: { cache: cacheSchema }, readOnly: false },
    async (args) => {
      const stats = await api.clearCache({ name: args.name });
      return { structured: { cache: cacheStructured(stats) }, text: `cleared ${formatCache(stats)}` };
    },
  );

  tool(
    'invalidate_cache',
    {
      title: 'Invalidate a cache',
      description:
        'Drops only the entries of one cache that are no longer valid and keeps the rest (clear_cache drops all): ' +
        'for search results, rankings of past index generations; for both memory caches, entries past their time to live. ' +
        "Says how many it dropped, by cause. Only caches whose actions include 'invalidate' offer it.",
      input: { name: z.string().min(1).max(100) },
      output: { cache: cacheSchema, dropped: z.number(), by_cause: z.record(z.string(), z.number()) },
      readOnly: false,
    },
    async (args) => {
      const { cache, dropped, byCause } = await api.invalidateCache({ name: args.name });
      return {
        structured: { cache: cacheStructured(cache), dropped, by_cause: byCause },
        text: `${formatInvalidated(dropped, byCause)}\n${formatCache(cache)}`,
      };
    },
  );

  tool(
    'warm_cache',
    { title: 'Warm the result cache', description: "Ranks the week's most frequent queries into the result cache now, as the engine does at start.", input: {}, output: { warmed: z.number(), ms: z.number() }, readOnly: false },
    async () => {
      const { warmed, ms } = await api.warmCache({});
      return { structured: { warmed, ms }, text: `warmed ${warmed} queries in ${Math.round(ms)} ms` };
    },
  );

  tool(
    'collect_garbage',
    {
      title: 'Collect unused vectors',
      description: 'Finds the stored embedding vectors no chunk uses any more and the bytes they take; deletes them unless dry_run.',
      input: { dry_run: z.boolean().optional() },
      output: { vectors: z.number(), bytes: z.number(), applied: z.boolean() },
      readOnly: false,
    },
    async (args) => {
      const report = await api.collectGarbage({ dryRun: args.dry_run ?? false });
      return { structured: report, text: `${report.applied ? 'deleted' : 'would delete'} ${report.vectors} vectors (${report.bytes} bytes)` };
    },
  );

  tool(
    'configure_cache',
    {
      title: 'Configure a cache',
      description: 'Sets a cache\'s capacity (max_entries) or time to live in seconds (ttl_seconds) while Quarry runs.',
      input: { name: z.string().min(1).max(100), max_entries: z.number().int().min(1).max(1_000_000).optional(), ttl_seconds: z.number().positive().max(31_536_000).optional() },
      output: { cache: cacheSchema },
      readOnly: false,
    },
    async (args) => {
      const stats = await api.configureCache({
        name: args.name,
        ...(args.max_entries === undefined ? {} : { maxEntries: args.max_entries }),
        ...(args.ttl_seconds === undefined ? {} : { ttlSeconds: args.ttl_seconds }),
      });
      return { structured: { cache: cacheStructured(stats) }, text: `configured ${formatCache(stats)}` };
    },
  );

  tool(
    'performance',
    { title: 'Performance', description: 'The dashboard in one call: search time p50/p95 overall and per mode (last minute), indexing throughput, memory, cache hit rates and firing alerts.', input: {}, output: performanceOutput, readOnly: true },
    async () => {
      const structured = await performanceStructured(backend);
      return { structured, text: performanceText(structured) };
    },
  );

  registerResources(server, backend);
  return server;
}

/** Resources an agent can read and subscribe to; updates follow the engine's own events. */
function registerResources(server: McpServer, backend: CliBackend): void {
  const json = (uri: string, value: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value) }] });
  server.registerResource('status', 'quarry://status', { title: 'Index status', description: 'The status tool\'s answer, kept current', mimeType: 'application/json' }, async (uri) =>
    json(uri.href, await statusStructured(backend)),
  );
  server.registerResource('performance', 'quarry://performance', { title: 'Performance', description: 'The performance tool\'s answer, updated with every metrics sample', mimeType: 'application/json' }, async (uri) =>
    json(uri.href, await performanceStructured(backend)),
  );
  const subscribed = new Set<string>();
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  let statusPending = false;
  const updated = (uri: string): void => {
    if (subscribed.has(uri) && server.isConnected()) void server.server.sendResourceUpdated({ uri }).catch(() => undefined);
  };
  const statusChanged = (): void => {
    // Progress streams in; one update a second is plenty for a status.
    if (statusPending) return;
    statusPending = true;
    setTimeout(() => {
      statusPending = false;
      updated('quarry://status');
    }, 1000).unref();
  };
  void backend.subscribe('indexing', statusChanged);
  void backend.subscribe('indexed', statusChanged);
  void backend.subscribe('stats', () => updated('quarry://performance'));
}

/** A tool argument that cannot be right, whatever the engine says. */
class ToolInputError extends Error {}

function toolError(error: unknown): CallToolResult {
  const code = isQuarryError(error) ? error.code : error instanceof ToolInputError ? 'BAD_REQUEST' : 'INTERNAL';
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }], _meta: { code } };
}

function searchStructured(result: SearchResult, contextLines: number): Structured<typeof searchOutput> {
  return {
    hits: result.hits.map((hit) => ({
      folder: hit.folder,
      path: hit.path,
      start_line: hit.startLine,
      end_line: hit.endLine,
      symbol: hit.symbol,
      kind: hit.kind,
      score: Math.round(hit.score * 1000) / 1000,
      relevance: hit.relevance,
      why: hit.signals.map((signal) => signal.detail),
      explained_by: hit.explainedBy && { path: hit.explainedBy.path, line: hit.explainedBy.startLine },
      snippet: hit.snippet.slice(0, contextLines).map((line) => `${line.lineNumber}: ${line.text}`).join('\n'),
    })),
    next_cursor: result.cursor,
    mode: result.mode,
    took_ms: Math.round(result.tookMs * 10) / 10,
    embedding_coverage: result.embeddingCoverage,
    timings_ms: { ...result.timings },
    advice: result.profile.advice.map(({ code, message }) => ({ code, message })),
  };
}

function searchText(result: Structured<typeof searchOutput>): string {
  const coverage = result.embedding_coverage === null ? '' : `, ${Math.round(result.embedding_coverage * 100)}% embedded`;
  const head = `${result.hits.length} hits (${result.mode}, ${result.took_ms} ms${coverage})`;
  const hits = result.hits.map((hit) => {
    const explained = hit.explained_by ? `, explained in ${hit.explained_by.path}:${hit.explained_by.line}` : '';
    const where = `${hit.folder}/${hit.path}:${hit.start_line}-${hit.end_line}${hit.symbol ? ` ${hit.symbol}` : ''} (${hit.relevance}/100${explained})`;
    return hit.snippet ? `${where}\n${hit.snippet.replace(/^/gm, '  ')}` : where;
  });
  const advice = result.advice.map((a) => `advice (${a.code}): ${a.message}`);
  return [head, ...hits, ...(result.next_cursor ? [`next_cursor: ${result.next_cursor}`] : []), ...advice].join('\n');
}

async function statusStructured(backend: CliBackend): Promise<Structured<typeof statusOutput>> {
  const [report, indexing] = await Promise.all([backend.api.status({}), backend.api.indexing({})]);
  const folders = await Promise.all(
    report.folders.map(async (folder) => {
      const job = indexing.jobs.find((j) => j.folder === folder.name) ?? null;
      const progress = job?.state === 'running' ? job.progress : null;
      const head = await readGitHead(folder.root).catch(() => null);
      return {
        name: folder.name,
        root: folder.root,
        files: folder.files,
        chunks: folder.chunks,
        skipped: folder.skipped,
        embedding_coverage: Math.round(folder.embeddingCoverage * 1000) / 1000,
        state: job?.state ?? 'idle',
        phase: progress?.phase ?? null,
        progress: progress ? { done: progress.done, total: progress.total, unit: progress.unit } : null,
        eta_ms: progress?.etaMs ?? null,
        last_indexed_at: folder.lastIndexedAt,
        indexed_git_head: folder.gitHead,
        current_git_head: head,
        stale: head !== folder.gitHead,
      };
    }),
  );
  const model = report.model ? { id: report.model.modelId, dims: report.model.dims, dtype: report.model.dtype, device: report.model.device } : null;
  return { folders, model, model_unavailable: report.modelUnavailable, index_bytes: report.indexBytes };
}

function statusText(status: Structured<typeof statusOutput>): string {
  const folders = status.folders.map((f) => {
    const progress = f.progress ? ` ${f.phase} ${f.progress.done}/${f.progress.total} ${f.progress.unit}` : '';
    const stale = f.stale ? ' (git HEAD moved since indexed)' : '';
    return `${f.name}: ${f.files} files, ${f.chunks} chunks, ${Math.round(f.embedding_coverage * 100)}% embedded, ${f.state}${progress}${stale}`;
  });
  const model = status.model ? `model ${status.model.id} (${status.model.dims} dims, ${status.model.dtype}) on ${status.model.device}` : `no model: ${status.model_unavailable}`;
  return [...(folders.length ? folders : ['no folders yet: index_folder adds one']), model, `index ${Math.round(status.index_bytes / 1024)} KiB`].join('\n');
}

function cacheStructured(stats: CacheStats): z.output<typeof cacheSchema> {
  const lookups = stats.hits + stats.misses;
  return {
    name: stats.name,
    kind: stats.kind,
    hits: stats.hits,
    misses: stats.misses,
    hit_rate: lookups === 0 ? null : Math.round((stats.hits / lookups) * 1000) / 1000,
    entries: stats.entries,
    bytes: stats.bytes,
    max_entries: stats.maxEntries,
    ttl_seconds: stats.ttlSeconds,
    invalidations: stats.invalidations,
    actions: stats.actions,
  };
}

async function performanceStructured(backend: CliBackend): Promise<Structured<typeof performanceOutput>> {
  const [last, alerts, caches] = await Promise.all([backend.api.stats({}), backend.api.alerts({}), backend.api.caches({})]);
  return {
    sampled_at: last?.at ?? null,
    search: {
      p50_ms: last?.searchP50Ms ?? null,
      p95_ms: last?.searchP95Ms ?? null,
      searches_last_minute: last?.searchesLastMinute ?? 0,
      by_mode: (last?.searchByMode ?? []).map((m) => ({ mode: m.mode, p50_ms: m.p50Ms, p95_ms: m.p95Ms, searches: m.searches })),
    },
    indexing: { files_per_second: last?.filesPerSecond ?? 0, chunks_embedded_per_second: last?.chunksEmbeddedPerSecond ?? 0 },
    memory: last ? { rss_mb: Math.round(last.rssMb), heap_mb: Math.round(last.heapMb) } : null,
    caches: caches.map((cache) => ({ name: cache.name, hit_rate: cacheStructured(cache).hit_rate })),
    alerts_firing: alerts.filter((a) => a.state === 'firing').map((a) => ({ name: a.rule.name, metric: a.rule.metric, value: a.value, since: a.since })),
  };
}

function performanceText(p: Structured<typeof performanceOutput>): string {
  const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`);
  return [
    `search p50 ${ms(p.search.p50_ms)}, p95 ${ms(p.search.p95_ms)} (${p.search.searches_last_minute} in the last minute)` +
      p.search.by_mode.map((m) => `; ${m.mode} p50 ${ms(m.p50_ms)}, p95 ${ms(m.p95_ms)}`).join(''),
    `indexing ${p.indexing.files_per_second.toFixed(1)} files/s, ${p.indexing.chunks_embedded_per_second.toFixed(1)} chunks embedded/s`,
    p.memory ? `memory ${p.memory.rss_mb} MB RSS, ${p.memory.heap_mb} MB heap` : 'memory: no sample yet',
    `caches: ${p.caches.map((c) => `${c.name} ${c.hit_rate === null ? '–' : `${Math.round(c.hit_rate * 100)}%`}`).join(', ')}`,
    p.alerts_firing.length ? `firing: ${p.alerts_firing.map((a) => a.name).join(', ')}` : 'no alert firing',
  ].join('\n');
}

function indexResult(folder: FolderInfo, added: boolean, state: 'queued' | 'done' | 'failed', summary: string | null) {
  const structured = { folder: folder.name, root: folder.root, added, state, summary };
  const text = `${added ? 'added' : 'indexing again'} ${folder.name} (${folder.root}): ${state}${summary ? `\n${summary}` : ''}`;
  return { structured, text };
}
