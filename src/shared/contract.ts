/**
 * The API contract between the service (src/main) and every front end: each method's input and
 * output, and each push event, with zod schemas. The Electron and HTTP transports, the preload
 * bridge and the renderer's client are all derived from this one map.
 */
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import {
  MODEL_ID_PATTERN,
  type CacheStats, type EmbedderInfo, type FolderInfo, type FolderStatus, type IndexProgress, type IndexSummary, type SearchHit,
  type SearchResult, type SkippedFile, type StatusReport,
} from './types.js';

// Domain schemas, each checked against its TypeScript type so the two cannot drift apart.

const skipReason = z.enum(['binary', 'too-large', 'minified', 'invalid-encoding', 'unreadable', 'vanished', 'symlink-loop', 'not-a-file', 'failed']);
const searchMode = z.enum(['hybrid', 'semantic', 'lexical', 'regex']);
export const isSearchMode = (mode: string): mode is z.infer<typeof searchMode> => searchMode.safeParse(mode).success;
const count = z.number().int().nonnegative();

const folderInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  root: z.string(),
  addedAt: z.number(),
  gitHead: z.string().nullable(),
  lastIndexedAt: z.number().nullable(),
}) satisfies z.ZodType<FolderInfo>;

const folderStatus = folderInfo.extend({
  files: count,
  chunks: count,
  skipped: count,
  sourceBytes: count,
  embedded: count,
  embeddingCoverage: z.number().min(0).max(1),
  tiers: z.array(z.object({ tier: z.enum(['fast', 'full']), modelId: z.string(), embedded: count })),
}) satisfies z.ZodType<FolderStatus>;

const embedderInfo = z.object({
  modelId: z.string(),
  dims: count,
  dtype: z.string(),
  device: z.string(),
  fallbackReason: z.string().nullable(),
}) satisfies z.ZodType<EmbedderInfo>;

/** Entries a cache dropped, by cause. */
const invalidationCounts = z.object({ generation: count, model: count, fileChange: count, ttl: count, manual: count, size: count });

const cacheStats = z.object({
  name: z.string(),
  kind: z.enum(['memory', 'stored']),
  hits: count,
  misses: count,
  entries: count,
  bytes: count,
  maxEntries: count.nullable(),
  ttlSeconds: z.number().positive().nullable(),
  invalidations: invalidationCounts,
  actions: z.array(z.enum(['clear', 'invalidate', 'configure', 'warm', 'gc'])),
}) satisfies z.ZodType<CacheStats>;

/** A cache as the service reports it: the engine's counters, and its hit rate over the last 15 minutes of samples. */
const cacheReport = cacheStats.extend({
  /** Percent of lookups that hit in the last 15 minutes; null without lookups, or for a cache the samples do not follow. */
  recentHitRate: z.number().nullable(),
});
export type CacheReport = z.infer<typeof cacheReport>;

const statusReport = z.object({
  folders: z.array(folderStatus),
  model: embedderInfo.nullable(),
  fastModel: embedderInfo.nullable(),
  modelUnavailable: z.string().nullable(),
  embeddingLeftOut: z.partialRecord(z.enum(['vendored', 'generated', 'fixture']), count),
  caches: z.array(cacheStats),
  embeddings: z.object({ computed: count, cacheHits: count, failed: count, evicted: count, entries: count, bytes: count, otherModels: count }),
  skippedByReason: z.partialRecord(skipReason, count),
  indexBytes: count,
  dataDir: z.string(),
}) satisfies z.ZodType<StatusReport>;

const searchHit = z.object({
  folder: z.string(),
  path: z.string(),
  language: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  kind: z.enum(['function', 'class', 'method', 'block', 'comment', 'text']),
  symbol: z.string().nullable(),
  score: z.number(),
  snippet: z.array(z.object({ lineNumber: z.number().int(), text: z.string(), highlights: z.array(z.tuple([z.number(), z.number()])) })),
  moreInFile: count,
  relevance: z.number().min(0).max(100),
  signals: z.array(z.object({ kind: z.enum(['text', 'definition', 'path', 'doc', 'semantic']), detail: z.string() })),
  explainedBy: z.object({ path: z.string(), startLine: z.number().int() }).nullable(),
}) satisfies z.ZodType<SearchHit>;

