import { EventEmitter } from 'node:events';
import type { FolderJob, FolderJobState } from '../../shared/contract.js';
import { isQuarryError } from '../../shared/errors.js';
import type { FolderInfo, IndexProgress, IndexSummary } from '../../shared/types.js';
import type { Engine } from '../engine.js';
import { PauseGate } from './pause-gate.js';

export interface SchedulerEvents {
  progress: [IndexProgress];
  summary: [IndexSummary];
  /** Any job changed state. */
  jobs: [FolderJob[]];
  /** A job's run ended, however it ended. */
  finished: [FinishedRun];
}

/** A run as it ended: its span, outcome, and each pass's last progress report (indexing, parsing, embedding). */
export interface FinishedRun {
  folder: string;
  startedAt: number;
  endedAt: number;
  outcome: 'done' | 'failed' | 'cancelled';
  error: string | null;
  summary: IndexSummary | null;
  phases: IndexProgress[];
}

/** Priority of a folder the user just added or searched: ahead of background work. */
export const USER_PRIORITY = 10;

interface Entry {
  job: FolderJob;
  folder: FolderInfo;
  order: number;
  gate: PauseGate;
  abort: AbortController;
  /** Catch up from the last snapshot instead of walking everything. */
  catchUp: boolean;
  /** Only these paths changed (a watcher's report); null for a whole run. */
  changed: Set<string> | null;
  /** Paths reported changed while this job ran: they get a job of their own after it. */
  changedSince: Set<string>;
  /** Asked for a whole run while this one ran with older settings: another follows it. */
  rerun: boolean;
  /** Settles when the job's run has ended (at once for a job that never ran). */
  finished: Promise<void>;
}

/**
 * Runs indexing jobs one folder at a time (one DuckDB owner, and the CPU is the limit anyway),
 * highest priority first, then oldest. Jobs can be paused, resumed and cancelled one by one or
 * all together; progress and state changes are events.
 */
