import assert from 'node:assert/strict';
import { once } from 'node:events';
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { describe, it } from 'node:test';
import type { Engine } from '../../core/engine.js';
import { IndexScheduler } from '../../core/indexing/scheduler.js';
import { AlertEvaluator } from '../../core/observability/alert-evaluator.js';
import { bucketOf, emptyBuckets, type BucketCounts } from '../../core/observability/latency-histogram.js';
import type { HistorySample } from '../../core/observability/metrics-history.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { DEFAULT_MEMORY_BUDGET_MB, type AlertRule, type Settings } from '../../shared/contract.js';
import type { FolderInfo, IndexProgress, IndexSummary } from '../../shared/types.js';
import { DEFAULT_ALERT_RULES, SettingsStore } from '../settings-store.js';
import { AlertReadings } from './alert-readings.js';
import { SERIES } from './trends.js';

// Time is simulated the way the service passes it: each sample's `at`, and the evaluator's `now`.
// Nothing sleeps. The rules are the shipped defaults unless a test says otherwise.

/** The service's sampling period, and how often it reads the index size (and so the folders' HEADs and the disk). */
const SAMPLE_MS = 5000;
const SLOW_READ_EVERY = 6;

const defaultRule = (id: string): AlertRule => {
  const rule = DEFAULT_ALERT_RULES.find((r) => r.id === id);
  assert.ok(rule, `a default rule "${id}"`);
  return rule;
};

type Step = { progress: IndexProgress } | { fail: string } | { done: true };

/**
 * Stands in for the engine's index runs under a real `IndexScheduler`: a run yields the progress
 * reports it is handed and ends (or fails) when told, so job states are the scheduler's own.
 */
class ScriptedRuns {
  private readonly steps: Step[] = [];
  private wake: (() => void) | null = null;
  readonly index = (folder: FolderInfo): AsyncGenerator<IndexProgress, IndexSummary> => this.run(folder);
  readonly catchUp = this.index;

  push(step: Step): void {
    this.steps.push(step);
    this.wake?.();
  }

  private async *run(folder: FolderInfo): AsyncGenerator<IndexProgress, IndexSummary> {
    for (;;) {
      while (this.steps.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      const step = this.steps.shift()!;
      if ('progress' in step) yield step.progress;
      else if ('fail' in step) throw new Error(step.fail);
      else return summary(folder.name);
    }
  }
}

function summary(folder: string): IndexSummary {
  return {
    folder, filesSeen: 0, filesIndexed: 0, filesUnchanged: 0, filesUnchangedByStamp: 0, filesDeleted: 0, filesSkipped: 0,
    chunksWritten: 0, embeddingsComputed: 0, embeddingCacheHits: 0, embeddingsFailed: 0, elapsedMs: 0, slowestFiles: [],
  };
}

const FOLDER: FolderInfo = { id: 1, name: 'repo', root: '/nowhere/repo', addedAt: 0, gitHead: null, lastIndexedAt: null };

/** Settings with the default memory budget, for the rigs that do not change it. */
const DEFAULT_SETTINGS = { read: async (): Promise<Pick<Settings, 'memoryBudgetMb'>> => ({ memoryBudgetMb: DEFAULT_MEMORY_BUDGET_MB }) };

/**
 * AlertReadings over a real scheduler (scripted runs), the folders' counts the indexing service
 * would report, the settings it reads the memory budget from, and the evaluator, with the clock in
 * the samples. `transitions` collects every change of state as [seconds, rule id, state].
 */
class Rig {
  at = 0;
  readonly transitions: Array<[number, string, string]> = [];
  readonly runs = new ScriptedRuns();
  readonly scheduler = new IndexScheduler(this.runs as unknown as Engine);
  /** What `FolderIndexing` would answer: folders whose watcher stopped, and folders behind their HEAD. */
  readonly folderCounts = { watcherFailures: 0, staleFolders: 0 };
  readonly readings: AlertReadings;
  readonly evaluator: AlertEvaluator;
  private samples = 0;
  /** Where each folder's running pass stands: its phase, units done, and when it started. */
  private pass: { phase: IndexProgress['phase']; unit: IndexProgress['unit']; done: number; startedAt: number } | null = null;

