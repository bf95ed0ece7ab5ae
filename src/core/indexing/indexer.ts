import { promises as fs } from 'node:fs';
import path from 'node:path';
import { QuarryError } from '../../shared/errors.js';
import type { FolderInfo, IndexProgress, IndexSummary, SkipReason, SlowFile } from '../../shared/types.js';
import type { FileRow, FileWrite, FolderBatch, Store } from '../store/store.js';
import type { WalkedFile, WalkGone, WalkItem, WalkRequest } from '../walk/walker.js';
import { readGitHead } from './git-head.js';
import type { PauseGate } from './pause-gate.js';
import { failedOutcome, type FileJob, type FileOutcome } from './process-file.js';

/** Does the heavy work of indexing, the walk and the files: chunk workers in the app, or in-process. */
export interface FileProcessor {
  /** The walk a request asks for, in batches; rejects if the root cannot be walked. */
  walk(request: WalkRequest): AsyncIterable<Array<WalkItem | WalkGone>>;
  /** One outcome per job, in order; a file that fails becomes a 'failed' skip, never a rejection. */
  process(jobs: FileJob[]): Promise<FileOutcome[]>;
}

/**
 * Files per processor call: enough to amortise a worker round trip (measured: 128 made a new
 * folder searchable 7% sooner than 32, as the main thread, which commits, posts a quarter of the
 * messages), few enough to balance load.
 */
const FILES_PER_TASK = 128;
/** Postings per transaction, below DuckDB's row group size (122,880 rows). */
const MAX_POSTINGS_PER_COMMIT = 100_000;
/** Batches of tasks kept running ahead of the one being committed. */
const TASK_LOOKAHEAD_BATCHES = 1;
/**
 * Source bytes dispatched and not yet committed. It bounds what a run holds in memory (texts,
 * chunks, postings) where files are large; a batch commits early rather than wait beyond it.
 */
const MAX_BYTES_IN_FLIGHT = 32 * 1024 * 1024;
/**
 * An update to an indexed folder parses this many files at once, so that an edit takes one pass;
 * the rest of a larger one (a branch switch) are first chunked by lines, which makes them
 * searchable sooner, and then re-chunked along the syntax tree by a `refine` run. A folder's
 * first build (or a rebuild) is chunked by lines throughout: no grammar is even compiled before
 * all of it is searchable.
 */
const SYNTAX_FIRST_FILES = 512;