const searchResult = z.object({
  hits: z.array(searchHit),
  tookMs: z.number(),
  mode: searchMode,
  embeddingCoverage: z.number().nullable(),
  cursor: z.string().nullable(),
  generation: z.number(),
  partial: z.boolean(),
  timings: z.object({ parse: z.number(), lexical: z.number(), embed: z.number(), vector: z.number(), fuse: z.number(), snippets: z.number() }),
  cache: z.object({ results: z.boolean(), queryVector: z.boolean().nullable() }),
  profile: z.object({
    dominantStage: z.enum(['parse', 'lexical', 'embed', 'vector', 'fuse', 'snippets']).nullable(),
    dominantShare: z.number().min(0).max(1),
    counts: z.object({
      indexedChunks: count,
      phraseChunks: count.nullable(),
      lexicalCandidates: count.nullable(),
      regexChunksChecked: count.nullable(),
      vectorsCompared: count.nullable(),
      hitFolders: count,
      hitLanguages: count,
    }),
    regex: z.object({ prefilter: z.enum(['identifiers', 'substrings', 'none']), re2: z.boolean() }).nullable(),
    cachedAgeMs: z.number().nonnegative().nullable(),
    advice: z.array(z.object({
      code: z.enum(['regex-without-literal', 'regex-javascript-only', 'phrase-scan', 'filter-would-narrow', 'embeddings-incomplete']),
      message: z.string(),
    })),
  }),
}) satisfies z.ZodType<SearchResult>;

const indexProgress = z.object({
  folder: z.string(),
  phase: z.enum(['scanning', 'indexing', 'parsing', 'embedding', 'done']),
  unit: z.enum(['files', 'chunks']),
  total: count,
  done: count,
  bytesDone: count,
  elapsedMs: z.number(),
  rate: z.number(),
  etaMs: z.number().nullable(),
}) satisfies z.ZodType<IndexProgress>;

const indexSummary = z.object({
  folder: z.string(),
  filesSeen: count,
  filesIndexed: count,
  filesUnchanged: count,
  filesUnchangedByStamp: count,
  filesDeleted: count,
  filesSkipped: count,
  skippedByReason: z.partialRecord(skipReason, count).optional(),
  chunksWritten: count,
  embeddingsComputed: count,
  embeddingCacheHits: count,
  embeddingsFailed: count,
  embeddingsByModel: z.array(z.object({ model: z.string(), tier: z.enum(['fast', 'full']), computed: count, cacheHits: count, failed: count })).optional(),
  elapsedMs: z.number(),
  slowestFiles: z.array(z.object({ path: z.string(), ms: z.number(), bytes: count })),
}) satisfies z.ZodType<IndexSummary>;

/** One index run of one folder, stored in the metrics history: what `quarry reports` and the app list. */
export const indexRunReport = z.object({
  folder: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  outcome: z.enum(['done', 'failed', 'cancelled']),
  error: z.string().nullable(),
  summary: indexSummary.nullable(),
  /** Each pass the run made (the fast lexical pass, the syntax pass, embedding), as its last progress report saw it. */
  stages: z.array(z.object({
    phase: z.enum(['indexing', 'parsing', 'embedding']),
    unit: z.enum(['files', 'chunks']),
    done: count,
    total: count,
    bytes: count,
    ms: z.number(),
    /** Units per second. */
    rate: z.number(),
  })),
  /** The files this run skipped, by reason. */
  skippedByReason: z.partialRecord(skipReason, count),
});
export type IndexRunReport = z.infer<typeof indexRunReport>;

const skippedFile = z.object({ folder: z.string(), path: z.string(), reason: skipReason, detail: z.string() }) satisfies z.ZodType<SkippedFile>;

/** A folder's indexing job as the scheduler runs it. */
const folderJob = z.object({
  folder: z.string(),
  state: z.enum(['queued', 'running', 'paused', 'done', 'cancelled', 'failed']),
  priority: z.number(),
  progress: indexProgress.nullable(),
  summary: indexSummary.nullable(),
  error: z.string().nullable(),
});
export type FolderJob = z.infer<typeof folderJob>;
export type FolderJobState = FolderJob['state'];

