import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { addNastyFiles, copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { QuarryError } from '../shared/errors.js';
import type { FolderInfo, IndexSummary, SearchHit } from '../shared/types.js';
import { DATABASE_FILE, Engine } from './engine.js';
import { InProcessFileProcessor } from './indexing/in-process.js';
import { DEFAULT_MAX_FILE_BYTES, indexFolder } from './indexing/indexer.js';
import { MIGRATIONS } from './store/schema.js';
import { Store } from './store/store.js';


const rejectsWith = (promise: Promise<unknown>, code: string): Promise<void> =>
  assert.rejects(promise, (e: unknown) => e instanceof QuarryError && e.code === code);

describe('Engine on a real DuckDB file', () => {
  let workDir: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  let engine: Engine;
  let folder: FolderInfo;
  let first: IndexSummary;

  before(async () => {
    ({ dir: workDir, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(workDir, 'repo'));
    await addNastyFiles(repo);
    engine = await Engine.open({ dataDir: path.join(workDir, 'data'), processor: await InProcessFileProcessor.create() });
    folder = await engine.addFolder(repo);
    first = await drain(engine.index(folder));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('indexes the readable source and records a reason for everything it skips', async () => {
    assert.ok(first.filesIndexed >= 14, `indexed ${first.filesIndexed}`);
    assert.ok(first.chunksWritten >= first.filesIndexed);
    const skipped = new Map((await engine.skipped()).map((s) => [s.path, s.reason]));
    assert.equal(skipped.get('assets/blob.bin'), 'binary');
    assert.equal(skipped.get('vendor/huge-bundle.js'), 'too-large');
    assert.equal(skipped.get('static/app.js'), 'minified');
    assert.equal(skipped.get('legacy/latin1.txt'), 'invalid-encoding');
    assert.equal(skipped.get('loop/back-to-root/'), 'symlink-loop');
  });

  it('ranks the definition of an identifier first, above tests and docs that mention it', async () => {
    const { hits } = await engine.search('parseHTTPRequest');
    assert.equal(hits[0]?.path, 'src/http/request-parser.ts');
    assert.equal(hits[0]?.symbol, 'parseHTTPRequest');
    const paths = hits.map((h) => h.path);
    assert.ok(paths.includes('tests/request-parser.test.ts') && paths.includes('docs/guide.md'));
    const highlighted = hits[0]!.snippet.flatMap((l) => l.highlights.map(([s, e]) => l.text.slice(s, e)));
    assert.ok(highlighted.includes('parseHTTPRequest'), JSON.stringify(highlighted));
  });

  it('matches identifier parts: snake_case and camelCase words find their compounds', async () => {
    const camel = await engine.search('snake camel');
    assert.equal(camel.hits[0]?.symbol, 'snake_case_to_camel');
    const checksum = await engine.search('compute checksum');
    assert.equal(checksum.hits[0]?.path, 'engine/src/lib.rs');
  });

  it('searches transcoded UTF-16 and reports CRLF files with correct line numbers', async () => {
    const wide = await engine.search('utf16EncodedFunction');
    assert.equal(wide.hits[0]?.path, 'legacy/wide.js');
    const crlf = await engine.search('crlf_line_endings_function');
    const hit = crlf.hits[0]!;
    assert.equal(hit.path, 'scripts/crlf_script.py');
    assert.equal(hit.snippet.find((l) => l.highlights.length > 0)?.lineNumber, 4);
  });

  it('keeps ignored paths out of the index', async () => {
    for (const word of ['dropped_log_line', 'generatedThing', 'private_notes_marker', 'local_only_marker', 'dependencyCode']) {
      assert.deepEqual((await engine.search(word)).hits, [], word);
    }
    assert.equal((await engine.search('kept_log_line')).hits[0]?.path, 'logs/keep.log');
  });

  it('applies lang:, path:, -path: and repo: filters', async () => {
    const go = await engine.search('lang:go config');
    assert.ok(go.hits.length > 0 && go.hits.every((h) => h.language === 'go'));
    const onlyTests = await engine.search('parseHTTPRequest path:tests/');
    assert.deepEqual(onlyTests.hits.map((h) => h.path), ['tests/request-parser.test.ts']);
    const noTests = await engine.search('parseHTTPRequest -path:test');
    assert.ok(noTests.hits.every((h) => !h.path.includes('test')));
    assert.equal((await engine.search(`repo:${folder.name} StartServer`)).hits[0]?.path, 'server/main.go');
    assert.deepEqual((await engine.search('repo:no-such-folder StartServer')).hits, []);
    const globbed = await engine.search('path:*.rs checksum');
    assert.ok(globbed.hits.length > 0 && globbed.hits.every((h) => h.path.endsWith('.rs')));
  });

  it('finds exact phrases, case-insensitively unless the phrase has capitals', async () => {
    const phrase = await engine.search('"Optional.ofNullable(usersById"');
    assert.deepEqual(phrase.hits.map((h) => h.path), ['java/src/main/java/com/example/UserService.java']);
    assert.deepEqual((await engine.search('"OPTIONAL.OFNULLABLE"')).hits, []);
    assert.equal((await engine.search('"optional.ofnullable"')).hits.length, 1);
  });

  it('runs regex searches verified by the JavaScript engine, in path order', async () => {
    const { hits } = await engine.search('func\\s+Start\\w+', { mode: 'regex' });
    assert.deepEqual(hits.map((h) => h.path), ['server/main.go']);
    const line = hits[0]!.snippet.find((l) => l.highlights.length > 0)!;
    assert.equal(line.text.slice(...line.highlights[0]!), 'func StartServer');
    // Lookbehind is JavaScript-only syntax: the RE2 prefilter steps aside and the result is the same.
    const lookbehind = await engine.search('(?<=fn )compute_\\w+', { mode: 'regex' });
    assert.deepEqual(lookbehind.hits.map((h) => h.path), ['engine/src/lib.rs']);
    const inline = await engine.search('/^func main/ lang:go');
    assert.equal(inline.hits[0]?.path, 'server/main.go');
    const insensitive = await engine.search('(?i)USERSERVICE', { mode: 'regex' });
    assert.ok(insensitive.hits.some((h) => h.path.endsWith('UserService.java')));
  });

  it('prefilters each alternative of a regex and finds them all', async () => {
    const { hits } = await engine.search('func StartServer|fn compute_checksum', { mode: 'regex' });
    assert.deepEqual(hits.map((h) => h.path), ['engine/src/lib.rs', 'server/main.go']);
  });

  it('ranks the same after a restart, from postings loaded back out of DuckDB', async () => {
    const before = await engine.search('checksum update');
    engine.close();
    engine = await Engine.open({ dataDir: path.join(workDir, 'data'), processor: await InProcessFileProcessor.create() });
    const after = await engine.search('checksum update');
    assert.deepEqual(after.hits.map((h) => [h.path, h.score]), before.hits.map((h) => [h.path, h.score]));
    assert.ok(after.hits.length > 0);
  });

  it('rejects bad queries with a clear error', async () => {
    await rejectsWith(engine.search('"unbalanced'), 'BAD_QUERY');
    await rejectsWith(engine.search('(unclosed', { mode: 'regex' }), 'BAD_QUERY');
    await rejectsWith(engine.search('   '), 'BAD_QUERY');
  });

  it('reports status: counts, skipped reasons, size on disk and the git HEAD', async () => {
    const status = await engine.status();
    const [f] = status.folders;
    assert.equal(f?.files, first.filesIndexed);
    assert.equal(f?.chunks, first.chunksWritten);
    assert.equal(f?.gitHead, '0123456789abcdef0123456789abcdef01234567');
    assert.equal(status.skippedByReason.binary, 1);
    assert.ok(status.indexBytes > 0);
  });

  it('re-indexes an unchanged tree without rewriting anything', async () => {
    const again = await drain(engine.index(folder));
    assert.equal(again.filesIndexed, 0);
    assert.equal(again.chunksWritten, 0);
    assert.equal(again.filesUnchanged, first.filesIndexed);
  });

  it('only hashes a file whose mtime moved but whose content did not', async () => {
    const file = path.join(repo, 'server/main.go');
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(file, later, later);
    const run = await drain(engine.index(folder));
    assert.equal(run.filesIndexed, 0);
    assert.equal(run.chunksWritten, 0);
    assert.equal((await drain(engine.index(folder))).filesUnchanged, first.filesIndexed, 'the new mtime was recorded');
  });

  it('re-chunks the files of an index written before the last migration at the next catch-up, and only once', async () => {
    engine.close();
    const db = await DuckDBInstance.create(path.join(workDir, 'data', DATABASE_FILE));
    const connection = await db.connect();
    await connection.run(`UPDATE meta SET value = '${MIGRATIONS.length - 1}' WHERE key = 'schema_version'`);
    connection.closeSync();
    db.closeSync();
    engine = await Engine.open({ dataDir: path.join(workDir, 'data'), processor: await InProcessFileProcessor.create() });
    // As the service starts a folder: a catch-up, which on its own looks only at paths changed since the last run.
    const upgraded = await drain(engine.catchUp(folder));
    assert.ok(upgraded.filesIndexed >= 7, `re-chunked ${upgraded.filesIndexed}`);
    assert.ok(upgraded.filesUnchanged > 0, 'Markdown files are not re-read');
    assert.equal(upgraded.filesIndexed + upgraded.filesUnchanged, first.filesIndexed);
    assert.equal((await drain(engine.index(folder))).filesUnchanged, first.filesIndexed);
    assert.equal((await engine.search('parseHTTPRequest')).hits[0]?.path, 'src/http/request-parser.ts');
  });

  it('picks up edits, new files and deletions', async () => {
    await writeFile(repo, 'server/main.go', (await fs.readFile(path.join(repo, 'server/main.go'), 'utf8')).replaceAll('StartServer', 'LaunchServer'));
    await writeFile(repo, 'src/new_module.ts', 'export function freshlyAddedFunction() { return 42; }\n');
    await fs.rm(path.join(repo, 'native/vector.c'));
    const run = await drain(engine.index(folder));
    assert.equal(run.filesIndexed, 2);
    assert.equal(run.filesDeleted, 1);
    assert.equal((await engine.search('LaunchServer')).hits[0]?.path, 'server/main.go');
    assert.deepEqual((await engine.search('StartServer')).hits, []);
    assert.equal((await engine.search('freshlyAddedFunction')).hits[0]?.path, 'src/new_module.ts');
    assert.deepEqual((await engine.search('vector_push')).hits, []);
  });

  it('refuses folders that are missing, not folders, or already added', async () => {
    await rejectsWith(engine.addFolder(path.join(workDir, 'nope')), 'FOLDER_NOT_FOUND');
    await rejectsWith(engine.addFolder(path.join(repo, 'server/main.go')), 'NOT_A_DIRECTORY');
    await rejectsWith(engine.addFolder(repo), 'FOLDER_ALREADY_ADDED');
    await rejectsWith(engine.resolveFolder('unknown-name'), 'UNKNOWN_FOLDER');
  });

  it('names folders uniquely and forgets a removed folder entirely', async () => {
    const twin = await copySampleRepo(path.join(workDir, 'other', 'repo'));
    const second = await engine.addFolder(twin);
    assert.equal(second.name, 'repo-2');
    await drain(engine.index(second));
    const both = await engine.search('compute_checksum');
    assert.deepEqual(new Set(both.hits.map((h) => h.folder)), new Set(['repo', 'repo-2']));
    await engine.removeFolder('repo-2');
    const after = await engine.search('compute_checksum');
    assert.ok(after.hits.every((h) => h.folder === 'repo'));
    assert.equal((await engine.status()).folders.length, 1);
  });
});

describe('Search paging and caching', () => {
  let workDir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let folder: FolderInfo;

  before(async () => {
    ({ dir: workDir, cleanup } = await tempDir());
    const repo = path.join(workDir, 'many');
    for (let i = 0; i < 45; i++) await writeFile(repo, `src/handler${String(i).padStart(2, '0')}.ts`, `export function handleEvent${i}(event: Event) {\n  return dispatchEvent(event, ${i});\n}\n`);
    engine = await Engine.open({ dataDir: path.join(workDir, 'data'), processor: await InProcessFileProcessor.create() });
    folder = await engine.addFolder(repo);
    await drain(engine.index(folder));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  it('gives DuckDB room for writes only while a run is under way', async () => {
    const store = (engine as unknown as { store: Store }).store;
    const limit = async (): Promise<string> => (await store.all<{ v: string }>("SELECT current_setting('memory_limit') AS v"))[0]!.v;
    const idle = await limit();
    const run = engine.index(folder);
    await run.next();
    const writing = await limit();
    assert.ok(Number.parseFloat(writing) > 2 * Number.parseFloat(idle), `${writing} while indexing, ${idle} idle`);
    const release = await store.makeRoomForWrites(); // another holder, as a second folder's run
    while (!(await run.next()).done);
    assert.equal(await limit(), writing, 'held while any run is under way');
    await release();
    assert.equal(await limit(), idle);
  });

  it('pages through results with a cursor, without repeats, and ends with no cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pageCount = 0; pageCount < 10; pageCount++) {
      const page = await engine.search('dispatchEvent', { limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.hits.map((h) => h.path));
      if (!page.cursor) break;
      cursor = page.cursor;
    }
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
  });

  it('keeps later pages consistent while indexing goes on, and caches the ranking', async () => {
    const first = await engine.search('dispatchEvent event', { limit: 10 });
    assert.equal(first.cache.results, false);
    assert.equal((await engine.search('dispatchEvent event', { limit: 10 })).cache.results, true, 'repeated query comes from cache');
    await writeFile(path.join(workDir, 'many'), 'src/aaa-new.ts', 'export const x = dispatchEvent(dispatchEvent(dispatchEvent()));\n');
    await drain(engine.index(folder));
    const second = await engine.search('dispatchEvent event', { limit: 10, cursor: first.cursor! });
    assert.equal(second.generation, first.generation, 'the page comes from the same snapshot');
    assert.ok(!second.hits.some((h) => h.path === 'src/aaa-new.ts'));
    const fresh = await engine.search('dispatchEvent', { limit: 100 });
    assert.ok(fresh.generation > first.generation);
    assert.ok(fresh.hits.some((h) => h.path === 'src/aaa-new.ts'), 'a new search sees the new file');
  });

  it('rejects a cursor from another search, and reports stage timings', async () => {
    const page = await engine.search('dispatchEvent', { limit: 5 });
    await assert.rejects(engine.search('handleEvent1', { limit: 5, cursor: page.cursor! }), (e: unknown) => e instanceof QuarryError && e.code === 'BAD_QUERY');
    const fresh = await engine.search('event handler', { limit: 5 });
    assert.ok(fresh.timings.lexical > 0 && fresh.timings.snippets > 0 && fresh.timings.parse >= 0);
    const stats = (await engine.status()).caches.find((c) => c.name === 'search results')!;
    assert.ok(stats.hits >= 1 && stats.misses >= 1 && stats.entries >= 1);
  });
});

describe('A first build: a fast pass, then the syntax pass', () => {
  it('is searchable after the line-window pass, is re-chunked along the syntax tree, and leaves no deleted rows behind', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const repo = path.join(dir, 'big');
      const fileCount = 1500;
      const body = (name: string): string =>
        `export function ${name}(input: number): number {\n${Array.from({ length: 40 }, (_, j) => `  input = input * ${j + 1} + ${name.length};`).join('\n')}\n  return input;\n}\n`;
      for (let i = 0; i < fileCount; i++) await writeFile(repo, `src/mod${i}.ts`, `${body(`alpha${i}`)}\n${body(`beta${i}`)}`);
      const dataDir = path.join(dir, 'data');
      const engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
      let summary: IndexSummary;
      let beforeParsing: SearchHit | undefined;
      try {
        const run = engine.index(await engine.addFolder(repo));
        for (;;) {
          const step = await run.next();
          if (step.done) {
            summary = step.value;
            break;
          }
          // The fast pass is done (the syntax pass has not begun): the last file walked (in name
          // order) was chunked by lines.
          const { phase, done, total } = step.value;
          if (phase === 'indexing' && done === total) beforeParsing = (await engine.search('beta999', { fresh: true })).hits[0];
        }
        assert.equal(beforeParsing?.path, 'src/mod999.ts', 'searchable before the syntax pass');
        assert.equal(beforeParsing?.kind, 'text', 'chunked by lines at first');
        const after = (await engine.search('beta999', { fresh: true })).hits[0];
        assert.equal(after?.kind, 'function', 'chunked along the syntax tree in the end');
        assert.equal(after?.symbol, 'beta999');
        const status = await engine.status();
        assert.equal(status.folders[0]?.chunks, summary.chunksWritten, 'the summary counts final chunks only');
      } finally {
        engine.close();
      }
      const store = await Store.open(path.join(dataDir, DATABASE_FILE));
      try {
        const [provisional] = await store.all<{ n: bigint }>('SELECT count(*) AS n FROM files WHERE provisional');
        assert.equal(Number(provisional!.n), 0);
        // The syntax pass deleted the fast pass's chunks; the compacted table stores only live rows.
        const [rows] = await store.all<{ stored: bigint; live: bigint }>(
          "SELECT (SELECT sum(count) FROM pragma_storage_info('chunks') WHERE column_name = 'id' AND column_path = '[0]')::BIGINT AS stored, (SELECT count(*) FROM chunks) AS live",
        );
        assert.equal(rows!.stored, rows!.live);
        const indexes = await store.all<{ index_name: string }>("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'chunks' ORDER BY 1");
        assert.deepEqual(indexes.map((i) => i.index_name), ['chunks_by_id'], 'the rewrite kept the index');
        const [definition] = await store.all<{ sql: string }>("SELECT sql FROM duckdb_tables() WHERE table_name = 'chunks'");
        assert.match(definition!.sql, /hash VARCHAR NOT NULL/, 'and the constraints');
      } finally {
        store.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('stays searchable, lexically and by regex, when stopped and reopened between the two passes', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const repo = path.join(dir, 'repo');
      for (let i = 0; i < 40; i++) await writeFile(repo, `src/mod${i}.ts`, `export function gamma${i}(input: number): number {\n  return input * ${i};\n}\n`);
      const dataDir = path.join(dir, 'data');
      const processor = await InProcessFileProcessor.create();
      const engine = await Engine.open({ dataDir, processor });
      const folder = await engine.addFolder(repo);
      engine.close();
      // The fast pass alone, as a run stopped before its syntax pass leaves the index.
      const store = await Store.open(path.join(dataDir, DATABASE_FILE));
      try {
        await drain(indexFolder(store, folder, processor, { maxFileBytes: DEFAULT_MAX_FILE_BYTES }));
        const [provisional] = await store.all<{ n: bigint }>('SELECT count(*) AS n FROM files WHERE provisional');
        assert.equal(Number(provisional!.n), 40, 'a first build chunks every file by lines first');
      } finally {
        store.close();
      }

      const reopened = await Engine.open({ dataDir, processor });
      try {
        const lexical = (await reopened.search('gamma37')).hits[0];
        assert.equal(lexical?.path, 'src/mod37.ts');
        assert.equal(lexical?.kind, 'text');
        const regex = await reopened.search('\\bfunction gamma3[78]\\(', { mode: 'regex' });
        assert.deepEqual(regex.hits.map((h) => h.path).sort(), ['src/mod37.ts', 'src/mod38.ts']);
        await drain(reopened.index(folder));
        const parsed = (await reopened.search('gamma37', { fresh: true })).hits[0];
        assert.equal(parsed?.kind, 'function', 'the next run finishes the syntax pass');
      } finally {
        reopened.close();
      }
    } finally {
      await cleanup();
    }
  });
});
