import path from 'node:path';
import type { Engine } from '../../core/engine.js';
import { USER_PRIORITY, type IndexScheduler } from '../../core/indexing/scheduler.js';
import { watchChanges } from '../../core/indexing/watch.js';
import type { IndexingState, MethodInput, QuarryApi, Settings } from '../../shared/contract.js';
import { QuarryError } from '../../shared/errors.js';
import type { FolderInfo } from '../../shared/types.js';
import type { Emit } from './events.js';

/**
 * Keeps the added folders indexed: their jobs in the scheduler, a watcher on each, and which of
 * them are known current without a walk. Announces `indexing`, `progress` and `indexed`.
 */
export class FolderIndexing implements Pick<QuarryApi, 'addFolder' | 'removeFolder' | 'reindexFolder' | 'pause' | 'resume'> {
  private readonly watchers = new Map<string, { stop: AbortController; ended: Promise<void>; since: number }>();
  /** When each folder's running job was first seen running. */
  private readonly runStarts = new Map<string, number>();
  /** Folders whose last run completed under their live watcher: current, but for changes it has queued. */
  private readonly settled = new Set<string>();

  constructor(
    private readonly engine: Engine,
    private readonly scheduler: IndexScheduler,
    private readonly emit: Emit,
  ) {
    scheduler.on('jobs', (jobs) => {
      for (const job of jobs) if (job.state === 'running' && !this.runStarts.has(job.folder)) this.runStarts.set(job.folder, Date.now());
      this.emit('indexing', this.state());
    });
    scheduler.on('progress', (progress) => this.emit('progress', progress));
    scheduler.on('summary', (summary) => {
      // A run that began under a live watcher leaves the folder current until the watcher reports a change.
      const started = this.runStarts.get(summary.folder);
      this.runStarts.delete(summary.folder);
      const watchedSince = this.watchers.get(summary.folder)?.since;
      if (started !== undefined && watchedSince !== undefined && watchedSince <= started) this.settled.add(summary.folder);
      this.emit('indexed', summary);
    });
  }

  /** Brings every folder up to date with what changed while Quarry was closed, and keeps it so. */
  async start(): Promise<void> {
    for (const folder of await this.engine.listFolders()) {
      this.watch(folder);
      this.scheduler.enqueue(folder, { catchUp: true });
    }
  }

  /** Stops watching, and indexing at its next safe point. */
  async stop(): Promise<void> {
    for (const name of [...this.watchers.keys()]) await this.unwatch(name);
    this.scheduler.shutdown();
    await this.scheduler.idle();
  }

  /** Whether a folder is queued or being indexed. */
  hasWork(): boolean {
    return this.scheduler.jobs().some((job) => job.state === 'queued' || job.state === 'running');
  }

  /** Resolves when no folder is queued or being indexed. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  state(): IndexingState {
    return { paused: this.scheduler.gate.isPaused, jobs: this.scheduler.jobs() };
  }

  async addFolder({ path: dir }: MethodInput<'addFolder'>): Promise<FolderInfo> {
    if (!path.isAbsolute(dir)) throw new QuarryError('FOLDER_NOT_FOUND', `Give the folder's full path, not "${dir}"`);
    const folder = await this.engine.addFolder(dir);
    this.watch(folder);
    this.scheduler.enqueue(folder, { priority: USER_PRIORITY });
    return folder;
  }

  async removeFolder({ folder }: MethodInput<'removeFolder'>): Promise<null> {
    const info = await this.engine.resolveFolder(folder);
    await this.unwatch(info.name);
    this.settled.delete(info.name);
    await this.scheduler.forget(info.name);
    await this.engine.removeFolder(info.name);
    return null;
  }

  async reindexFolder({ folder, rebuild, verify }: MethodInput<'reindexFolder'>): Promise<null> {
    const info = await this.engine.resolveFolder(folder);
    const pending = this.scheduler.jobs().some((job) => job.folder === info.name && (job.state === 'queued' || job.state === 'running'));
    if (!rebuild && !verify && !pending && this.settled.has(info.name)) {
      // Watchman's answer: the watcher has seen every change since the last complete run, and
      // each of them had a job; there is nothing to walk.
      await this.reportCurrent(info);
      return null;
    }
    this.settled.delete(info.name);
    if (rebuild) {
      await this.scheduler.forget(info.name);
      await this.engine.clearFolder(info);
    }
    this.scheduler.enqueue(info, { priority: USER_PRIORITY });
    return null;
  }

  async pause({ folder }: MethodInput<'pause'>): Promise<null> {
    this.scheduler.pause(folder === undefined ? undefined : (await this.engine.resolveFolder(folder)).name);
    return null;
  }

  async resume({ folder }: MethodInput<'resume'>): Promise<null> {
    this.scheduler.resume(folder === undefined ? undefined : (await this.engine.resolveFolder(folder)).name);
    return null;
  }

  /** Queues a job for every folder, with the scheduler's `enqueue` options (none: at background priority). */
  async enqueueEveryFolder(options?: Parameters<IndexScheduler['enqueue']>[1]): Promise<void> {
    for (const folder of await this.engine.listFolders()) this.scheduler.enqueue(folder, options);
  }

  /** What is indexed must follow the new rules: a full walk of every folder. */
  async applyIgnoreRules(rules: Settings['ignoreRules']): Promise<void> {
    this.engine.setIgnoreRules(rules);
    await this.enqueueEveryFolder({ priority: USER_PRIORITY, rerun: true });
  }

  /**
   * Re-indexes what changes in a folder while Quarry runs: each batch of changed paths becomes a
   * job ahead of background work. Watching starts before the folder's first run, so nothing
   * changed during that run is missed.
   */
  private watch(folder: FolderInfo): void {
    if (this.watchers.has(folder.name)) return;
    const stop = new AbortController();
    const ended = (async () => {
      try {
        for await (const reported of watchChanges(folder.root, stop.signal)) {
          const paths = this.engine.unignored(folder, reported);
          if (paths.length > 0) this.scheduler.enqueueChanges(folder, paths);
        }
      } catch (error) {
        // The folder went away or the system ran out of watches: searches go on, the index is as of the last run.
        console.warn(`quarry: stopped watching ${folder.root}: ${(error as Error).message}`);
      } finally {
        // Nobody vouches for the folder now (unless it is watched again already).
        if (this.watchers.get(folder.name)?.stop === stop) {
          this.watchers.delete(folder.name);
          this.settled.delete(folder.name);
        }
      }
    })();
    this.watchers.set(folder.name, { stop, ended, since: Date.now() });
  }

  private async unwatch(name: string): Promise<void> {
    const watcher = this.watchers.get(name);
    if (!watcher) return;
    this.watchers.delete(name);
    watcher.stop.abort();
    await watcher.ended;
  }

  /** An `indexed` event for a folder that is current: everything unchanged, nothing done. */
  private async reportCurrent(folder: FolderInfo): Promise<void> {
    const started = performance.now();
    const status = (await this.engine.status()).folders.find((f) => f.id === folder.id);
    const files = (status?.files ?? 0) + (status?.skipped ?? 0);
    this.emit('indexed', {
      folder: folder.name, filesSeen: files, filesIndexed: 0, filesUnchanged: files, filesDeleted: 0, filesSkipped: status?.skipped ?? 0,
      chunksWritten: 0, embeddingsComputed: 0, embeddingCacheHits: 0, embeddingsFailed: 0, elapsedMs: performance.now() - started,
    });
  }
}