  constructor(rules: AlertRule[], settings: ConstructorParameters<typeof AlertReadings>[3] = DEFAULT_SETTINGS) {
    this.readings = new AlertReadings(this.scheduler, os.tmpdir(), {
      watcherFailures: () => this.folderCounts.watcherFailures,
      staleFolders: async () => this.folderCounts.staleFolders,
    }, settings);
    this.evaluator = new AlertEvaluator(rules, this.at);
  }

  /** Takes the next sample, 5 s on, as the service builds it; `indexBytes` on every sixth, as the service's slow read. */
  async sample(parts: Partial<Omit<HistorySample, 'at'>> = {}, indexBytes: number | null = this.samples % SLOW_READ_EVERY === 0 ? 1 : null): Promise<void> {
    this.samples++;
    this.at += SAMPLE_MS;
    await this.readings.add({ at: this.at, counts: {}, gauges: {}, histograms: {}, ...parts }, indexBytes);
    for (const status of this.evaluator.evaluate(this.readings.read, this.at)) this.transitions.push([this.at / 1000, status.rule.id, status.state]);
  }

  async samplesFor(seconds: number, parts: Partial<Omit<HistorySample, 'at'>> = {}): Promise<void> {
    for (let i = 0; i < seconds / (SAMPLE_MS / 1000); i++) await this.sample(parts);
  }

  /** Queues the folder; its run starts at once and waits for reports. */
  async startRun(phase: IndexProgress['phase'], unit: IndexProgress['unit']): Promise<void> {
    const running = once(this.scheduler, 'jobs');
    this.scheduler.enqueue(FOLDER);
    await running;
    this.pass = { phase, unit, done: 0, startedAt: this.at };
    await this.report(0);
  }

  /** The running pass reports `units` more done, now; the scheduler has taken it in when this returns. */
  async report(units: number): Promise<void> {
    const pass = this.pass!;
    pass.done += units;
    const elapsedMs = this.at - pass.startedAt;
    const progress: IndexProgress = {
      folder: FOLDER.name, phase: pass.phase, unit: pass.unit, total: 1_000_000, done: pass.done, bytesDone: 0, elapsedMs,
      rate: elapsedMs > 0 ? pass.done / (elapsedMs / 1000) : 0, etaMs: null,
    };
    const taken = once(this.scheduler, 'progress');
    this.runs.push({ progress });
    await taken;
  }

  /** Samples for `seconds` while the pass does `unitsPerSample` each sample (reported, then counted in the sample as the service counts work). */
  async work(seconds: number, unitsPerSample: number): Promise<void> {
    const series = `${SERIES.work}.${this.pass!.phase === 'scanning' ? 'indexing' : this.pass!.phase}`;
    for (let i = 0; i < seconds / (SAMPLE_MS / 1000); i++) {
      if (unitsPerSample > 0) await this.report(unitsPerSample);
      await this.sample({ counts: unitsPerSample > 0 ? { [series]: unitsPerSample } : {} });
    }
  }

  /** Ends the running job, completed or failed, and waits for the scheduler to record it. */
  async endRun(how: 'done' | 'fail'): Promise<void> {
    const ended = once(this.scheduler, 'finished');
    this.runs.push(how === 'done' ? { done: true } : { fail: 'the disk is full' });
    await ended;
    this.pass = null;
  }

  status(id: string) {
    return this.evaluator.all().find((s) => s.rule.id === id)!;
  }

  /** The transitions of one rule, as [seconds, state]. */
  of(id: string): Array<[number, string]> {
    return this.transitions.filter(([, rule]) => rule === id).map(([at, , state]) => [at, state]);
  }

