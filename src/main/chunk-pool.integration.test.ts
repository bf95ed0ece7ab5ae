import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../test/support/eventually.js';
import { SAMPLE_REPO, tempDir, writeFile } from '../../test/support/fixtures.js';
import type { FileOutcome } from '../core/indexing/process-file.js';
import { walkInBatches, type WalkItem } from '../core/walk/walker.js';
import { ChunkPool } from './chunk-pool.js';

describe('ChunkPool (piscina workers)', () => {
  let pool: ChunkPool;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    pool = new ChunkPool(2);
    ({ dir, cleanup } = await tempDir());
  });
  after(async () => {
    await pool.close();
    await cleanup();
  });

  const run = async (rel: string, root = SAMPLE_REPO, knownHash: string | null = null): Promise<FileOutcome> => {
    const [outcome] = await pool.process([{ absPath: path.join(root, rel), relPath: rel, knownHash, syntax: true }]);
    return outcome!;
  };

  it('chunks source along its syntax tree inside a worker, with postings', async () => {
    const outcome = await run('src/http/request-parser.ts');
    assert.equal(outcome.type, 'indexed');
    if (outcome.type !== 'indexed') return;
    assert.equal(outcome.language, 'typescript');
    const chunk = outcome.chunks[0]!;
    assert.notEqual(chunk.kind, 'text', 'the grammar loaded in the worker');
    assert.ok(chunk.symbols.includes('parseHTTPRequest'));
    assert.ok(chunk.terms instanceof Int32Array && chunk.terms.length === chunk.counts.length && chunk.terms.length > 20);
    assert.match(chunk.hash, /^[0-9a-f]{32}$/);
  });

  it('processes a batch of files of many languages, one outcome per file in order', async () => {
    const files = ['server/main.go', 'engine/src/lib.rs', 'missing.c', 'native/vector.c', 'native/matrix.cpp', 'src/utils/string_utils.py', 'java/src/main/java/com/example/UserService.java'];
    const outcomes = await pool.process(files.map((f) => ({ absPath: path.join(SAMPLE_REPO, f), relPath: f, knownHash: null, syntax: true })));
    assert.equal(outcomes.length, files.length);
    assert.equal(outcomes.splice(2, 1)[0]?.type, 'skipped', 'a missing file in the batch does not sink the others');
    files.splice(2, 1);
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.type, 'indexed', files[i]);
      if (outcome.type === 'indexed') assert.ok(outcome.chunks.every((c) => c.kind !== 'text'), files[i]);
    }
  });

  it('reports an unchanged hash without chunking again', async () => {
    const first = await run('server/main.go');
    assert.equal(first.type, 'indexed');
    const again = await run('server/main.go', SAMPLE_REPO, first.type === 'indexed' ? first.hash : null);
    assert.equal(again.type, 'unchanged');
  });

  it('turns a vanished or binary file into a recorded skip', async () => {
    assert.deepEqual(await run('gone.ts', dir), { type: 'skipped', reason: 'vanished', detail: 'removed while indexing' });
    await writeFile(dir, 'data.bin', Uint8Array.from([1, 0, 2, 0]));
    const binary = await run('data.bin', dir);
    assert.equal(binary.type === 'skipped' && binary.reason, 'binary');
  });

  it('chunks by lines when asked for the fast pass, and says the file is provisional', async () => {
    const [outcome] = await pool.process([{ absPath: path.join(SAMPLE_REPO, 'server/main.go'), relPath: 'server/main.go', knownHash: null, syntax: false }]);
    assert.equal(outcome?.type, 'indexed');
    if (outcome?.type !== 'indexed') return;
    assert.equal(outcome.provisional, true);
    assert.ok(outcome.chunks.every((c) => c.kind === 'text' && c.symbol === null));
  });

  it('walks a folder on a worker thread: the same items, in the same order, as walking in-process', async () => {
    const request = { root: SAMPLE_REPO, maxFileBytes: 1 << 20 };
    const inWorker: WalkItem[] = [];
    for await (const batch of pool.walk(request)) inWorker.push(...(batch as WalkItem[]));
    const inProcess: WalkItem[] = [];
    for await (const batch of walkInBatches(request)) inProcess.push(...(batch as WalkItem[]));
    assert.ok(inWorker.some((item) => item.relPath === 'src/http/request-parser.ts'));
    assert.deepEqual(inWorker, inProcess);
  });

  it('stops a walk the caller abandons, and rejects a walk of a folder that is gone', async () => {
    for (let i = 0; i < 300; i++) await writeFile(dir, `many/file${i}.txt`, `line ${i}\n`);
    let seen = 0;
    for await (const batch of pool.walk({ root: path.join(dir, 'many'), maxFileBytes: 1 << 20 })) {
      seen += batch.length;
      break;
    }
    assert.ok(seen > 0 && seen < 300, `stopped after the first batch (${seen} items)`);
    // The worker is free again: a task after the abandoned walk runs.
    assert.equal((await run('server/main.go')).type, 'indexed');
    await assert.rejects(async () => {
      for await (const batch of pool.walk({ root: path.join(dir, 'no-such-folder'), maxFileBytes: 1 << 20 })) void batch;
    }, /ENOENT|no such file/);
  });

  it('lets its threads go when idle, and starts them again for the next task', async () => {
    const idle = new ChunkPool(2, 200);
    try {
      idle.start();
      assert.equal(idle.threadCount, 2);
      const [first] = await idle.process([{ absPath: path.join(SAMPLE_REPO, 'server/main.go'), relPath: 'server/main.go', knownHash: null, syntax: true }]);
      assert.equal(first?.type, 'indexed');
      await eventually(() => idle.threadCount === 0, 'idle threads are let go');
      const [again] = await idle.process([{ absPath: path.join(SAMPLE_REPO, 'server/main.go'), relPath: 'server/main.go', knownHash: null, syntax: true }]);
      // The same outcome, but for the time it took.
      assert.deepEqual({ ...again, ms: 0 }, { ...first, ms: 0 });
      const walked: string[] = [];
      for await (const batch of idle.walk({ root: SAMPLE_REPO, maxFileBytes: 1 << 20 })) for (const item of batch) walked.push(item.relPath);
      assert.ok(walked.includes('server/main.go'));
      assert.equal(idle.threadCount, 2, 'a walk that just ended keeps them');
    } finally {
      await idle.close();
    }
  });
});