export interface IndexOptions {
  maxFileBytes: number;
  /** Only these paths (files or directories, relative to the root) changed: look at nothing else. */
  changed?: string[];
  /** Files per atomic write; each commit makes its files searchable. */
  batchFiles?: number;
  signal?: AbortSignal;
  /** Paused, the run waits after its current commit until resumed. */
  gate?: PauseGate;
  /** Instead of walking, re-chunk along the syntax tree the files the fast pass chunked by lines. */
  refine?: boolean;
  /** The user's ignore rules for every folder (gitignore syntax). */
  userRules?: readonly string[];
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

interface Pending {
  file: Omit<WalkedFile, 'type'>;
  existing: FileRow | undefined;
}

/**
 * Brings one folder's index up to date with the disk (or, with `refine`, replaces the fast pass's
 * line-window chunks with syntax-aware ones). Change detection compares size and mtime,
 * then the content hash, so an unchanged tree costs one walk. Files are written in atomic batches
 * as they are processed (and the next batch is processed while one is written), so a folder
 * becomes searchable progressively and an interrupted run resumes where it stopped.
 */
export async function* indexFolder(
  store: Store,
  folder: FolderInfo,
  processor: FileProcessor,
  options: IndexOptions,
): AsyncGenerator<IndexProgress, IndexSummary> {
  const started = performance.now();
  const stat = await fs.stat(folder.root).catch(() => null);
  if (!stat?.isDirectory()) throw new QuarryError('FOLDER_NOT_FOUND', `Folder ${folder.name} is gone: ${folder.root} no longer exists`);

  const summary: IndexSummary = {
    folder: folder.name, filesSeen: 0, filesIndexed: 0, filesUnchanged: 0, filesUnchangedByStamp: 0, filesDeleted: 0, filesSkipped: 0, skippedByReason: {}, chunksWritten: 0,
    embeddingsComputed: 0, embeddingCacheHits: 0, embeddingsFailed: 0, elapsedMs: 0, slowestFiles: [],
  };
  const skipped = (reason: SkipReason): void => {
    summary.filesSkipped++;
    noteSkips(summary, { [reason]: 1 });
  };
  let indexingStarted = started;
  const progress = (phase: IndexProgress['phase'], total: number, done: number, bytes: number): IndexProgress => {
    const elapsedMs = performance.now() - started;
    // The rate (and so the ETA) counts from when files started being written, not from the scan.
    const rate = done / Math.max((performance.now() - indexingStarted) / 1000, 1e-3);
    return {
      folder: folder.name, phase, unit: 'files', total, done, bytesDone: bytes, elapsedMs,
      // While scanning, the total is still growing: no ETA yet.
      rate, etaMs: phase !== 'scanning' && rate > 0 ? ((total - done) / rate) * 1000 : null,
    };
  };

  // The walk, the workers and the commits overlap: the walk dispatches whole tasks as it finds
  // work (up to a bounded lookahead), and the loop below commits finished tasks in order, in
  // batches, while later tasks run. Deletions wait for the end of the walk, which must have seen
  // everything.
  const batchFiles = options.batchFiles ?? 1024;
  const tasksPerBatch = Math.ceil(batchFiles / FILES_PER_TASK);
  const lookahead = tasksPerBatch * (1 + TASK_LOOKAHEAD_BATCHES);
  const pending: Pending[] = [];
  const tasks: Array<Promise<FileOutcome[]>> = [];
  let committedTasks = 0;
  let walking = true;
  let bytesInFlight = 0;
  const overBudget = (): boolean => tasks.length > committedTasks && bytesInFlight >= MAX_BYTES_IN_FLIGHT;
  const startTasks = (): void => {
    for (;;) {
      const from = tasks.length * FILES_PER_TASK;
      const available = pending.length - from;
      if (tasks.length >= committedTasks + lookahead || available <= 0 || (walking && available < FILES_PER_TASK) || overBudget()) return;
      if (tasks.length === 0) indexingStarted = performance.now();
      const jobs = pending.slice(from, from + FILES_PER_TASK).map(({ file, existing }, i): FileJob => ({
        absPath: file.absPath,
        relPath: file.relPath,
        // Refining re-chunks content that is already indexed.
        knownHash: options.refine ? null : (existing?.hash ?? null),
        syntax: options.refine === true || (catalog.size > 0 && from + i < SYNTAX_FIRST_FILES),
      }));
      for (const { file } of pending.slice(from, from + FILES_PER_TASK)) bytesInFlight += file.size;
      // A worker that crashed takes its task with it: record those files as failed, go on.
      tasks.push(processor.process(jobs).catch((error: unknown) => jobs.map(() => failedOutcome(error))));
    }
  };

  if (!options.refine) yield progress('scanning', 0, 0, 0);
  const catalog = await store.fileCatalog(folder.id);
  const seen = new Set<string>();
  const walkSkips: FileWrite[] = [];
  const removeForSkips: number[] = [];
  const gone = new Set<number>();
  const stopWalk = new AbortController();
  let wakeCommitter = (): void => undefined;
  const walked = (async () => {
    try {
      if (options.refine) {
        for (const row of refinable(catalog)) {
          summary.filesSeen++;
          pending.push({ file: { absPath: path.join(folder.root, row.path), relPath: row.path, size: row.size, mtimeMs: row.mtimeMs }, existing: row });
        }
        return;
      }
      const request: WalkRequest = {
        root: folder.root, maxFileBytes: options.maxFileBytes, userRules: options.userRules ?? [], ...(options.changed ? { changed: options.changed } : {}),
      };
      for await (const batch of processor.walk(request)) for (const item of batch) {
        throwIfAborted(options.signal);
        if (stopWalk.signal.aborted) return;
        if (item.type === 'gone') {
          // The path and, if it was a directory, everything that was under it.
          for (const row of catalog.values()) if (row.path === item.relPath || row.path.startsWith(`${item.relPath}/`)) gone.add(row.id);
          continue;
        }
        // A watcher reports a new directory and the files in it: each file is looked at once.
        if (seen.has(item.relPath)) continue;
        seen.add(item.relPath);
        summary.filesSeen++;
        const existing = catalog.get(item.relPath);
        if (item.type === 'skip') {
          skipped(item.reason);
          if (existing?.status === 'skipped' && existing.skipReason === item.reason) continue;
          if (existing) removeForSkips.push(existing.id);
          walkSkips.push({ path: item.relPath, size: 0, mtimeMs: 0, hash: null, language: null, skip: { reason: item.reason, detail: item.detail }, chunks: [], provisional: false });
          continue;
        }
        if (existing && existing.size === item.size && existing.mtimeMs === item.mtimeMs && existing.skipReason !== 'failed') {
          // Still skipped, for the reason recorded when it was (a skipped file always has one).
          if (existing.status === 'skipped') skipped(existing.skipReason ?? 'failed');
          else {
            summary.filesUnchanged++;
            summary.filesUnchangedByStamp++;
          }
          continue;
        }
        pending.push({ file: item, existing });
        const started = tasks.length;
        startTasks();
        if (tasks.length > started) wakeCommitter();
      }
    } finally {
      walking = false;
      startTasks();
      wakeCommitter();
    }
  })();
  // Its failure surfaces in the loop below; this only keeps an early one from counting as unhandled.
  walked.catch(() => undefined);

  let done = 0;
  let bytes = 0;
  let deletionsApplied = false;
  let provisionalFiles = 0;
  try {
    for (;;) {
      if (walking && tasks.length - committedTasks < tasksPerBatch && !overBudget()) {
        // Wait for a whole batch of tasks, or for the end of the walk (which rethrows its failure).
        await Promise.race([new Promise<void>((resolve) => (wakeCommitter = resolve)), walked]);
        continue;
      }
      if (!walking && !deletionsApplied && !options.refine) {
        await walked;
        deletionsApplied = true;
        // A full walk deletes what it did not see; an update, what it found gone.
        const deleted = options.changed ? [...gone] : [...catalog.values()].filter((row) => !seen.has(row.path)).map((row) => row.id);
        summary.filesDeleted = deleted.length;
        if (deleted.length > 0 || walkSkips.length > 0) {
          await store.applyBatch({ folderId: folder.id, removeFileIds: [...deleted, ...removeForSkips], write: walkSkips, touch: [] });
        }
      }
      if (committedTasks === tasks.length) break;
      const taskCount = Math.min(tasksPerBatch, tasks.length - committedTasks);
      const outcomes = (await Promise.all(tasks.slice(committedTasks, committedTasks + taskCount))).flat();
      await options.gate?.wait(options.signal);
      throwIfAborted(options.signal);
      const from = committedTasks * FILES_PER_TASK;
      let batch: FolderBatch = { folderId: folder.id, removeFileIds: [], write: [], touch: [] };
      let batchPostings = 0;
      const commit = async (): Promise<void> => {
        await store.applyBatch(batch);
        batch = { folderId: folder.id, removeFileIds: [], write: [], touch: [] };
        batchPostings = 0;
      };
      for (const [i, outcome] of outcomes.entries()) {
        const { file, existing } = pending[from + i]!;
        bytes += file.size;
        bytesInFlight -= file.size;
        if (outcome.type === 'unchanged') {
          if (existing) batch.touch.push({ id: existing.id, size: file.size, mtimeMs: file.mtimeMs });
          summary.filesUnchanged++;
          continue;
        }
        if (existing) batch.removeFileIds.push(existing.id);
        if (outcome.type === 'skipped') {
          skipped(outcome.reason);
          batch.write.push({ path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: null, language: null, skip: { reason: outcome.reason, detail: outcome.detail }, chunks: [], provisional: false });
        } else {
          summary.filesIndexed++;
          batch.write.push({
            path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: outcome.hash, language: outcome.language, skip: null,
            chunks: outcome.chunks, provisional: outcome.provisional,
          });
          noteSlowFile(summary.slowestFiles, { path: file.relPath, ms: outcome.ms, bytes: file.size });
          // Counted once they are final: provisional chunks never reach the embedder.
          if (outcome.provisional) provisionalFiles++;
          else summary.chunksWritten += outcome.chunks.length;
          for (const chunk of outcome.chunks) batchPostings += chunk.terms.length;
        }
        // Whole files only, and under a DuckDB row group per commit: a larger append is written
        // straight into the database file and, rewritten at the checkpoint, leaves dead blocks.
        if (batchPostings >= MAX_POSTINGS_PER_COMMIT) await commit();
      }
      await commit();
      committedTasks += taskCount;
      done += outcomes.length;
      startTasks();
      // Until the walk ends, the total is what it has found so far.
      yield progress(options.refine ? 'parsing' : walking ? 'scanning' : 'indexing', pending.length, done, bytes);
    }
  } finally {
    stopWalk.abort();
  }

  await store.markFolderIndexed(folder.id, await readGitHead(folder.root));
  // One checkpoint per build: not between the fast pass and the refine run that rewrites its chunks.
  if (summary.filesIndexed + summary.filesDeleted > 0 && provisionalFiles === 0) await store.checkpoint();
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/** Adds skips by reason to a summary's (another pass's, or one file's). */
export function noteSkips(summary: IndexSummary, skips: Partial<Record<SkipReason, number>>): void {
  const byReason = (summary.skippedByReason ??= {});
  for (const [reason, n] of Object.entries(skips) as Array<[SkipReason, number]>) byReason[reason] = (byReason[reason] ?? 0) + n;
}

/** The slowest files a summary keeps. */
const SLOW_FILES_KEPT = 10;

/** Keeps `file` among the slowest, slowest first, at most SLOW_FILES_KEPT; a path seen twice (both passes) keeps its slower time. */
export function noteSlowFile(slowest: SlowFile[], file: SlowFile): void {
  const same = slowest.findIndex((kept) => kept.path === file.path);
  if (same !== -1) {
    if (slowest[same]!.ms >= file.ms) return;
    slowest.splice(same, 1);
  }
  if (slowest.length === SLOW_FILES_KEPT && slowest.at(-1)!.ms >= file.ms) return;
  const at = slowest.findIndex((kept) => kept.ms < file.ms);
  slowest.splice(at === -1 ? slowest.length : at, 0, file);
  if (slowest.length > SLOW_FILES_KEPT) slowest.pop();
}

/**
 * Files the fast pass chunked by lines, in the order it wrote them: each batch then replaces a
 * narrow range of chunk ids, which DuckDB finds by row group statistics instead of a full scan.
 */
function refinable(catalog: Map<string, FileRow>): FileRow[] {
  return [...catalog.values()].filter((row) => row.provisional).sort((a, b) => a.id - b.id);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QuarryError('CANCELLED', 'Indexing was cancelled; what was written so far is kept');
}
