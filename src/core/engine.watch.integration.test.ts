import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import type { FolderInfo } from '../shared/types.js';
import { Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';


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

  it('indexes each file once when the changed paths overlap (a new directory and the file in it, as watchers report them)', async () => {
    await writeFile(repo, 'fresh/dir/inner.ts', 'export function overlappingChangeMarker(): void {}\n');
    const summary = await drain(engine.index(folder, { changed: ['fresh', 'fresh/dir', 'fresh/dir/inner.ts'] }));
    assert.equal(summary.filesIndexed, 1);
    assert.deepEqual(await paths(engine, 'overlappingChangeMarker'), ['fresh/dir/inner.ts']);
    await fs.rm(path.join(repo, 'fresh'), { recursive: true });
    const removed = await drain(engine.index(folder, { changed: ['fresh', 'fresh/dir/inner.ts'] }));
    assert.equal(removed.filesDeleted, 1, 'a file gone with its directory is deleted once');
    assert.deepEqual(await paths(engine, 'overlappingChangeMarker'), []);
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
