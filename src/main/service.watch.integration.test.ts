import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../test/support/eventually.js';
import { writeFile } from '../../test/support/fixtures.js';
import { openTestService, type TestService } from '../../test/support/service.js';
import type { QuarryService } from './service.js';

describe('QuarryService keeps added folders current while it runs', () => {
  let opened: TestService;
  let dir: string;
  let service: QuarryService;
  let repo: string;

  before(async () => {
    opened = await openTestService();
    ({ dir, service } = opened);
    repo = path.join(dir, 'repo');
    await writeFile(repo, 'src/existing.ts', 'export function existingThing(): number {\n  return 1;\n}\n');
    await service.addFolder({ path: repo });
    await service.idle();
  });
  after(() => opened.close());

  const paths = async (query: string): Promise<string[]> =>
    (await service.search({ requestId: 'watch', query, mode: 'lexical' })).hits.map((h) => h.path);

  it('indexes a file created, edited and deleted after the folder was indexed', async () => {
    assert.deepEqual(await paths('freshlyWrittenThing'), []);
    await writeFile(repo, 'src/fresh.ts', 'export function freshlyWrittenThing(): number {\n  return 2;\n}\n');
    await eventually(async () => (await paths('freshlyWrittenThing')).includes('src/fresh.ts'), 'the new file is searchable');

    await writeFile(repo, 'src/fresh.ts', 'export function renamedInPlace(): number {\n  return 3;\n}\n');
    await eventually(async () => (await paths('renamedInPlace')).includes('src/fresh.ts'), 'the edit is searchable');
    assert.deepEqual(await paths('freshlyWrittenThing'), [], 'the old text is gone');

    await fs.rm(path.join(repo, 'src/fresh.ts'));
    await eventually(async () => (await paths('renamedInPlace')).length === 0, 'the deleted file leaves the index');

    await writeFile(repo, 'nested/inner.ts', 'export function insideMovedDirectory(): void {}\n');
    await eventually(async () => (await paths('insideMovedDirectory')).includes('nested/inner.ts'), 'the nested file is searchable');
    await service.idle();
    await fs.rename(path.join(repo, 'nested'), path.join(repo, 'moved'));
    await eventually(async () => (await paths('insideMovedDirectory')).join() === 'moved/inner.ts', `a renamed directory moves its files: ${(await paths('insideMovedDirectory')).join()}`);
    assert.deepEqual(await paths('existingThing'), ['src/existing.ts'], 'the rest is untouched');
  });

  it('queues no work for changes the ignore rules leave out, such as a build writing dist/', async () => {
    await writeFile(repo, '.gitignore', 'generated/\n');
    await writeFile(repo, 'src/gitignored.ts', 'export const gitignoredSource = 0;\n');
    await eventually(async () => (await paths('gitignoredSource')).length === 1, 'the edited .gitignore is indexed');
    await service.idle();
    const runs: string[] = [];
    const listener = (summary: { folder: string }): number => runs.push(summary.folder);
    service.on('indexed', listener);
    try {
      for (let i = 0; i < 5; i++) {
        await writeFile(repo, `dist/bundle${i}.js`, `export const builtOutput${i} = ${i};\n`);
        await writeFile(repo, `generated/api${i}.ts`, `export const generatedOutput${i} = ${i};\n`);
      }
      await sleep(600); // several of the watcher's quiet periods
      assert.deepEqual(runs, [], 'no run for ignored paths');
      await writeFile(repo, 'src/after-build.ts', 'export function afterTheBuild(): void {}\n');
      await eventually(async () => (await paths('afterTheBuild')).includes('src/after-build.ts'), 'a real change is indexed');
      assert.deepEqual(await paths('builtOutput3'), []);
      assert.deepEqual(await paths('generatedOutput3'), []);
    } finally {
      service.off('indexed', listener);
    }
  });

  it('answers a re-index of a settled, watched folder from its watcher, and walks it when asked to verify', async () => {
    await service.idle();
    const progress: string[] = [];
    const summaries: Array<{ filesIndexed: number; filesUnchanged: number }> = [];
    const onProgress = (p: { phase: string }): number => progress.push(p.phase);
    const onIndexed = (s: { filesIndexed: number; filesUnchanged: number }): number => summaries.push(s);
    service.on('progress', onProgress);
    service.on('indexed', onIndexed);
    try {
      await service.reindexFolder({ folder: 'repo' });
      assert.equal(summaries.length, 1, 'the summary came at once');
      assert.equal(summaries[0]!.filesIndexed, 0);
      assert.ok(summaries[0]!.filesUnchanged > 0, 'every file is reported unchanged');
      assert.equal(progress.length, 0, 'nothing was walked');
      assert.equal(service.busy(), false);

      await service.reindexFolder({ folder: 'repo', verify: true });
      await service.idle();
      assert.ok(progress.includes('scanning'), 'verify walks the folder');
      assert.equal(summaries.length, 2);
      assert.equal(summaries[1]!.filesIndexed, 0, 'and finds it current');
    } finally {
      service.off('progress', onProgress);
      service.off('indexed', onIndexed);
    }
  });

  it('misses no change made just before a re-index: the watcher is synced first', async () => {
    await service.idle();
    await writeFile(repo, 'src/just-written.ts', 'export function writtenJustBefore(): void {}\n');
    await service.reindexFolder({ folder: 'repo' }); // at once, before the watcher's quiet period is over
    await service.idle();
    assert.deepEqual(await paths('writtenJustBefore'), ['src/just-written.ts']);
    assert.deepEqual((await fs.readdir(repo)).filter((name) => name.startsWith('.quarry-cookie-')), [], 'no cookie is left behind');
  });

  it('applies an edited .gitignore to the whole folder, not just to itself', async () => {
    await writeFile(repo, 'src/soon-ignored.ts', 'export function soonIgnoredThing(): void {}\n');
    await eventually(async () => (await paths('soonIgnoredThing')).length === 1, 'the file is indexed');
    await writeFile(repo, '.gitignore', 'generated/\nsrc/soon-ignored.ts\n');
    await eventually(async () => (await paths('soonIgnoredThing')).length === 0, 'the newly ignored file leaves the index');
    await writeFile(repo, '.gitignore', 'generated/\n');
    await eventually(async () => (await paths('soonIgnoredThing')).length === 1, 'and comes back when the rule goes');
  });

  it('stops watching a folder once it is removed', async () => {
    await service.removeFolder({ folder: 'repo' });
    await writeFile(repo, 'src/after-removal.ts', 'export const afterRemoval = 1;\n');
    await sleep(500);
    assert.deepEqual((await service.indexing()).jobs, [], 'no job for a folder no longer added');
  });

  it('re-indexes every folder when the ignore rules change in Settings', async () => {
    const other = path.join(dir, 'other');
    await writeFile(other, 'src/client.generated.ts', 'export function generatedClientCall(): void {}\n');
    await writeFile(other, 'src/client.ts', 'export function handWrittenClientCall(): void {}\n');
    await service.addFolder({ path: other });
    await service.idle();
    assert.deepEqual(await paths('generatedClientCall'), ['src/client.generated.ts']);

    const saved = await service.updateSettings({ ignoreRules: ['*.generated.ts'] });
    assert.deepEqual(saved.ignoreRules, ['*.generated.ts']);
    await service.idle();
    assert.deepEqual(await paths('generatedClientCall'), [], 'the newly ignored file left the index');
    assert.deepEqual(await paths('handWrittenClientCall'), ['src/client.ts']);

    await service.updateSettings({ ignoreRules: [] });
    await service.idle();
    assert.deepEqual(await paths('generatedClientCall'), ['src/client.generated.ts'], 'and comes back when the rule goes');
  });

  it('runs the queued work of the folders a search found results in first', async () => {
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    await writeFile(first, 'a.ts', 'export const firstOnly = 1;\n');
    await writeFile(second, 'b.ts', 'export const secondOnly = 2;\n');
    await service.addFolder({ path: first });
    await service.addFolder({ path: second });
    await service.idle();
    await service.pause({});
    // Walked on request: settled folders would be answered from their watchers without a job.
    await service.reindexFolder({ folder: 'first', verify: true });
    await service.reindexFolder({ folder: 'second', verify: true });
    const finished: string[] = [];
    service.on('indexed', (summary) => finished.push(summary.folder));
    assert.deepEqual(await paths('secondOnly'), ['b.ts']);
    await service.resume({});
    await service.idle();
    assert.deepEqual(finished.slice(0, 2), ['second', 'first']);
  });
});