const indexingState = z.object({
  /** Every job was paused together (the tray's or toolbar's pause). */
  paused: z.boolean(),
  jobs: z.array(folderJob),
});
export type IndexingState = z.infer<typeof indexingState>;

/** A window of a file's current text around a line, for the preview pane. */
const filePreview = z.object({
  folder: z.string(),
  path: z.string(),
  language: z.string(),
  /** Line number of `lines[0]`, 1-based. */
  firstLine: z.number().int().positive(),
  lines: z.array(z.string()),
  totalLines: count,
});
export type FilePreview = z.infer<typeof filePreview>;

/** Quarry's live metrics, sampled every few seconds (`stats` events): what alert rules watch and trends plot. */
const statsSample = z.object({
  /** Epoch ms. */
  at: z.number(),
  /** Search time percentiles over the last minute; null without searches in it. */
  searchP50Ms: z.number().nullable(),
  searchP95Ms: z.number().nullable(),
  searchesLastMinute: count,
  /** The same, per search mode that ran in the last minute. */
  searchByMode: z.array(z.object({ mode: searchMode, p50Ms: z.number(), p95Ms: z.number(), searches: count })),
  /** Since the previous sample, per second: files processed (by either lexical pass) and chunks embedded. */
  filesPerSecond: z.number(),
  chunksEmbeddedPerSecond: z.number(),
  /** Since the previous sample: the share of searches answered from the result cache; null without searches. */
  resultCacheHitRate: z.number().nullable(),
  /** The whole process (and its worker threads): resident memory, and the main JavaScript heap. */
  rssMb: z.number(),
  heapMb: z.number(),
  caches: z.array(cacheStats),
});
export type StatsSample = z.infer<typeof statsSample>;

/** The spans the Trends page offers, in ms. */
export const TREND_RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '90d': 90 * 86_400_000 } as const;
const trendRange = z.enum(Object.keys(TREND_RANGES) as [keyof typeof TREND_RANGES, ...Array<keyof typeof TREND_RANGES>]);
export type TrendRange = z.infer<typeof trendRange>;

/** The charts a series belongs to; the page draws one per chart that has data. */
const trendChart = z.enum(['search-p95', 'search-p50', 'throughput', 'cache-hit-rate', 'memory', 'index-size', 'coverage']);
export type TrendChart = z.infer<typeof trendChart>;

/** One gated figure of a benchmark run: our time over a reference's (lower is better), and its spread across runs. */
const benchmarkFigure = z.object({ ratio: z.number().positive().finite(), noise: z.number().min(0).finite() });
/** A benchmark run's gated figures by name. */
export const benchmarkFigures = z.record(z.string().min(1).max(100), benchmarkFigure);

/** The metrics history over a range, in steps, from the history file (so it outlives restarts). */
const trendsReport = z.object({
  range: trendRange,
  from: z.number(),
  to: z.number(),
  stepMs: z.number().positive(),
  series: z.array(z.object({ key: z.string(), label: z.string(), unit: z.string(), chart: trendChart })),
  /** One per step that has a sample, oldest first; a series missing from `values` had no data in the step. */
  points: z.array(z.object({ at: z.number(), values: z.record(z.string(), z.number()) })),
  /** Index runs that overlap the range, as spans. */
  runs: z.array(z.object({ folder: z.string(), startedAt: z.number(), endedAt: z.number(), outcome: z.enum(['done', 'failed', 'cancelled']) })),
  /** Where a series moved more than 10% against its trailing baseline (the median of its last points). */
  changes: z.array(z.object({ key: z.string(), at: z.number(), baseline: z.number(), value: z.number(), change: z.number() })),
  /** Benchmark runs recorded in the range (`npm run bench -- --record`), oldest first. */
  benchmarks: z.array(z.object({ at: z.number(), profile: z.string(), commit: z.string(), figures: benchmarkFigures })),
});
export type TrendsReport = z.infer<typeof trendsReport>;

