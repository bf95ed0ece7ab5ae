import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../core/engine.js';
import { USER_PRIORITY, type IndexScheduler } from '../../core/indexing/scheduler.js';
import { readGitHead } from '../../core/indexing/git-head.js';
import { COOKIE_PREFIX, isCookie, isIgnoreFile, watchChanges } from '../../core/indexing/watch.js';
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
  /** Folders whose watcher stopped on an error, with it: an alert rule watches how many. */
  private readonly failedWatchers = new Map<string, string>();
  /** When each folder's running job was first seen running. */
  private readonly runStarts = new Map<string, number>();
  /** Folders whose last run completed under their live watcher: current, but for changes it has queued. */
  private readonly settled = new Set<string>();
  /** Cookies written into watched folders, each resolved when its watcher reports it. */
  private readonly cookies = new Map<string, () => void>();
  private cookieCount = 0;

  constructor(
    private readonly engine: Engine,
    private readonly scheduler: IndexScheduler,
    private readonly emit: Emit,
  ) {
    scheduler.on('jobs', (jobs) => {
      for (const job of jobs) {
        if (job.state === 'running' && !this.runStarts.has(job.folder)) this.runStarts.set(job.folder, Date.now());
        // Work waiting or under way: not current until it completes (a run that fails leaves it so).
        if (job.state === 'queued' || job.state === 'running' || job.state === 'paused') this.settled.delete(job.folder);
        // A run that ended without a summary has no start to remember.
        if (job.state === 'failed' || job.state === 'cancelled') this.runStarts.delete(job.folder);
      }
      this.emit('indexing', this.state());
    });
    scheduler.on('progress', (progress) => this.emit('progress', progress));
    scheduler.on('summary', (summary) => {
      // A run that began under a live watcher leaves the folder current until the watcher reports a change.
      const started = this.runStarts.get(summary.folder);
      this.runStarts.delete(summary.folder);
      const watchedSince = this.watchers.get(summary.folder)?.since;
      // Texts the model failed on are retried by the next walk, so such a run settles nothing.
      if (started !== undefined && watchedSince !== undefined && watchedSince <= started && summary.embeddingsFailed === 0) this.settled.add(summary.folder);
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
    // Watchman's answer: once the watcher has reported a cookie written now, it has reported every
    // earlier change, each of which got a job; if none is waiting, there is nothing to walk.
    if (!rebuild && !verify && this.settled.has(info.name) && (await this.syncWithWatcher(info)) && this.settled.has(info.name)) {
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
    this.failedWatchers.delete(folder.name);
    const stop = new AbortController();
    const ended = (async () => {
      try {
        for await (const reported of watchChanges(folder.root, stop.signal)) {
          const changes = reported.filter((p) => !isCookie(p));
          const paths = this.engine.unignored(folder, changes);
          // New ignore rules can change what every path means: a whole run, not just that file.
          if (changes.some(isIgnoreFile)) this.scheduler.enqueue(folder, { priority: USER_PRIORITY, rerun: true });
          else if (paths.length > 0) this.scheduler.enqueueChanges(folder, paths);
          // Only after the changes before them are queued.
          for (const cookie of reported.filter(isCookie)) this.cookies.get(`${folder.name}\0${cookie}`)?.();
        }
      } catch (error) {
        // The folder went away or the system ran out of watches: searches go on, the index is as of the last run.
        console.warn(`quarry: stopped watching ${folder.root}: ${(error as Error).message}`);
        if (!stop.signal.aborted) this.failedWatchers.set(folder.name, (error as Error).message);
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

  /**
   * Folders whose checkout moved to another commit than the one their index was built at, with
   * no run queued or under way and no live watcher vouching that the files are as indexed (a
   * commit moves HEAD without changing a file: a watched folder is current all the same).
   */
  async staleFolders(): Promise<number> {
    const busy = new Set(this.scheduler.jobs().filter((job) => job.state === 'queued' || job.state === 'running' || job.state === 'paused').map((job) => job.folder));
    let stale = 0;
    for (const folder of await this.engine.listFolders()) {
      if (busy.has(folder.name) || this.settled.has(folder.name) || folder.gitHead === null) continue;
      const head = await readGitHead(folder.root);
      if (head !== null && head !== folder.gitHead) stale++;
    }
    return stale;
  }

  /** How many folders' watchers stopped on an error and were not restarted. */
  watcherFailures(): number {
    return this.failedWatchers.size;
  }

  private async unwatch(name: string): Promise<void> {
    this.failedWatchers.delete(name);
    const watcher = this.watchers.get(name);
    if (!watcher) return;
    this.watchers.delete(name);
    watcher.stop.abort();
    await watcher.ended;
  }

  /**
   * Writes a cookie file into the folder and waits until its watcher reports it: by then every
   * change made before has been reported too. False when that cannot be known (the folder is not
   * writable, or the watcher is slow), and the caller walks instead.
   */
  private async syncWithWatcher(folder: FolderInfo, timeoutMs = 2000): Promise<boolean> {
    const name = `${COOKIE_PREFIX}${process.pid}-${++this.cookieCount}`;
    const file = path.join(folder.root, name);
    const key = `${folder.name}\0${name}`;
    const seen = new Promise<boolean>((resolve) => {
      this.cookies.set(key, () => resolve(true));
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    try {
      await fs.writeFile(file, '', { flag: 'wx' });
    } catch {
      this.cookies.delete(key);
      return false;
    }
    try {
      return await seen;
    } finally {
      this.cookies.delete(key);
      await fs.rm(file, { force: true });
    }
  }

  /** An `indexed` event for a folder that is current: everything unchanged, nothing done. */
  private async reportCurrent(folder: FolderInfo): Promise<void> {
    const started = performance.now();
    const status = (await this.engine.status()).folders.find((f) => f.id === folder.id);
    const files = (status?.files ?? 0) + (status?.skipped ?? 0);
    this.emit('indexed', {
      folder: folder.name, filesSeen: files, filesIndexed: 0, filesUnchanged: files, filesUnchangedByStamp: files, filesDeleted: 0, filesSkipped: status?.skipped ?? 0,
      chunksWritten: 0, embeddingsComputed: 0, embeddingCacheHits: 0, embeddingsFailed: 0, elapsedMs: performance.now() - started, slowestFiles: [],
    });
  }
}