  /** A rule's `n`th transition (from 0), which must have happened. */
  nth(id: string, n: number): [number, string] {
    const transition = this.of(id)[n];
    assert.ok(transition, `${id} has a transition #${n}: ${JSON.stringify(this.of(id))}`);
    return transition;
  }
}

/** Search times as one sample's histogram: `count` searches at `ms` each, per entry. */
function searches(...groups: Array<[count: number, ms: number]>): BucketCounts {
  const buckets = emptyBuckets();
  for (const [count, ms] of groups) buckets[bucketOf(ms)]! += count;
  return buckets;
}

const hybrid = (...groups: Array<[number, number]>) => ({ [`${SERIES.searches}.hybrid`]: searches(...groups) });

describe('AlertReadings driving the default alert rules', () => {
  it('slow-hybrid: hybrid p95 over 200 ms for five minutes fires, holds within the 10% margin, and resolves a minute after it is clear', async () => {
    const rig = new Rig([defaultRule('slow-hybrid')]);
    // Slow lexical searches all along: they are not hybrid ones.
    const lexicalSlow = { [`${SERIES.searches}.lexical`]: searches([4, 2000]) };
    await rig.samplesFor(120, { histograms: { ...lexicalSlow, ...hybrid([4, 30]) } });
    assert.ok(rig.status('slow-hybrid').value! < 50, 'p95 of 30 ms searches, from their bucket');
    // Under five searches a minute, a slow hybrid search has no p95 to judge.
    await rig.samplesFor(60);
    await rig.sample({ histograms: hybrid([4, 900]) });
    assert.equal(rig.status('slow-hybrid').value, null, 'four searches in the window: below the rule\'s minimum of five');
    await rig.samplesFor(60);
    assert.deepEqual(rig.of('slow-hybrid'), []);

    const slowFrom = rig.at / 1000;
    await rig.samplesFor(360, { histograms: { ...lexicalSlow, ...hybrid([4, 400]) } });
    const [pendingAt, pending] = rig.nth('slow-hybrid', 0);
    const [firingAt, firing] = rig.nth('slow-hybrid', 1);
    assert.deepEqual([pending, firing], ['pending', 'firing']);
    assert.equal(pendingAt, slowFrom + 10, 'pending at the second slow sample: the first alone is four searches, under the minimum');
    assert.equal(firingAt - pendingAt, 300, 'firing after five minutes past the line');

    // One search in eight at 200 ms: p95 190 ms, under the line but not 10% clear of it.
    await rig.samplesFor(180, { histograms: hybrid([7, 30], [1, 200]) });
    assert.equal(rig.status('slow-hybrid').state, 'firing');
    assert.equal(Math.round(rig.status('slow-hybrid').value!), 190);

    const fastFrom = rig.at / 1000;
    await rig.samplesFor(180, { histograms: hybrid([4, 30]) });
    const resolved = rig.nth('slow-hybrid', 2);
    assert.equal(resolved[1], 'resolved');
    assert.ok(resolved[0] >= fastFrom + 60 && resolved[0] <= fastFrom + 120, `resolved a minute after the window came clear (at ${resolved[0] - fastFrom} s)`);
    assert.equal(rig.of('slow-hybrid').length, 3);
  });

  it('high-memory: RSS over 80% of the 2 GiB budget for five minutes fires, a short spike does not, and it resolves once 10% below', async () => {
    const rule = defaultRule('high-memory');
    assert.deepEqual([rule.metric, rule.when, rule.threshold, rule.forSeconds], ['rssBudgetShare', 'above', 80, 300]);
    const rig = new Rig([rule]);
    const rss = (mb: number) => ({ gauges: { [SERIES.rssMb]: mb, [SERIES.heapMb]: mb / 2 } });
    await rig.samplesFor(60, rss(1024));
    assert.equal(rig.status('high-memory').value, 50, '1 GiB of the 2 GiB budget');
    await rig.samplesFor(120, rss(1884)); // a two-minute spike, 92%
    assert.equal(Math.round(rig.status('high-memory').value!), 92);
    await rig.samplesFor(30, rss(1024));
    assert.deepEqual(rig.of('high-memory').map(([, state]) => state), ['pending', 'ok']);

    await rig.samplesFor(330, rss(1884));
    const [pendingAt] = rig.nth('high-memory', 2);
    const [firingAt, firing] = rig.nth('high-memory', 3);
    assert.equal(firing, 'firing');
    assert.equal(firingAt - pendingAt, 300);
    await rig.samplesFor(120, rss(1556)); // 76%: below the line, within the margin
    assert.equal(rig.status('high-memory').state, 'firing');
    const clearFrom = rig.at / 1000;
    await rig.samplesFor(90, rss(1229)); // 60%
    assert.deepEqual(rig.of('high-memory').at(-1), [clearFrom + 5 + 60, 'resolved']);
    assert.equal(Math.round(rig.status('high-memory').value!), 60);
  });

  it('high-memory: the budget saved in the settings moves the reading from the next sample (the same RSS is 90% of 1 GiB, 45% of 2 GiB)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const settings = new SettingsStore(dir);
      await settings.update({ memoryBudgetMb: 1024 });
      const rig = new Rig([defaultRule('high-memory')], settings);
      const rss = { gauges: { [SERIES.rssMb]: 921.6 } };
      const from = rig.at / 1000;
      await rig.samplesFor(330, rss);
      assert.equal(rig.status('high-memory').value, 90);
      assert.deepEqual(rig.of('high-memory'), [[from + 5, 'pending'], [from + 305, 'firing']]);

      await settings.update({ memoryBudgetMb: 2048 });
      const changedAt = rig.at / 1000;
      await rig.sample(rss);
      assert.equal(rig.status('high-memory').value, 45, 'the next sample reads the new budget');
      await rig.samplesFor(90, rss);
      assert.deepEqual(rig.of('high-memory').at(-1), [changedAt + 5 + 60, 'resolved'], 'clear for a minute from that sample');
      assert.equal(rig.of('high-memory').length, 3);
    } finally {
      await cleanup();
    }
  });