/** What an alert rule can watch, read at every sample; `unit` is how values are shown. */
export const ALERT_METRICS = {
  hybridSearchP95Ms: { label: 'hybrid search time p95 over the window', unit: 'ms' },
  searchP95Ms: { label: 'search time p95 over the window, every mode', unit: 'ms' },
  resultCacheHitRate: { label: 'result cache hit rate over the window', unit: '%' },
  rssMb: { label: 'memory in use (RSS)', unit: 'MB' },
  rssBudgetShare: { label: 'memory in use (RSS), as a share of the memory budget', unit: '%' },
  indexingThroughputShare: { label: "indexing throughput over the window, as a share of the pass's median", unit: '%' },
  embeddingStallSeconds: { label: 'time since a chunk was last embedded, while chunks wait', unit: 's' },
  watcherFailures: { label: 'folders whose file watcher stopped', unit: 'folders' },
  staleFolders: { label: "folders whose index is older than their git HEAD, with no run queued", unit: 'folders' },
  indexDiskShare: { label: 'index on disk, as a share of the free space left', unit: '%' },
  failedJobs: { label: 'folders whose last indexing run failed', unit: 'folders' },
} as const;
const alertMetric = z.enum(Object.keys(ALERT_METRICS) as [keyof typeof ALERT_METRICS, ...Array<keyof typeof ALERT_METRICS>]);
export type AlertMetric = z.infer<typeof alertMetric>;

/**
 * Fires when the metric stays past the threshold (above or below it) for `forSeconds`; resolves
 * once it has been back on the right side by a margin for a while (hysteresis, so it doesn't flap).
 */
const alertRule = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  metric: alertMetric,
  when: z.enum(['above', 'below']),
  threshold: z.number().finite(),
  forSeconds: z.number().min(0).max(86_400),
  /** The span a windowed metric (search time, hit rate, throughput) is read over. */
  windowSeconds: z.number().int().min(5).max(3600),
  /** Fewest events (searches, cache lookups) the window needs before a windowed metric has a value. */
  minEvents: count,
  enabled: z.boolean(),
});
export type AlertRule = z.infer<typeof alertRule>;

const alertState = z.enum(['disabled', 'ok', 'pending', 'firing', 'resolved']);

/** A rule's state now; `alert` events carry it when it starts firing, resolves or is acknowledged. */
const alertStatus = z.object({
  rule: alertRule,
  state: alertState,
  /** The metric's latest value, or null without one (no searches in the window, say). */
  value: z.number().nullable(),
  /** Epoch ms the state began. */
  since: z.number(),
  /** When someone acknowledged the firing alert; null until then, and again once it resolves. */
  acknowledgedAt: z.number().nullable(),
});
export type AlertStatus = z.infer<typeof alertStatus>;

/** One change of an alert's state, kept in the metrics history. */
const alertEvent = z.object({
  at: z.number(),
  ruleId: z.string(),
  name: z.string(),
  state: z.enum(['pending', 'firing', 'resolved', 'acknowledged']),
  /** Measured in `metric`'s unit. */
  value: z.number().nullable(),
  /**
   * The metric the rule watched when its state changed, which the value is in: a rule's metric can
   * change later (the memory rule's did, from MB to a share of the budget). Null when
   * not known: an event kept before the history stored it, or under a metric no longer offered.
   */
  metric: alertMetric.nullable(),
});
export type AlertEvent = z.infer<typeof alertEvent>;

/** The memory budget's default and bounds, in MB: 2 GiB, from 256 MB to 1 TiB. */
export const DEFAULT_MEMORY_BUDGET_MB = 2048;
export const MIN_MEMORY_BUDGET_MB = 256;
export const MAX_MEMORY_BUDGET_MB = 1_048_576;

