import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/support/eventually.js';
import { writeFile } from '../../../test/support/fixtures.js';
import { openTestService, type TestService } from '../../../test/support/service.js';
import type { IndexRunReport } from '../../shared/contract.js';
import type { QuarryService } from '../service.js';

/** Files indexing skips: binary, over the size cap, minified. */
const SKIPPED = ['assets/blob.bin', 'data/huge.txt', 'static/app.js'];

describe('an index run\'s report lists the files that run skipped, by reason', () => {
  let opened: TestService;
  let service: QuarryService;
  let repo: string;

  before(async () => {
    opened = await openTestService();
    service = opened.service;
    repo = path.join(opened.dir, 'repo');
    await writeFile(repo, 'src/kept.ts', 'export function keptAlongside(): number {\n  return 1;\n}\n');
    await writeFile(repo, 'assets/blob.bin', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 0xff]));
    await writeFile(repo, 'data/huge.txt', `${'a line of text that goes on\n'.repeat(50_000)}`); // 1.4 MB, over the 1 MiB cap
    await writeFile(repo, 'static/app.js', `!function(){${'var x=1;'.repeat(20_000)}}();\n`);
    await service.addFolder({ path: repo });
    await service.idle();
  });
  after(() => opened.close());

  /** The folder's reports, newest first, once there are at least `count` (they are stored after the run ends). */
  const reports = async (count: number): Promise<IndexRunReport[]> => {
    let stored: IndexRunReport[] = [];
    await eventually(async () => (stored = await service.reports({ folder: 'repo' })).length >= count, `${count} reports are stored`);
    return stored;
  };
  /** Runs a full walk (after whatever the watcher queued) and returns its report. */
  const fullRun = async (): Promise<IndexRunReport> => {
    await service.idle();
    const before = (await reports(1)).length;
    await service.reindexFolder({ folder: 'repo', verify: true });
    await service.idle();
    const stored = await reports(before + 1);
    assert.equal(stored.length, before + 1, 'one run, nothing else queued meanwhile');
    return stored[0]!;
  };
  const folderSkips = async () => (await service.status()).skippedByReason;

  it('records the first run\'s skips by reason, as many as its summary counts', async () => {
    const stored = await reports(1);
    assert.equal(stored.length, 1);
    const first = stored[0];
    assert.deepEqual(first!.skippedByReason, { binary: 1, 'too-large': 1, minified: 1 });
    assert.equal(first!.summary!.filesSkipped, 3);
    assert.equal(first!.summary!.filesIndexed, 1);
    assert.deepEqual(first!.summary!.skippedByReason, first!.skippedByReason, 'the summary read back through the contract keeps its skips');
  });

  it('a watcher\'s run over one new file reports no skips, though the folder keeps its three', async () => {
    await writeFile(repo, 'src/later.ts', 'export function writtenLater(): number {\n  return 2;\n}\n');
    // The watcher may report the file in one batch or two: a run each, the first of them indexing it.
    await eventually(async () => (await service.reports({ folder: 'repo' })).some((r) => r.summary?.filesIndexed === 1 && r.summary.filesSeen === 1), 'the new file\'s run is reported');
    await service.idle();
    const later = (await service.reports({ folder: 'repo' })).slice(0, -1);
    assert.ok(later.length > 0 && later.every((r) => r.summary!.filesSeen <= 1), 'runs over the changed file alone');
    assert.ok(later.every((r) => Object.keys(r.skippedByReason).length === 0), `these runs skipped nothing: ${JSON.stringify(later.map((r) => r.skippedByReason))}`);
    assert.deepEqual(await folderSkips(), { binary: 1, minified: 1, 'too-large': 1 }, 'the folder still has its skips');
  });

  it('a full run that changes nothing reports the files it found still skipped, as its filesSkipped counts them', async () => {
    const latest = await fullRun();
    assert.equal(latest.summary!.filesIndexed, 0);
    assert.equal(latest.summary!.filesSkipped, 3);
    assert.deepEqual(latest.skippedByReason, { binary: 1, 'too-large': 1, minified: 1 });
  });

  it('a full run after the skipped files are removed reports none', async () => {
    for (const file of SKIPPED) await fs.rm(path.join(repo, file));
    // The watcher notices the deletions (one run or several); then a full walk, after them.
    await eventually(async () => Object.keys(await folderSkips()).length === 0, 'the deletions are indexed');
    const latest = await fullRun();
    assert.equal(latest.summary!.filesSeen, 2, 'the two source files');
    assert.equal(latest.summary!.filesSkipped, 0);
    assert.deepEqual(latest.skippedByReason, {});
  });
});