export class IndexScheduler extends EventEmitter<SchedulerEvents> {
  /** Pausing it pauses every job at its next safe point. */
  readonly gate = new PauseGate();
  private readonly entries = new Map<string, Entry>();
  private order = 0;
  /** Orders below every queued job's, for folders moved to the front. */
  private front = -1;
  private running: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly engine: Engine) {
    super();
  }

  /**
   * Queues (or re-queues) a folder; a folder already queued keeps its place and the higher
   * priority. `rerun`: the settings changed, so a running job is followed by a new whole run.
   */
  enqueue(folder: FolderInfo, options: { priority?: number; catchUp?: boolean; rerun?: boolean } = {}): void {
    const existing = this.entries.get(folder.name);
    if (existing && (existing.job.state === 'queued' || existing.job.state === 'running')) {
      existing.job.priority = Math.max(existing.job.priority, options.priority ?? 0);
      if (existing.job.state === 'running' && options.rerun) existing.rerun = true;
      // A whole run covers any paths a queued job had.
      if (existing.job.state === 'queued' && options.rerun) {
        existing.changed = null;
        existing.catchUp = false;
      }
      this.changed();
      return;
    }
    this.entries.set(folder.name, {
      job: { folder: folder.name, state: 'queued', priority: options.priority ?? 0, progress: null, summary: null, error: null },
      folder,
      order: this.order++,
      gate: new PauseGate(this.gate),
      abort: new AbortController(),
      catchUp: options.catchUp ?? false,
      changed: null,
      changedSince: new Set(),
      rerun: false,
      finished: Promise.resolve(),
    });
    this.changed();
    this.running ??= this.drain();
  }

  /**
   * Queues the paths a watcher reported changed in a folder, ahead of background work (the user
   * is likely editing them). A queued job takes them in; a running one, after it ends.
   */
  enqueueChanges(folder: FolderInfo, paths: readonly string[]): void {
    const existing = this.entries.get(folder.name);
    if (existing?.job.state === 'running') {
      for (const p of paths) existing.changedSince.add(p);
      return;
    }
    if (existing?.job.state === 'queued') {
      // A whole run (changed === null) sees these paths anyway.
      for (const p of paths) existing.changed?.add(p);
      existing.job.priority = Math.max(existing.job.priority, USER_PRIORITY);
      this.changed();
      return;
    }
    this.enqueue(folder, { priority: USER_PRIORITY });
    this.entries.get(folder.name)!.changed = new Set(paths);
  }

  /** Moves a queued folder to the front (it was just searched), ahead of others of its priority. */
  prioritize(folderName: string, priority = USER_PRIORITY): void {
    const entry = this.entries.get(folderName);
    if (!entry || entry.job.state !== 'queued') return;
    entry.job.priority = Math.max(entry.job.priority, priority);
    entry.order = this.front--;
    this.changed();
  }

  pause(folderName?: string): void {
    if (folderName === undefined) this.gate.pause();
    else this.entries.get(folderName)?.gate.pause();
    this.changed();
  }

  resume(folderName?: string): void {
    if (folderName === undefined) this.gate.resume();
    else this.entries.get(folderName)?.gate.resume();
    this.changed();
  }

  /** Stops a folder's job (or every job); what was committed stays. */
  cancel(folderName?: string): void {
    for (const entry of this.entries.values()) {
      if (folderName !== undefined && entry.folder.name !== folderName) continue;
      if (entry.job.state === 'queued') entry.job.state = 'cancelled';
      entry.abort.abort();
    }
    this.changed();
  }

  /**
   * Cancels every job for good (the service is stopping): a paused scheduler stops waiting too,
   * so `idle()` settles whatever the pause state.
   */
  shutdown(): void {
    this.stopping.abort();
    this.cancel();
  }

  /** Cancels a folder's job, waits until its run has stopped, and drops it from the list. */
  async forget(folderName: string): Promise<void> {
    const entry = this.entries.get(folderName);
    if (!entry) return;
    this.cancel(folderName);
    await entry.finished;
    this.entries.delete(folderName);
    this.changed();
  }

  jobs(): FolderJob[] {
    return [...this.entries.values()].map((e) => ({ ...e.job, state: this.visibleState(e) }));
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private visibleState(entry: Entry): FolderJobState {
    return entry.job.state === 'running' && entry.gate.isPaused ? 'paused' : entry.job.state;
  }

  private changed(): void {
    this.emit('jobs', this.jobs());
  }

  private next(): Entry | null {
    let best: Entry | null = null;
    for (const entry of this.entries.values()) {
      if (entry.job.state !== 'queued') continue;
      if (!best || entry.job.priority > best.job.priority || (entry.job.priority === best.job.priority && entry.order < best.order)) best = entry;
    }
    return best;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        // A paused scheduler starts nothing new; the choice is made once it may start.
        await this.gate.wait(this.stopping.signal);
        if (this.stopping.signal.aborted) break;
        const entry = this.next();
        if (!entry) break;
        entry.finished = this.run(entry);
        await entry.finished;
      }
    } finally {
      this.running = null;
    }
  }

  private async run(entry: Entry): Promise<void> {
    entry.job.state = 'running';
    this.changed();
    const options = { signal: entry.abort.signal, gate: entry.gate };
    const startedAt = Date.now();
    const phases = new Map<IndexProgress['phase'], IndexProgress>();
    const run =
      entry.changed ? this.engine.index(entry.folder, { ...options, changed: [...entry.changed] })
      : entry.catchUp ? this.engine.catchUp(entry.folder, options)
      : this.engine.index(entry.folder, options);
    try {
      for (;;) {
        const step = await run.next();
        if (step.done) {
          entry.job.summary = step.value;
          entry.job.state = 'done';
          this.emit('summary', step.value);
          break;
        }
        entry.job.progress = step.value;
        // The fast pass reports `scanning` while its walk lasts: one pass, reported as `indexing`.
        const pass = step.value.phase === 'scanning' ? 'indexing' : step.value.phase;
        if (pass !== 'done') phases.set(pass, { ...step.value, phase: pass });
        this.emit('progress', step.value);
      }
    } catch (error) {
      const cancelled = isQuarryError(error) && error.code === 'CANCELLED';
      entry.job.state = cancelled ? 'cancelled' : 'failed';
      entry.job.error = error instanceof Error ? error.message : String(error);
    }
    this.changed();
    const { state, error, summary } = entry.job;
    const outcome = state === 'done' || state === 'cancelled' ? state : 'failed';
    this.emit('finished', { folder: entry.folder.name, startedAt, endedAt: Date.now(), outcome, error, summary, phases: [...phases.values()] });
    if (entry.job.state === 'cancelled') return;
    if (entry.rerun) this.enqueue(entry.folder, { priority: entry.job.priority });
    else if (entry.changedSince.size > 0) this.enqueueChanges(entry.folder, [...entry.changedSince]);
  }
}