const settings = z.object({
  /** How much CPU embedding may use; applies from the next start. */
  budget: z.enum(['economy', 'full']),
  /**
   * The memory Quarry should stay within, in MB (2 GiB by default). Only alerts read it (the
   * `rssBudgetShare` metric, from the next sample); nothing is limited by it.
   */
  memoryBudgetMb: z.number().int().min(MIN_MEMORY_BUDGET_MB).max(MAX_MEMORY_BUDGET_MB),
  /** Opens a result; `{file}` and `{line}` are replaced. Empty: the system's default app. */
  editorCommand: z.string().max(500),
  /** Closing the window keeps Quarry indexing in the tray. */
  keepRunningInTray: z.boolean(),
  /**
   * Patterns left out of every folder (gitignore syntax, one per entry), after the built-in
   * defaults; a folder's own .gitignore or .quarryignore can re-include. Changing them re-indexes.
   */
  ignoreRules: z.array(z.string().max(1000)).max(1000),
  /** The transformer tier's model (a folder in the models folder), or 'none'; `--model` or QUARRY_MODEL override it at start. */
  modelId: z.string().min(1).max(200).regex(MODEL_ID_PATTERN, 'a model folder name'),
  /** The fast tier's static model (a folder in the models folder), or 'none'; `--fast-model` or QUARRY_FAST_MODEL override it at start. */
  fastModelId: z.string().min(1).max(200).regex(MODEL_ID_PATTERN, 'a model folder name'),
  /** The transformer tier embeds vendored, generated and fixture files too, instead of leaving them to the fast tier. */
  embedEverything: z.boolean(),
  /** Threshold rules over Quarry's own metrics; a firing one shows in the window and the tray. */
  alertRules: z.array(alertRule).max(50).refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, 'alert rule ids must be unique'),
});
export type Settings = z.infer<typeof settings>;

/** transformer: the embedding model (all-MiniLM-L6-v2 by default); fast: the fast tier's static model (potion-code-16M). */
const modelTier = z.enum(['transformer', 'fast']);
export type ModelTier = z.infer<typeof modelTier>;

/** A model download under way, finished or failed (`modelDownload` events). */
const modelDownload = z.object({
  tier: modelTier,
  modelId: z.string(),
  state: z.enum(['downloading', 'done', 'failed', 'cancelled']),
  file: z.string().nullable(),
  bytes: count,
  total: count,
  error: z.string().nullable(),
});
export type ModelDownload = z.infer<typeof modelDownload>;

/** The models Quarry can switch to (complete folders in its models folder), and the one in use. */
const models = z.object({
  modelsDir: z.string().nullable(),
  /** The transformer tier's model in use; null when the tier is off. */
  active: z.string().nullable(),
  installed: z.array(z.object({ modelId: z.string(), dims: count, dtype: z.string() })),
  /** The fast tier: its static model in use (null: off) and the static models installed. */
  fast: z.object({ active: z.string().nullable(), installed: z.array(z.object({ modelId: z.string(), dims: count, dtype: z.string() })) }),
});
export type Models = z.infer<typeof models>;

/** What the front end can offer: a folder picker and reveal exist only in the desktop app. */
const capabilities = z.object({ pickFolder: z.boolean(), revealInFolder: z.boolean() });
export type Capabilities = z.infer<typeof capabilities>;

// Inputs. Strict objects: an unknown field is a client bug worth reporting, not ignoring.

const none = z.strictObject({});
/** Which tier's model a download call is about; the transformer's when left out. */
const tierRef = z.strictObject({ tier: modelTier.optional() });
const folderRef = z.strictObject({ folder: z.string().min(1).max(4096) });
const optionalFolder = z.strictObject({ folder: z.string().min(1).max(4096).optional() });
const fileRef = z.strictObject({
  folder: z.string().min(1).max(4096),
  path: z.string().min(1).max(4096),
  line: z.number().int().positive().optional(),
});

/** A method: its input schema and the schema of what it resolves to. */
interface MethodSpec<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
}
const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodSpec<I, O> => ({ input, output });