  it('indexing-slowed: a files pass falling under 20% of its median rate fires after two minutes, holds at 21%, and resolves once it recovers', async () => {
    const rig = new Rig([defaultRule('indexing-slowed')]);
    await rig.startRun('indexing', 'files');
    await rig.work(30, 200);
    assert.equal(rig.status('indexing-slowed').value, null, 'no value before the pass has run a whole window');
    await rig.work(370, 200); // 40 files/s for over six minutes: the baseline
    assert.equal(rig.status('indexing-slowed').value, 100);

    const collapseFrom = rig.at / 1000;
    await rig.work(180, 4); // 0.8 files/s: 2% of the median
    const [pendingAt, pending] = rig.nth('indexing-slowed', 0);
    const [firingAt, firing] = rig.nth('indexing-slowed', 1);
    assert.deepEqual([pending, firing], ['pending', 'firing']);
    assert.equal(pendingAt, collapseFrom + 50, 'pending once the window has fallen under 20% (ten slow samples of twelve)');
    assert.equal(firingAt - pendingAt, 120);
    assert.equal(Math.round(rig.status('indexing-slowed').value!), 2);

    await rig.work(90, 42); // 8.4 files/s: 21%, above the line but not 10% clear of it
    assert.equal(rig.status('indexing-slowed').state, 'firing');
    assert.equal(Math.round(rig.status('indexing-slowed').value!), 21);

    const recoverFrom = rig.at / 1000;
    await rig.work(150, 200);
    const resolved = rig.nth('indexing-slowed', 2);
    assert.equal(resolved[1], 'resolved');
    assert.ok(resolved[0] > recoverFrom + 60 && resolved[0] <= recoverFrom + 120, `resolved a minute after the window came clear (at ${resolved[0] - recoverFrom} s)`);
    await rig.endRun('done');
    await rig.sample();
    assert.equal(rig.status('indexing-slowed').value, null, 'no pass, no throughput to judge');
    assert.equal(rig.of('indexing-slowed').length, 3);
  });

