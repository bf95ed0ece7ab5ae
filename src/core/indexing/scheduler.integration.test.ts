import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, writeFile } from '../../../test/support/fixtures.js';
import type { IndexSummary } from '../../shared/types.js';
import { Engine } from '../engine.js';
import { InProcessFileProcessor } from './in-process.js';
import { IndexScheduler } from './scheduler.js';

async function makeRepo(root: string, files: number): Promise<string> {
  for (let i = 0; i < files; i++) {
    await writeFile(root, `src/file${i}.ts`, `export function work${i}(input: number): number {\n  return input * ${i};\n}\n`);
  }
  return root;
}

/** Resolves once the running job has committed its first batch of files. */
async function firstCommit(scheduler: IndexScheduler): Promise<void> {
  for (;;) {
    const [progress] = (await once(scheduler, 'progress')) as [{ phase: string; done: number }];
    if (progress.phase === 'indexing' && progress.done > 0) return;
  }
}

describe('IndexScheduler', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await Engine.open({ dataDir: path.join(dir, 'data'), processor: await InProcessFileProcessor.create() });
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('runs folders by priority, then in the order they were queued', async () => {
    const scheduler = new IndexScheduler(engine);
    const folders = [];
    for (const name of ['alpha', 'beta', 'gamma']) folders.push(await engine.addFolder(await makeRepo(path.join(dir, name), 3)));
    const finished: string[] = [];
    scheduler.on('summary', (s: IndexSummary) => finished.push(s.folder));
    scheduler.pause(); // nothing starts while the queue is filled
    for (const folder of folders) scheduler.enqueue(folder);
    scheduler.prioritize('gamma');
    assert.deepEqual(scheduler.jobs().map((j) => j.state), ['queued', 'queued', 'queued']);
    scheduler.resume();
    await scheduler.idle();
    assert.deepEqual(finished, ['gamma', 'alpha', 'beta']);
    assert.ok(scheduler.jobs().every((j) => j.state === 'done'));
  });

  it('pauses a running folder at its next commit and resumes it', async () => {
    const scheduler = new IndexScheduler(engine);
    const folder = await engine.addFolder(await makeRepo(path.join(dir, 'big'), 1200));
    scheduler.enqueue(folder);
    await firstCommit(scheduler);
    scheduler.pause(folder.name);
    await new Promise((r) => setTimeout(r, 100)); // the batch in flight commits
    assert.equal(scheduler.jobs().find((j) => j.folder === 'big')?.state, 'paused');
    let moved = false;
    scheduler.on('progress', () => (moved = true));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(moved, false, 'no progress while paused');
    scheduler.resume(folder.name);
    await scheduler.idle();
    const job = scheduler.jobs().find((j) => j.folder === 'big')!;
    assert.equal(job.state, 'done');
    assert.equal(job.summary?.filesIndexed, 1200);
  });

  it('cancels a running folder, keeping what it committed', async () => {
    const scheduler = new IndexScheduler(engine);
    const folder = await engine.addFolder(await makeRepo(path.join(dir, 'cancel-me'), 1200));
    scheduler.enqueue(folder);
    await firstCommit(scheduler);
    scheduler.cancel(folder.name);
    await scheduler.idle();
    const job = scheduler.jobs().find((j) => j.folder === 'cancel-me')!;
    assert.equal(job.state, 'cancelled');
    assert.match(job.error ?? '', /cancelled/);
    const files = (await engine.status()).folders.find((f) => f.name === 'cancel-me')!.files;
    assert.ok(files > 0 && files < 1200, `${files} files were committed before the cancel`);
  });

  it('shuts down while paused: a running job stops at its gate, queued ones never start, idle() settles', async () => {
    const scheduler = new IndexScheduler(engine);
    const running = await engine.addFolder(await makeRepo(path.join(dir, 'paused-running'), 1200));
    const queued = await engine.addFolder(await makeRepo(path.join(dir, 'paused-queued'), 5));
    scheduler.enqueue(running);
    scheduler.enqueue(queued);
    await firstCommit(scheduler);
    scheduler.pause();
    scheduler.shutdown();
    const settled = await Promise.race([scheduler.idle().then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    assert.equal(settled, true, 'idle() settled although the scheduler is paused');
    assert.deepEqual(scheduler.jobs().map((j) => j.state).sort(), ['cancelled', 'cancelled']);
  });

  it('indexes paths reported changed while a run goes on in a job of their own after it', async () => {
    const scheduler = new IndexScheduler(engine);
    const root = await makeRepo(path.join(dir, 'busy'), 1200);
    const folder = await engine.addFolder(root);
    scheduler.enqueue(folder);
    await firstCommit(scheduler);
    await writeFile(root, 'late/added.ts', 'export function addedDuringTheRun(): void {}\n');
    scheduler.enqueueChanges(folder, ['late/added.ts']);
    const summaries: IndexSummary[] = [];
    scheduler.on('summary', (s: IndexSummary) => summaries.push(s));
    await scheduler.idle();
    assert.equal(summaries.length, 2, 'the full run, then the changes');
    assert.equal(summaries[1]!.filesSeen, 1, 'the second run looked at the changed path only');
    assert.equal((await engine.search('addedDuringTheRun')).hits[0]?.path, 'late/added.ts');
  });
});