export const methods = {
  status: method(none, statusReport),
  /** The added folders, without the counts `status` gathers. */
  folders: method(none, z.array(folderInfo)),
  indexing: method(none, indexingState),
  capabilities: method(none, capabilities),
  /** Adds a folder by absolute path and starts indexing it ahead of background work. */
  addFolder: method(z.strictObject({ path: z.string().min(1).max(4096) }), folderInfo),
  /** Opens the desktop folder picker and adds what was chosen; null when cancelled. */
  pickFolder: method(none, folderInfo.nullable()),
  removeFolder: method(folderRef, z.null()),
  /**
   * Indexes a folder again: changes only, or with `rebuild` everything from scratch. A folder that
   * is watched and settled is answered from its watcher at once (an `indexed` event with nothing
   * changed); `verify` walks it anyway.
   */
  reindexFolder: method(z.strictObject({ folder: z.string().min(1), rebuild: z.boolean().optional(), verify: z.boolean().optional() }), z.null()),
  /** Pauses one folder's indexing, or all of it when no folder is given. */
  pause: method(optionalFolder, z.null()),
  resume: method(optionalFolder, z.null()),
  /**
   * Searches. The resolved value is the final result; on the way, `searchResult` events carry
   * partial results (lexical first) tagged with the same `requestId`.
   */
  search: method(
    z.strictObject({
      requestId: z.string().min(1).max(100),
      query: z.string().max(2000),
      mode: searchMode.optional(),
      limit: z.number().int().min(1).max(200).optional(),
      cursor: z.string().max(2000).optional(),
      /** Rank anew instead of answering from the result cache, and leave the query out of the query log: for evaluations. */
      fresh: z.boolean().optional(),
    }),
    searchResult,
  ),
  skipped: method(optionalFolder, z.array(skippedFile)),
  preview: method(fileRef, filePreview),
  openInEditor: method(fileRef, z.null()),
  revealInFolder: method(fileRef, z.null()),
  settings: method(none, settings),
  updateSettings: method(settings.partial().strict(), settings),
  /**
   * Downloads a tier's model (resumable, verified), turns that tier on with it and queues every
   * folder for its embeddings; `modelDownload` events report progress. The choice is saved in the
   * settings (`modelId`, `fastModelId`), so it holds from the next start too.
   */
  downloadModel: method(tierRef, z.null()),
  /** Stops a tier's model download under way (the next one continues where it stopped); nothing if none is. */
  cancelModelDownload: method(tierRef, z.null()),
  /** The installed models and the one in use per tier; `updateSettings({ modelId })` switches (every folder is embedded with it) or, with 'none', turns the tier off. */
  models: method(none, models),
  /** Every alert rule with its state now. */
  alerts: method(none, z.array(alertStatus)),
  /** Acknowledges a firing alert: it stays firing, but no longer calls for attention (badge, tray, notification). */
  acknowledgeAlert: method(z.strictObject({ id: z.string().min(1).max(100) }), alertStatus),
  /** Alert state changes, newest first, from the metrics history (so they outlive restarts). */
  alertHistory: method(z.strictObject({ limit: z.number().int().min(1).max(1000).optional() }), z.array(alertEvent)),
  /** The latest metrics sample, or null before the first (new ones arrive as `stats` events). */
  stats: method(none, statsSample.nullable()),
  /** Stored reports of index runs, newest first: one folder's or every folder's. */
  reports: method(z.strictObject({ folder: z.string().min(1).max(4096).optional(), limit: z.number().int().min(1).max(500).optional() }), z.array(indexRunReport)),
  /** The metrics history over a range (default the last hour), from the file that outlives restarts. */
  trends: method(z.strictObject({ range: trendRange.optional() }), trendsReport),
  /**
   * Quarry's metrics in Prometheus's text format (what `GET /metrics` serves) and as prom-client's
   * JSON: search time per mode and stage, index work, embeddings, caches, queue, index size, process.
   */
  prometheusMetrics: method(none, z.object({ text: z.string(), json: z.array(z.looseObject({ name: z.string(), help: z.string(), type: z.string() })) })),
  /** Every cache the engine keeps, in memory and stored, with its counters, size and settings. */
  caches: method(none, z.array(cacheReport)),
  /**
   * Empties one cache by name (counted as manual invalidations); its settings stay. Clearing the
   * unchanged-file skips makes every folder's next run read and hash each file, and queues those runs.
   */
  clearCache: method(z.strictObject({ name: z.string().min(1).max(100) }), cacheReport),
  /**
   * Drops only the entries of one cache that are no longer valid, keeping the valid ones, and says
   * how many by cause: for search results, rankings of past index generations (a cursor still
   * paging through one expires), and in both memory caches entries past their time to live
   * (a model switch drops its query vectors itself). The stored caches refuse it (UNSUPPORTED); a cache's
   * `actions` say whether it offers `invalidate`.
   */
  invalidateCache: method(z.strictObject({ name: z.string().min(1).max(100) }), z.object({ cache: cacheReport, dropped: count, byCause: invalidationCounts })),
  /** Changes a cache's capacity or time to live (null: none) while Quarry runs. */
  configureCache: method(
    z.strictObject({ name: z.string().min(1).max(100), maxEntries: z.number().int().min(1).max(1_000_000).optional(), ttlSeconds: z.number().positive().max(31_536_000).nullable().optional() }),
    cacheReport,
  ),
  /** Keeps a benchmark run's ratios in the metrics history, where Trends shows them over time. */
  recordBenchmark: method(
    z.strictObject({ profile: z.string().min(1).max(200), commit: z.string().max(100), figures: benchmarkFigures }),
    z.null(),
  ),
  /** Ranks the most frequent queries of the last week into the result cache now (as the engine does at start). */
  warmCache: method(none, z.object({ warmed: count, ms: z.number() })),
  /** Finds the stored vectors no chunk references, with the bytes they take; deletes them unless `dryRun`. */
  collectGarbage: method(z.strictObject({ dryRun: z.boolean().optional() }), z.object({ vectors: count, bytes: count, applied: z.boolean() })),
  /**
   * Stops the engine process serving this call, once it has answered: its indexing stops at a safe
   * point and it gives up the data directory, for another owner (the app) to take over.
   */
  stopEngine: method(none, z.null()),
};

