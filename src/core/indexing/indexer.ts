import { promises as fs } from 'node:fs';
import { QuarryError } from '../../shared/errors.js';
import type { FolderInfo, IndexProgress, IndexSummary } from '../../shared/types.js';
import type { FileRow, FileWrite, FolderBatch, Store } from '../store/store.js';
import { walkChanged, walkFolder, type WalkedFile } from '../walk/walker.js';
import { readGitHead } from './git-head.js';
import type { PauseGate } from './pause-gate.js';
import { failedOutcome, type FileJob, type FileOutcome } from './process-file.js';

/** Does the CPU work of indexing files: chunk workers in the app, or in-process. */
export interface FileProcessor {
  /** One outcome per job, in order; a file that fails becomes a 'failed' skip, never a rejection. */
  process(jobs: FileJob[]): Promise<FileOutcome[]>;
}

/** Files per processor call: enough to amortise a worker round trip, few enough to balance load. */
const FILES_PER_TASK = 16;
/** Postings per transaction, below DuckDB's row group size (122,880 rows). */
const MAX_POSTINGS_PER_COMMIT = 100_000;
/** Batches of tasks kept running ahead of the one being committed. */
const TASK_LOOKAHEAD_BATCHES = 1;

export interface IndexOptions {
  maxFileBytes: number;
  /** Only these paths (files or directories, relative to the root) changed: look at nothing else. */
  changed?: string[];
  /** Files per atomic write; each commit makes its files searchable. */
  batchFiles?: number;
  signal?: AbortSignal;
  /** Paused, the run waits after its current commit until resumed. */
  gate?: PauseGate;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

interface Pending {
  file: WalkedFile;
  existing: FileRow | undefined;
}

/**
 * Brings one folder's index up to date with the disk. Change detection compares size and mtime,
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
    folder: folder.name, filesSeen: 0, filesIndexed: 0, filesUnchanged: 0, filesDeleted: 0, filesSkipped: 0, chunksWritten: 0,
    embeddingsComputed: 0, embeddingCacheHits: 0, embeddingsFailed: 0, elapsedMs: 0,
  };
  let indexingStarted = started;
  const progress = (phase: IndexProgress['phase'], total: number, done: number, bytes: number): IndexProgress => {
    const elapsedMs = performance.now() - started;
    // The rate (and so the ETA) counts from when files started being written, not from the scan.
    const rate = done / Math.max((performance.now() - indexingStarted) / 1000, 1e-3);
    return {
      folder: folder.name, phase, unit: 'files', total, done, bytesDone: bytes, elapsedMs,
      rate, etaMs: rate > 0 ? ((total - done) / rate) * 1000 : null,
    };
  };

  // Files are dispatched to the processor while the walk is still going (whole tasks only), and
  // finished work is committed in order, in batches; later tasks run while a batch is written.
  const batchFiles = options.batchFiles ?? 256;
  const tasksPerBatch = Math.ceil(batchFiles / FILES_PER_TASK);
  const tasks: Array<Promise<FileOutcome[]>> = [];
  let walking = true;
  const startTasks = (upTo: number): void => {
    for (;;) {
      const from = tasks.length * FILES_PER_TASK;
      const available = pending.length - from;
      if (tasks.length >= upTo || available <= 0 || (walking && available < FILES_PER_TASK)) return;
      const jobs = pending.slice(from, from + FILES_PER_TASK).map(({ file, existing }) => ({
        absPath: file.absPath,
        relPath: file.relPath,
        knownHash: existing?.hash ?? null,
      }));
      // A worker that crashed takes its task with it: record those files as failed, go on.
      tasks.push(processor.process(jobs).catch((error: unknown) => jobs.map(() => failedOutcome(error))));
    }
  };
  const lookahead = tasksPerBatch * (1 + TASK_LOOKAHEAD_BATCHES);

  // Scan: walk and diff against the catalog.
  yield progress('scanning', 0, 0, 0);
  const catalog = await store.fileCatalog(folder.id);
  const seen = new Set<string>();
  const pending: Pending[] = [];
  const walkSkips: FileWrite[] = [];
  const removeForSkips: number[] = [];
  const gone: number[] = [];
  const items = options.changed
    ? walkChanged(folder.root, options.changed, { maxFileBytes: options.maxFileBytes })
    : walkFolder(folder.root, { maxFileBytes: options.maxFileBytes });
  for await (const item of items) {
    throwIfAborted(options.signal);
    if (item.type === 'gone') {
      // The path and, if it was a directory, everything that was under it.
      for (const row of catalog.values()) if (row.path === item.relPath || row.path.startsWith(`${item.relPath}/`)) gone.push(row.id);
      continue;
    }
    seen.add(item.relPath);
    summary.filesSeen++;
    const existing = catalog.get(item.relPath);
    if (item.type === 'skip') {
      summary.filesSkipped++;
      if (existing?.status === 'skipped' && existing.skipReason === item.reason) continue;
      if (existing) removeForSkips.push(existing.id);
      walkSkips.push({ path: item.relPath, size: 0, mtimeMs: 0, hash: null, language: null, skip: { reason: item.reason, detail: item.detail }, chunks: [] });
      continue;
    }
    if (existing && existing.size === item.size && existing.mtimeMs === item.mtimeMs && existing.skipReason !== 'failed') {
      if (existing.status === 'skipped') summary.filesSkipped++;
      else summary.filesUnchanged++;
      continue;
    }
    pending.push({ file: item, existing });
    startTasks(lookahead);
  }
  walking = false;
  // A full walk deletes what it did not see; an update, what it found gone.
  const deleted = options.changed ? gone : [...catalog.values()].filter((row) => !seen.has(row.path)).map((row) => row.id);
  summary.filesDeleted = deleted.length;
  if (deleted.length > 0 || walkSkips.length > 0) {
    await store.applyBatch({ folderId: folder.id, removeFileIds: [...deleted, ...removeForSkips], write: walkSkips, touch: [] });
  }

  const total = pending.length;
  indexingStarted = performance.now();
  let done = 0;
  let bytes = 0;
  yield progress('indexing', total, 0, 0);
  for (let firstTask = 0; firstTask * FILES_PER_TASK < total; firstTask += tasksPerBatch) {
    startTasks(firstTask + lookahead);
    const outcomes = (await Promise.all(tasks.slice(firstTask, firstTask + tasksPerBatch))).flat();
    await options.gate?.wait(options.signal);
    throwIfAborted(options.signal);
    const from = firstTask * FILES_PER_TASK;
    let batch: FolderBatch = { folderId: folder.id, removeFileIds: [], write: [], touch: [] };
    let batchPostings = 0;
    const commit = async (): Promise<void> => {
      summary.chunksWritten += (await store.applyBatch(batch)).chunks;
      batch = { folderId: folder.id, removeFileIds: [], write: [], touch: [] };
      batchPostings = 0;
    };
    for (const [i, outcome] of outcomes.entries()) {
      const { file, existing } = pending[from + i]!;
      bytes += file.size;
      if (outcome.type === 'unchanged') {
        if (existing) batch.touch.push({ id: existing.id, size: file.size, mtimeMs: file.mtimeMs });
        summary.filesUnchanged++;
        continue;
      }
      if (existing) batch.removeFileIds.push(existing.id);
      if (outcome.type === 'skipped') {
        summary.filesSkipped++;
        batch.write.push({ path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: null, language: null, skip: { reason: outcome.reason, detail: outcome.detail }, chunks: [] });
      } else {
        summary.filesIndexed++;
        batch.write.push({ path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: outcome.hash, language: outcome.language, skip: null, chunks: outcome.chunks });
        for (const chunk of outcome.chunks) batchPostings += chunk.terms.length;
      }
      // Whole files only, and under a DuckDB row group per commit: a larger append is written
      // straight into the database file and, rewritten at the checkpoint, leaves dead blocks.
      if (batchPostings >= MAX_POSTINGS_PER_COMMIT) await commit();
    }
    await commit();
    done += outcomes.length;
    yield progress('indexing', total, done, bytes);
  }

  await store.markFolderIndexed(folder.id, await readGitHead(folder.root));
  if (summary.filesIndexed + summary.filesDeleted > 0) await store.checkpoint();
  summary.elapsedMs = performance.now() - started;
  return summary;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QuarryError('CANCELLED', 'Indexing was cancelled; what was written so far is kept');
}
