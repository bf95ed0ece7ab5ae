import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import type { FolderInfo, IndexSummary } from '../shared/types.js';
import { Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';


/** The next summary from a watch, or a failure after `ms`. */
function nextSummary(watch: AsyncGenerator<IndexSummary>, ms = 10_000): Promise<IndexSummary> {
  return Promise.race([
    watch.next().then((step) => {
      assert.ok(!step.done, 'the watch ended');
      return step.value;
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no change indexed within ${ms} ms`)), ms)),
  ]);
}

const paths = async (engine: Engine, query: string): Promise<string[]> => (await engine.search(query)).hits.map((h) => h.path);

describe('Watching folders (real @parcel/watcher)', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  let dataDir: string;
  let engine: Engine;
  let folder: FolderInfo;

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
    dataDir = path.join(work, 'data');
    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
    folder = await engine.addFolder(repo);
    await drain(engine.index(folder));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('indexes edits, new files, deletions and renamed directories as they happen', async () => {
    const stop = new AbortController();
    const watch = engine.watch(folder, stop.signal);
    const first = nextSummary(watch);
    await new Promise((r) => setTimeout(r, 300)); // let the subscription settle
    await writeFile(repo, 'src/live.ts', 'export function liveReloadedFunction() {}\n');
    const created = await first;
    assert.equal(created.filesIndexed, 1);
    assert.equal(created.filesSeen, 1, 'only the changed path is looked at');
    assert.deepEqual(await paths(engine, 'liveReloadedFunction'), ['src/live.ts']);

    const edited = nextSummary(watch);
    await writeFile(repo, 'src/live.ts', 'export function renamedLiveFunction() {}\n');
    await edited;
    assert.deepEqual(await paths(engine, 'liveReloadedFunction'), []);
    assert.deepEqual(await paths(engine, 'renamedLiveFunction'), ['src/live.ts']);

    const moved = nextSummary(watch);
    await fs.rename(path.join(repo, 'native'), path.join(repo, 'cpp'));
    const summary = await moved;
    assert.ok(summary.filesDeleted >= 2 && summary.filesIndexed >= 2, JSON.stringify(summary));
    assert.deepEqual(await paths(engine, 'vector_push'), ['cpp/vector.c']);

    const removed = nextSummary(watch);
    await fs.rm(path.join(repo, 'src/live.ts'));
    assert.equal((await removed).filesDeleted, 1);
    assert.deepEqual(await paths(engine, 'renamedLiveFunction'), []);
    stop.abort();
    assert.equal((await watch.next()).done, true, 'the watch ends when aborted');
  });

  it('leaves ignored paths alone', async () => {
    const stop = new AbortController();
    const watch = engine.watch(folder, stop.signal);
    const next = nextSummary(watch);
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(repo, 'dist/bundle.ts', 'export const ignoredBundleMarker = 1;\n');
    await writeFile(repo, 'src/seen.ts', 'export const seenMarker = 1;\n');
    const summary = await next;
    assert.deepEqual(await paths(engine, 'ignoredBundleMarker'), []);
    assert.ok(summary.filesIndexed >= 1);
    stop.abort();
    await watch.next();
  });

  it('catches up on changes made while Quarry was closed, looking only at what changed', async () => {
    engine.close();
    await writeFile(repo, 'server/main.go', (await fs.readFile(path.join(repo, 'server/main.go'), 'utf8')).replaceAll('StartServer', 'ServeForever'));
    await writeFile(repo, 'src/offline.ts', 'export const writtenWhileClosed = true;\n');
    await fs.rm(path.join(repo, 'engine/src/lib.rs'));
    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
    const summary = await drain(engine.catchUp(folder));
    assert.equal(summary.filesIndexed, 2);
    assert.equal(summary.filesDeleted, 1);
    assert.ok(summary.filesSeen <= 3, `looked at ${summary.filesSeen} paths, not the whole tree`);
    assert.deepEqual(await paths(engine, 'ServeForever'), ['server/main.go']);
    assert.deepEqual(await paths(engine, 'writtenWhileClosed'), ['src/offline.ts']);
    assert.ok(!(await paths(engine, 'compute_checksum')).includes('engine/src/lib.rs'), 'the deleted file is gone');
  });
});
