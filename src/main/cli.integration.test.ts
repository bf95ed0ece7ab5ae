import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { quarry, quarryAsync, startQuarry, stopEngines } from '../../test/support/cli.js';
import { startModelHub } from '../../test/support/model-hub.js';
import { addNastyFiles, copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { Store } from '../core/store/store.js';
import { processAlive, readEndpoint } from './engine/endpoint.js';
import type { SearchHit, StatusReport } from '../shared/types.js';

describe('quarry CLI', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  let dataDir: string;
  const q = (...args: string[]) => quarry(['--data-dir', dataDir, ...args]);

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
    await addNastyFiles(repo);
    dataDir = path.join(work, 'data');
  });
  after(async () => {
    stopEngines(...['data', 'cap-data', 'crash-data', 'held-data'].map((name) => path.join(work, name)));
    await cleanup();
  });

  it('indexes a new folder, adding it, printing progress and a summary', () => {
    const indexed = q('index', repo);
    assert.equal(indexed.status, 0, indexed.stderr);
    assert.match(indexed.stdout, /repo: \d+ indexed, 0 unchanged, 0 deleted, \d+ skipped/);
    assert.match(indexed.stderr, /^repo: scanning…$/m);
    assert.match(indexed.stderr, /^repo: indexing (\d+)\/\1 files \(100%/m);
  });

  it('searches with --json, one hit per line with folder-relative paths', () => {
    const result = q('search', 'vector_push', '--json');
    assert.equal(result.status, 0, result.stderr);
    const hits = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as SearchHit);
    assert.equal(hits[0]?.path, 'native/vector.c');
    assert.equal(hits[0]?.folder, 'repo');
    assert.equal(hits[0]?.symbol, 'vector_push');
    assert.ok(hits[0]!.startLine >= 1 && hits[0]!.endLine >= hits[0]!.startLine);
    assert.ok(hits[0]!.score > 0 && hits[0]!.snippet.length > 0);
  });

  it('searches by regex with --regex and limits results with --limit', () => {
    const regex = q('search', '--regex', 'fn \\w+\\(', '--json');
    assert.equal(regex.status, 0, regex.stderr);
    assert.ok(regex.stdout.includes('engine/src/lib.rs'));
    const limited = q('search', 'const', '--limit', '2', '--json');
    assert.equal(limited.stdout.trim().split('\n').length, 2);
  });

  it('explains a search and pages with --cursor; the engine’s result cache serves every later command', () => {
    const first = q('search', 'return', '--limit', '2', '--explain');
    assert.match(first.stderr, /explain: lexical at generation \d+; ms: parse [\d.]+, lexical [\d.]+, .*snippets [\d.]+; results computed/);
    // Each hit shown with its share of the best score and the evidence behind it.
    assert.match(first.stdout, /^repo\/\S+:\d+-\d+.* 100\/100/m);
    assert.match(first.stderr, /^ {2}\S+:\d+ 100\/100 \(score [\d.]+\): holds 1 of 1 word/m);
    assert.match(q('search', 'return', '--limit', '2', '--explain').stderr, /; results cached$/m);
    const cursor = /more: --cursor (\S+)/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const second = q('search', 'return', '--limit', '2', '--cursor', cursor, '--json');
    assert.equal(second.status, 0, second.stderr);
    const firstPaths = first.stdout.match(/^repo\/\S+?:/gm)!.map((p) => p.slice(5, -1));
    const secondPaths = second.stdout.trim().split('\n').map((l) => (JSON.parse(l) as SearchHit).path);
    assert.equal(secondPaths.length, 2);
    assert.ok(secondPaths.every((p) => !firstPaths.includes(p)), 'the second page holds other files');
  });

  it('prints human-readable hits with line numbers', () => {
    const result = q('search', 'StartServer');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^repo\/server\/main\.go:\d+-\d+ StartServer/m);
    assert.match(result.stdout, /^\s+\d+\s+.*StartServer/m);
  });

  it('reports status and skipped files, as text and JSON', () => {
    const status = JSON.parse(q('status', '--json').stdout) as StatusReport;
    assert.equal(status.folders[0]?.name, 'repo');
    assert.ok(status.folders[0]!.files > 10 && status.folders[0]!.chunks >= status.folders[0]!.files);
    assert.equal(status.skippedByReason['too-large'], 1);
    assert.ok(status.indexBytes > 0);
    assert.match(q('status').stdout, /skipped: .*binary 1/);
    const skipped = q('skipped').stdout;
    assert.match(skipped, /repo\/static\/app\.js\tminified\t/);
    assert.match(skipped, /repo\/legacy\/latin1\.txt\tinvalid-encoding\t/);
  });

  it('lists, invalidates, clears and configures the engine’s caches', () => {
    const listed = q('cache', 'list');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /^search results \(memory\): \d+% hits \(\d+\/\d+\), [1-9]\d*\/64 entries, [\d.]+ KiB; dropped: none; can clear, invalidate, configure, warm$/m, 'the searches above were cached');
    assert.match(listed.stdout, /^stored embeddings \(stored\): .*; can gc$/m);
    assert.match(listed.stdout, /^unchanged-file skips \(stored\): \d+% hits .*, [1-9]\d* entries, .*; can clear$/m);
    assert.match(listed.stdout, /^query vectors \(memory\): .*; can clear, invalidate, configure$/m);
    // Nothing was indexed since those searches: every ranking is of the current generation, and stays.
    const invalidated = q('cache', 'invalidate', 'search results');
    assert.equal(invalidated.status, 0, invalidated.stderr);
    assert.match(invalidated.stdout, /^0 no longer valid entries dropped\nsearch results \(memory\): .*, [1-9]\d*\/64 entries, .*; dropped: none; /);
    const json = JSON.parse(q('cache', 'invalidate', 'query vectors', '--json').stdout) as { cache: { name: string }; dropped: number; byCause: Record<string, number> };
    assert.deepEqual([json.cache.name, json.dropped, json.byCause.model, json.byCause.ttl], ['query vectors', 0, 0, 0]);
    const refused = q('cache', 'invalidate', 'unchanged-file skips');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^quarry: unchanged-file skips cannot be invalidated: .* Clear it to have every file checked by its content\.$/m);
    assert.match(q('cache', 'clear', 'search results').stdout, /^search results \(memory\): .*, 0\/64 entries, 0 B; dropped: manual [1-9]\d*; can /m);
    assert.match(q('cache', 'gc', '--dry-run').stdout, /^would delete 0 stored vectors no chunk uses \(0 B\); run without --dry-run to free it$/m);
    assert.match(q('cache', 'warm').stdout, /^warmed the result cache with \d+ frequent quer(y|ies) in /m);
    const configured = q('cache', 'configure', 'query vectors', '--max-entries', '10', '--ttl', '60', '--json');
    assert.equal(configured.status, 0, configured.stderr);
    const stats = JSON.parse(configured.stdout) as { maxEntries: number; ttlSeconds: number };
    assert.deepEqual([stats.maxEntries, stats.ttlSeconds], [10, 60]);
    const unknown = q('cache', 'clear', 'nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^quarry: No cache is called "nope"/);
    assert.equal(q('cache', 'configure', 'query vectors').status, 2, 'nothing to configure');
  });

  it('lists index run reports: files by outcome, passes with throughput, skips by reason, the slowest files', () => {
    const text = q('reports', 'repo');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^repo {2}.+ {2}done in /m);
    assert.match(text.stdout, /^ {2}files: \d+ seen, \d+ indexed, /m);
    assert.match(text.stdout, /^ {2}passes: indexing \d+ files in .+ files\/s; parsing \d+ files in /m);
    assert.match(text.stdout, /^ {2}skipped: .*too-large 1/m);
    assert.match(text.stdout, /^ {2}slowest: \S+ [\d.]+ ms \(/m);
    const json = q('reports', '--json', '--limit', '1');
    const lines = json.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const report = JSON.parse(lines[0]!) as { folder: string; summary: { slowestFiles: unknown[] } };
    assert.equal(report.folder, 'repo');
    assert.ok(report.summary.slowestFiles.length > 0);
    assert.match(q('reports', 'nothing-here').stdout, /^no index runs of nothing-here on record$/m);
  });

  it('honours --max-file-size', async () => {
    const small = path.join(work, 'small-cap');
    await writeFile(small, 'big.ts', `export const data = [${'1, '.repeat(2000)}];\n`);
    await writeFile(small, 'tiny.ts', 'export const tiny = 1;\n');
    const added = quarry(['--data-dir', path.join(work, 'cap-data'), 'add', small, '--max-file-size', '2KiB']);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /^added small-cap \(.*small-cap\); it is being indexed$/m);
    const result = quarry(['--data-dir', path.join(work, 'cap-data'), 'index']);
    assert.equal(result.status, 0, result.stderr);
    const skipped = quarry(['--data-dir', path.join(work, 'cap-data'), 'skipped']).stdout;
    assert.match(skipped, /small-cap\/big\.ts\ttoo-large\t\d+ bytes is over the 2048-byte limit/);
    assert.doesNotMatch(skipped, /tiny\.ts/);
  });

  it('exits non-zero with a message, not a stack trace, on bad input', () => {
    const cases: Array<[string[], RegExp, number]> = [
      [['search', '"unbalanced'], /Unbalanced quote/, 2],
      [['search', '--regex', 'a(b'], /Invalid regular expression/, 2],
      [['add', path.join(work, 'missing')], /No such folder/, 1],
      [['index', 'no-such-folder-name'], /No such folder/, 1],
      [['search', 'x', '--limit', 'lots'], /--limit needs a whole number from 1 to 200/, 2],
      [['frobnicate'], /Unknown command "frobnicate"/, 2],
      [['search', 'x', '--bogus'], /Unknown option '--bogus'/, 2],
      [['index', '--max-file-size', 'huge'], /--max-file-size needs a size/, 2],
      [['index', '--max-file-size', '4constructor'], /--max-file-size needs a size/, 2],
    ];
    for (const [args, message, code] of cases) {
      const result = q(...args);
      assert.equal(result.status, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('says so clearly when the data directory cannot be written', async () => {
    const blocker = await writeFile(work, 'not-a-dir', 'plain file');
    const result = quarry(['--data-dir', path.join(blocker, 'data'), 'status']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Cannot write to the data directory/);
  });

  it('says so clearly when a process that is no engine holds the database', async () => {
    const heldData = path.join(work, 'held-data');
    await fs.mkdir(heldData);
    const holderScript = fileURLToPath(new URL('../../test/support/hold-database.ts', import.meta.url));
    const holder = spawn(process.execPath, ['--import', 'tsx', holderScript, path.join(heldData, 'quarry.duckdb')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [first] = (await once(holder.stdout!, 'data')) as [Buffer];
      assert.match(first.toString(), /holding/);
      const result = quarry(['--data-dir', heldData, 'status']);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^quarry: The Quarry engine did not start: .*in use by another Quarry process \(pid \d+\)/m);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      holder.kill('SIGTERM');
      await once(holder, 'exit');
    }
  });

  it('keeps the index current with index --watch until interrupted', async () => {
    const child = startQuarry(['--data-dir', dataDir, 'index', repo, '--watch']);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const waitFor = async (test: () => boolean, what: string): Promise<void> => {
      for (const started = Date.now(); !test(); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}: ${stderr}`);
      }
    };
    await waitFor(() => /watching repo/.test(stderr), 'the watch to start');
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(repo, 'src/watched_module.py', 'def watched_function():\n    return 1\n');
    await waitFor(() => /repo: 1 indexed/.test(stdout), 'the change to be indexed');
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
    assert.equal((JSON.parse(q('search', 'watched_function', '--json').stdout.split('\n')[0]!) as SearchHit).path, 'src/watched_module.py');
  });

  it('survives kill -9 of the engine mid-index: the client says so, the store reopens consistent, and the next command starts a new engine that completes it', async () => {
    const big = path.join(work, 'big');
    const fileCount = 3000;
    for (let i = 0; i < fileCount; i++) {
      const body = Array.from({ length: 30 }, (_, j) => `export function handler${i}x${j}(input: number): number {\n  return input * ${j} + ${i};\n}\n`).join('\n');
      await writeFile(big, `src/module${i}.ts`, body);
    }
    const crashData = path.join(work, 'crash-data');
    const child = startQuarry(['--data-dir', crashData, 'index', big]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    // Kill mid-run, as soon as the first batch has committed: the log, which already holds the
    // schema when the walk starts, has grown by more than any schema change, and then stood still
    // (a commit writes its part of the log in one go).
    const wal = path.join(crashData, 'quarry.duckdb.wal');
    const walSize = () => fs.stat(wal).then((s) => s.size, () => 0);
    const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
    while (!/scanning/.test(stderr) && child.exitCode === null) await tick();
    const schemaSize = await walSize();
    for (let size = await walSize(), previous = -1; child.exitCode === null; previous = size, size = await walSize()) {
      if (size > schemaSize + 256 * 1024 && size === previous) break;
      await tick(20);
    }
    assert.equal(child.exitCode, null, `the run ended before it could be killed: ${stderr}`);
    const killed = (await readEndpoint(crashData))!;
    process.kill(killed.pid, 'SIGKILL');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /^quarry: The Quarry engine on port \d+ stopped$/m);
    while (processAlive(killed.pid)) await tick();

    const store = await Store.open(path.join(crashData, 'quarry.duckdb'));
    try {
      const [files] = await store.all<{ n: bigint }>("SELECT count(*) AS n FROM files WHERE status = 'indexed'");
      // Killed in the fast pass, part of the files; in the syntax pass, all of them, part still provisional.
      const [provisional] = await store.all<{ n: bigint }>('SELECT count(*) AS n FROM files WHERE provisional');
      const partial = Number(files!.n) < fileCount || Number(provisional!.n) > 0;
      assert.ok(Number(files!.n) > 0 && partial, `a partial index (${files!.n} files, ${provisional!.n} provisional) was committed`);
      const [broken] = await store.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM files f
         WHERE f.status = 'indexed' AND f.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.file_id = f.id)`,
      );
      assert.equal(Number(broken!.n), 0, 'no file is half written');
      const [orphans] = await store.all<{ n: bigint }>(
        'SELECT count(*) AS n FROM postings p WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = p.chunk_id)',
      );
      assert.equal(Number(orphans!.n), 0, 'no postings without their chunk');
    } finally {
      store.close();
    }

    const resumed = quarry(['--data-dir', crashData, 'index', big]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const restarted = (await readEndpoint(crashData))!;
    assert.notEqual(restarted.pid, killed.pid, 'the dead engine\'s endpoint was cleared and a new engine started');
    const counts = /(\d+) indexed, (\d+) unchanged/.exec(resumed.stdout)!;
    assert.equal(Number(counts[1]) + Number(counts[2]), fileCount, 'the resumed run covers exactly the rest');
    assert.ok(Number(counts[2]) > 0, 'work committed before the crash is not redone');
    stopEngines(crashData); // the store is opened here next
    const reopened = await Store.open(path.join(crashData, 'quarry.duckdb'));
    try {
      const [left] = await reopened.all<{ n: bigint }>('SELECT count(*) AS n FROM files WHERE provisional');
      assert.equal(Number(left!.n), 0, 'the resumed run also finished the syntax pass');
    } finally {
      reopened.close();
    }
    const hit = quarry(['--data-dir', crashData, 'search', `handler${fileCount - 1}x29`, '--json']);
    assert.equal((JSON.parse(hit.stdout.split('\n')[0]!) as SearchHit).path, `src/module${fileCount - 1}.ts`);
  });
});

describe('quarry CLI with an embedding model', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  const q = (...args: string[]) => quarry(['--data-dir', path.join(work, 'data'), '--models-dir', TEST_MODELS_DIR, '--model', TEST_MODEL, ...args]);

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
  });
  after(async () => {
    stopEngines(...['data', 'fresh-data', 'no-model-data'].map((name) => path.join(work, name)));
    await cleanup();
  });

  it('returns once a folder is lexically searchable with --no-wait, while the engine embeds behind it', async () => {
    const lexical = q('index', repo, '--no-wait');
    assert.equal(lexical.status, 0, lexical.stderr);
    assert.match(lexical.stderr, /^repo: searchable; embeddings go on in the background$/m);
    assert.equal((JSON.parse(q('search', 'compute_checksum', '--mode', 'lexical', '--json').stdout.split('\n')[0]!) as SearchHit).symbol, 'compute_checksum');
    for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 100))) {
      const status = JSON.parse(q('status', '--json').stdout) as StatusReport;
      if (status.folders[0]?.embeddingCoverage === 1) break;
      assert.ok(Date.now() - started < 30_000, 'the engine finished embedding after the command returned');
    }
    const again = q('index', repo);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /0 chunks written, 0 embedded/, 'nothing is left to do');
  });

  it('adds the fast tier with --fast-model: a static model embeds the folder first, and status reports each tier', () => {
    const dataDir = path.join(work, 'tiers-data');
    const tiers = (...args: string[]) => quarry(['--data-dir', dataDir, '--in-process', '--models-dir', TEST_MODELS_DIR, '--model', TEST_MODEL, '--fast-model', 'potion-code-random', ...args]);
    const indexed = tiers('index', repo);
    assert.equal(indexed.status, 0, indexed.stderr);
    const status = tiers('status');
    assert.match(status.stdout, /^fast tier: potion-code-random \(256 dims, static, fp32\)$/m);
    assert.match(status.stdout, /, 100% embedded \(fast 100%, full 100%\),/);
    const missing = quarry(['--data-dir', dataDir, '--in-process', '--models-dir', TEST_MODELS_DIR, '--fast-model', 'no-such-static-model', 'status']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no-such-static-model/);
  });

  it('reports the model, device, fallback, coverage and counters in status --json', () => {
    const status = JSON.parse(q('status', '--json').stdout) as StatusReport;
    assert.equal(status.model?.modelId, TEST_MODEL);
    assert.equal(status.model?.dims, 128);
    assert.equal(status.model?.device, 'cpu');
    assert.match(status.model?.fallbackReason ?? '', /webgpu/);
    assert.equal(status.folders[0]?.embeddingCoverage, 1);
    assert.ok(status.embeddings.computed > 0);
    assert.equal(status.embeddings.cacheHits, 0);
  });

  it('starts the engine on the device asked for with --device', () => {
    stopEngines(path.join(work, 'data'));
    const status = JSON.parse(q('status', '--json', '--device', 'cpu').stdout) as StatusReport;
    assert.equal(status.model?.device, 'cpu');
    assert.equal(status.model?.fallbackReason, null, 'nothing was tried before the CPU');
  });

  it('searches in every mode', () => {
    for (const mode of ['hybrid', 'semantic', 'lexical']) {
      const result = q('search', 'checksum of a buffer', '--mode', mode, '--json');
      assert.equal(result.status, 0, `${mode}: ${result.stderr}`);
      assert.ok(result.stdout.trim().split('\n').length > 0, mode);
    }
    const human = q('search', 'compute_checksum');
    assert.match(human.stderr, /results in [\d.]+ ms \(hybrid, 100% of chunks embedded\)/);
    assert.match(human.stdout, /^repo\/engine\/src\/lib\.rs:\d+-\d+ compute_checksum/);
  });

  it('downloads a model from a hub with models download, then uses it', async () => {
    const hub = await startModelHub(path.join(TEST_MODELS_DIR, TEST_MODEL), 'test-org/tiny');
    try {
      const data = path.join(work, 'fresh-data');
      const download = await quarryAsync(['--data-dir', data, 'models', 'download', '--endpoint', hub.endpoint, '--repo', 'test-org/tiny', '--model', 'tiny']);
      assert.equal(download.status, 0, download.stderr);
      assert.match(download.stdout, /model ready in .*models\/tiny/);
      const status = JSON.parse(quarry(['--data-dir', data, '--model', 'tiny', 'status', '--json']).stdout) as StatusReport;
      assert.equal(status.model?.modelId, 'tiny');
      assert.equal(status.model?.dims, 128);
    } finally {
      await hub.close();
    }
  });

  it('downloads the fast tier\'s static model with models download fast, and an engine uses it without being told', async () => {
    const hub = await startModelHub(path.join(TEST_MODELS_DIR, 'potion-code-random'), 'test-org/potion');
    try {
      const data = path.join(work, 'fast-data');
      const download = await quarryAsync(['--data-dir', data, 'models', 'download', 'fast', '--endpoint', hub.endpoint, '--repo', 'test-org/potion']);
      assert.equal(download.status, 0, download.stderr);
      assert.match(download.stdout, /model ready in .*models\/potion-code-16M/);
      const status = JSON.parse(quarry(['--data-dir', data, '--in-process', 'status', '--json']).stdout) as StatusReport;
      assert.equal(status.fastModel?.modelId, 'potion-code-16M', 'the default fast model, once installed');
      assert.equal(status.fastModel?.dims, 256);
      assert.equal(status.model, null, 'no transformer model was downloaded');
    } finally {
      await hub.close();
    }
  });

  it('says why semantic search is off when the model is missing', () => {
    const result = quarry(['--data-dir', path.join(work, 'no-model-data'), '--models-dir', work, 'search', 'x', '--mode', 'semantic']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Semantic search is off: No usable model "all-MiniLM-L6-v2"/);
  });
});