  it('embeddings-stalled: fires at once past two minutes without an embedded chunk, and resolves when chunks flow again', async () => {
    const rig = new Rig([defaultRule('embeddings-stalled'), { ...defaultRule('embeddings-stalled'), id: 'stalled-a-minute', forSeconds: 60 }]);
    await rig.sample();
    assert.equal(rig.status('embeddings-stalled').value, null, 'nothing embedding: no stall timer');
    await rig.startRun('embedding', 'chunks');
    await rig.work(60, 64);
    assert.equal(rig.status('embeddings-stalled').value, 0);
    await rig.work(100, 0); // a pause shorter than the limit
    assert.equal(rig.status('embeddings-stalled').value, 100);
    await rig.work(10, 64);
    assert.deepEqual(rig.transitions, [], 'a 100 s gap fires nothing');

    const stallFrom = rig.at / 1000;
    await rig.work(200, 0);
    assert.deepEqual(rig.of('embeddings-stalled'), [[stallFrom + 125, 'firing']], 'the default rule fires on the first sample past 120 s');
    assert.deepEqual(rig.of('stalled-a-minute'), [[stallFrom + 125, 'pending'], [stallFrom + 185, 'firing']], 'with a duration, pending first');
    const resumedAt = rig.at / 1000 + 5;
    await rig.work(5, 64);
    assert.deepEqual(rig.of('embeddings-stalled').at(-1), [resumedAt, 'resolved'], 'its clear period is its duration, zero');
    assert.equal(rig.status('stalled-a-minute').state, 'firing', 'at most a minute clear for the other');
    await rig.work(60, 64);
    assert.deepEqual(rig.of('stalled-a-minute').at(-1), [resumedAt + 60, 'resolved']);

    // A pass the user paused is not a stall, nor is the end of the pass.
    rig.scheduler.pause(FOLDER.name);
    await rig.samplesFor(300);
    assert.equal(rig.status('embeddings-stalled').value, null);
    rig.scheduler.resume(FOLDER.name);
    await rig.work(10, 64);
    await rig.endRun('done');
    await rig.samplesFor(300);
    assert.equal(rig.status('embeddings-stalled').value, null);
    assert.equal(rig.of('embeddings-stalled').length, 2);
  });

  it('watcher-failed: fires when a folder\'s watcher stops, and resolves when none is failed', async () => {
    const rig = new Rig([defaultRule('watcher-failed'), { ...defaultRule('watcher-failed'), id: 'watcher-failed-30s', forSeconds: 30 }]);
    await rig.samplesFor(30);
    rig.folderCounts.watcherFailures = 1;
    const failedAt = rig.at / 1000 + 5;
    await rig.samplesFor(60);
    rig.folderCounts.watcherFailures = 0;
    const backAt = rig.at / 1000 + 5;
    await rig.samplesFor(60);
    assert.deepEqual(rig.of('watcher-failed'), [[failedAt, 'firing'], [backAt, 'resolved']]);
    assert.deepEqual(rig.of('watcher-failed-30s'), [[failedAt, 'pending'], [failedAt + 30, 'firing'], [backAt + 30, 'resolved']]);
  });

  it('stale-index: a folder behind its HEAD for ten minutes fires, read at the slow reads, and resolves once current', async () => {
    const rig = new Rig([defaultRule('stale-index')]);
    await rig.samplesFor(60);
    assert.equal(rig.status('stale-index').value, 0);
    rig.folderCounts.staleFolders = 1;
    await rig.samplesFor(660);
    const [pendingAt, pending] = rig.nth('stale-index', 0);
    const [firingAt, firing] = rig.nth('stale-index', 1);
    assert.deepEqual([pending, firing], ['pending', 'firing']);
    assert.equal(firingAt - pendingAt, 600);
    rig.folderCounts.staleFolders = 0; // the run after the checkout moved
    const clearFrom = rig.at / 1000;
    await rig.samplesFor(120);
    const resolved = rig.nth('stale-index', 2);
    assert.equal(resolved[1], 'resolved');
    assert.ok(resolved[0] >= clearFrom + 60 && resolved[0] <= clearFrom + 60 + (SLOW_READ_EVERY * SAMPLE_MS) / 1000, 'a minute after the next slow read');
  });

