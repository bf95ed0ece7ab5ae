import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { QuarryApi } from '../shared/contract.js';
import type { FolderInfo, IndexProgress, IndexSummary } from '../shared/types.js';
import type { CliBackend } from './cli-commands.js';

/** How an index run a client asked for ended, as far as that client waits. */
export type RunOutcome = { kind: 'summary'; summary: IndexSummary } | { kind: 'searchable' } | { kind: 'failed'; error: string };

export interface RunFollower {
  /** Resolves when the folder's run ends (or, with `untilSearchable`, is lexically searchable). */
  outcome(folder: string): Promise<RunOutcome>;
  /** About to ask for a run of a known folder: an outcome kept from an earlier run is not its answer. */
  asking(folder: string): void;
  stop(): void;
}

/**
 * Follows the engine's events for the index runs a client asks for: progress of the folders it
 * waits on goes to `onProgress`, and each run's summary or failure settles its wait. Listening
 * starts before the client asks, so no event of its run is missed; an outcome that arrives before
 * the wait (a folder just added can finish before its name is known) is kept for it.
 */
export async function followRuns(
  backend: CliBackend,
  options: { onProgress?: (progress: IndexProgress) => void; untilSearchable?: boolean } = {},
): Promise<RunFollower> {
  const waiting = new Map<string, (outcome: RunOutcome) => void>();
  const early = new Map<string, RunOutcome>();
  /** Folders whose job was seen queued or running: only such a job's failure is this client's. */
  const started = new Set<string>();
  const settle = (folder: string, outcome: RunOutcome): void => {
    const resolve = waiting.get(folder);
    waiting.delete(folder);
    if (resolve) resolve(outcome);
    else if (!early.has(folder)) early.set(folder, outcome);
  };
  const unsubscribe = await Promise.all([
    backend.subscribe('progress', (p) => {
      if (!waiting.has(p.folder)) return;
      options.onProgress?.(p);
      // Lexically searchable: the rest (embeddings) goes on in the engine.
      if (options.untilSearchable && p.phase === 'embedding') settle(p.folder, { kind: 'searchable' });
    }),
    backend.subscribe('indexed', (summary) => settle(summary.folder, { kind: 'summary', summary })),
    backend.subscribe('indexing', (state) => {
      for (const job of state.jobs) {
        if (job.state === 'queued' || job.state === 'running') started.add(job.folder);
        else if ((job.state === 'failed' || job.state === 'cancelled') && started.delete(job.folder)) {
          settle(job.folder, { kind: 'failed', error: job.error ?? `indexing was ${job.state}` });
        }
      }
    }),
  ]);
  return {
    outcome(folder) {
      const known = early.get(folder);
      if (known) return Promise.resolve(known);
      return Promise.race([new Promise<RunOutcome>((resolve) => waiting.set(folder, resolve)), backend.lost]);
    },
    asking(folder) {
      early.delete(folder);
    },
    stop() {
      for (const off of unsubscribe) off();
    },
  };
}

/**
 * Indexes the folder at `dir` again if it is known (`verify`: walk it even if its watcher saw no
 * change), or adds it (which indexes it); `runs`, if the caller follows the run, is told before a
 * known folder is asked for.
 */
export async function requestIndexing(api: QuarryApi, dir: string, options: { runs?: RunFollower; verify?: boolean } = {}): Promise<{ folder: FolderInfo; added: boolean }> {
  const root = path.resolve(dir);
  const real = realOrSelf(root);
  const known = (await api.folders({})).find((f) => f.root === real || f.root === root);
  if (!known) return { folder: await api.addFolder({ path: root }), added: true };
  options.runs?.asking(known.name);
  await api.reindexFolder({ folder: known.name, ...(options.verify ? { verify: true } : {}) });
  return { folder: known, added: false };
}

function realOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