export type MethodName = keyof typeof methods;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<(typeof methods)[M]['output']>;

/** The whole API as functions: what the service implements and what `window.quarry` exposes. */
export type QuarryApi = { [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>> };

export const METHOD_NAMES = Object.keys(methods) as MethodName[];

/** Push events, service to front ends. */
export const events = {
  /** Job states changed (queued, running, paused, done...). */
  indexing: indexingState,
  progress: indexProgress,
  /** A folder finished an index run; its counts changed. */
  indexed: indexSummary,
  searchResult: z.object({ requestId: z.string(), result: searchResult }),
  modelDownload,
  /** An alert started firing, resolved, or was acknowledged. */
  alert: alertStatus,
  /** The latest metrics, every few seconds. */
  stats: statsSample,
};

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

export const EVENT_NAMES = Object.keys(events) as EventName[];

/**
 * What a transport serves: every method and the push events. The IPC and HTTP transports depend
 * on this, not on the service that implements it.
 */
export interface QuarryBackend extends QuarryApi {
  /** Listens to a push event (an EventEmitter's `on`: the payload is the event's, see `events`). */
  on(event: EventName, listener: (payload: never) => void): unknown;
  off(event: EventName, listener: (payload: never) => void): unknown;
}

/** One push event as it travels (IPC message or SSE data). */
export type PushEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];

/** An error as it crosses a transport: a stable code and a message, never a stack. */
export const apiError = z.object({ code: z.enum([...ERROR_CODES, 'BAD_REQUEST', 'INTERNAL']), message: z.string() });
export type ApiError = z.infer<typeof apiError>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name);
}

/** Validates a method's input; the message names the fields that are wrong. */
export function parseInput<M extends MethodName>(name: M, input: unknown): z.output<(typeof methods)[M]['input']> {
  const parsed = methods[name].input.safeParse(input ?? {});
  if (!parsed.success) throw new ContractError(`Bad input for ${name}: ${z.prettifyError(parsed.error)}`);
  return parsed.data as z.output<(typeof methods)[M]['input']>;
}

/** Input or output that breaks the contract. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

/** What a transport carries back for one call: the result, or the error that replaced it. */
export type Envelope<T> = { result: T } | { error: ApiError };

/** The IPC channel of a method (one per method: no generic invoke). */
export const methodChannel = (name: MethodName): string => `quarry:${name}`;
/** The IPC channel push events travel on, as PushEvent messages. */
export const EVENT_CHANNEL = 'quarry:event';

/** What the preload exposes as `window.quarry`: one function per method, and event subscriptions. */
export type QuarryBridge = { [M in MethodName]: (input: MethodInput<M>) => Promise<Envelope<MethodOutput<M>>> } & {
  /** Subscribes to a push event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
  /** The absolute path of a dropped File (Electron's webUtils.getPathForFile); '' when it has none. */
  pathForFile(file: object): string;
};