  it('indexing-failed: fires when the folder\'s run fails, and resolves when it is indexed again', async () => {
    const rig = new Rig([defaultRule('indexing-failed')]);
    await rig.startRun('indexing', 'files');
    await rig.work(30, 100);
    await rig.endRun('fail');
    await rig.samplesFor(30);
    assert.deepEqual(rig.scheduler.jobs().map((job) => job.state), ['failed']);
    await rig.startRun('indexing', 'files'); // queued again: no longer failed
    await rig.work(30, 100);
    await rig.endRun('done');
    await rig.samplesFor(30);
    assert.deepEqual(rig.of('indexing-failed').map(([, state]) => state), ['firing', 'resolved']);
    assert.equal(rig.status('indexing-failed').value, 0);
  });

  it('disk-share: fires when the index passes half the free disk space, holds within the margin, and resolves below it', async () => {
    const rig = new Rig([defaultRule('disk-share')]);
    const disk = await statfs(os.tmpdir());
    const free = disk.bavail * disk.bsize;
    const index = (share: number) => Math.round(free * share);
    await rig.sample({}, index(0.2));
    await rig.sample({}, index(0.6));
    await rig.sample({}, index(0.48)); // under the line, within 10% of it
    assert.equal(rig.status('disk-share').state, 'firing');
    await rig.sample({}, index(0.3));
    assert.deepEqual(rig.of('disk-share').map(([, state]) => state), ['firing', 'resolved']);
  });
});

describe('AlertReadings: the throughput share and the stall timer', () => {
  const share = defaultRule('indexing-slowed');
  const stall = defaultRule('embeddings-stalled');

  it('has no throughput share without a running files pass, before a whole window, or before six active samples', async () => {
    const rig = new Rig([]);
    await rig.samplesFor(60);
    assert.equal(rig.readings.read(share), null, 'no job');
    await rig.startRun('scanning', 'files');
    await rig.work(60, 100); // its last report says 55 s
    assert.equal(rig.readings.read(share), null, 'the pass has run under a window');
    await rig.work(5, 100);
    assert.equal(rig.readings.read(share), 100, 'scanning counts as the indexing pass');
    await rig.endRun('done');

    await rig.startRun('parsing', 'files');
    await rig.samplesFor(60); // a whole window, no file parsed yet
    await rig.work(25, 50);
    assert.equal(rig.readings.read(share), null, 'five active samples are no baseline');
    await rig.work(5, 50);
    assert.ok(rig.readings.read(share)! > 0);
    await rig.endRun('done');

    await rig.startRun('embedding', 'chunks');
    await rig.work(120, 64);
    assert.equal(rig.readings.read(share), null, 'an embedding pass counts chunks, not files');
    await rig.endRun('done');
  });

  it('keeps the stall timer from the first sample of an embedding pass and restarts it at each embedded chunk', async () => {
    const rig = new Rig([]);
    await rig.startRun('indexing', 'files');
    await rig.work(30, 100);
    assert.equal(rig.readings.read(stall), null, 'an indexing pass is not embedding');
    await rig.endRun('done');
    await rig.startRun('embedding', 'chunks');
    await rig.sample();
    assert.equal(rig.readings.read(stall), 0, 'from the first sample that sees the pass');
    await rig.samplesFor(40);
    assert.equal(rig.readings.read(stall), 40);
    await rig.work(5, 1);
    assert.equal(rig.readings.read(stall), 0);
    await rig.work(15, 0);
    assert.equal(rig.readings.read(stall), 15);
    await rig.endRun('fail');
    await rig.sample();
    assert.equal(rig.readings.read(stall), null);
  });
});
