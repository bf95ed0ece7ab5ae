import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseQuery } from '../query/parse.js';
import type { FileScope } from '../store/scope-mirror.js';
import { fileMatcher, filterClause, isProse, speaksInWords, wantsAuxiliaryFiles } from './filters.js';

const FOLDERS = new Map([
  [1, 'Quarry'],
  [2, 'babel'],
]);
const FILES: FileScope[] = [
  { folderId: 1, path: 'src/core/engine.ts', language: 'typescript', provisional: false },
  { folderId: 1, path: 'src/core/engine.test.ts', language: 'typescript', provisional: false },
  { folderId: 1, path: 'docs/Guide.md', language: 'markdown', provisional: false },
  { folderId: 2, path: 'packages/parser/src/index.js', language: 'javascript', provisional: false },
  { folderId: 2, path: 'packages/parser/test/fixtures/a.b.js', language: 'javascript', provisional: false },
  { folderId: 2, path: 'README', language: null, provisional: false },
];
const QUERIES = [
  'x lang:typescript',
  'x -lang:typescript',
  'x path:src/',
  'x path:SRC',
  'x -path:test',
  'x path:*.js',
  'x path:packages/*/src/*',
  'x path:docs/?uide.md',
  'x path:*.[jt]s',
  'x repo:quarry',
  'x -repo:QUARRY lang:javascript',
  'x path:src -path:test repo:babel',
];

describe('search filters', () => {
  it('decide the same in memory as in DuckDB, for every kind of filter', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run('CREATE TABLE folders (id INTEGER, name VARCHAR)');
    await db.run('CREATE TABLE files (id INTEGER, folder_id INTEGER, path VARCHAR, language VARCHAR)');
    for (const [id, name] of FOLDERS) await db.run('INSERT INTO folders VALUES (?, ?)', [id, name]);
    for (const [id, f] of FILES.entries()) await db.run('INSERT INTO files VALUES (?, ?, ?, ?)', [id, f.folderId, f.path, f.language]);
    for (const input of QUERIES) {
      const { filters } = parseQuery(input, 'lexical');
      const clause = filterClause(filters);
      const rows = (await db.runAndReadAll(`SELECT f.id FROM files f JOIN folders d ON d.id = f.folder_id WHERE ${clause.sql} ORDER BY 1`, clause.params)).getRowObjects();
      const inDuckDb = rows.map((r) => r.id as number);
      const matches = fileMatcher(filters, FOLDERS);
      const inMemory = FILES.flatMap((f, id) => (matches(f) ? [id] : []));
      assert.deepEqual(inMemory, inDuckDb, input);
      assert.ok(inDuckDb.length < FILES.length || input.includes('-'), `${input} filters something`);
    }
    db.closeSync();
  });

  it('tell a request for tests, docs or examples from "for example"', () => {
    const wants = (query: string) => wantsAuxiliaryFiles(parseQuery(query, 'lexical').filters, query.split(' '));
    assert.equal(wants('retry tests'), true);
    assert.equal(wants('an example of retries'), true);
    assert.equal(wants('exiting early, for example when piping into head'), false);
    assert.equal(wants('path:src retry'), true, 'a path filter chooses the files itself');
    assert.equal(wants('retry delay'), false);
  });

  it('take Markdown, text and what a docs folder holds for prose, but not code there, and comments alone for words', () => {
    assert.equal(isProse({ language: 'markdown', path: 'src/README.md' }), true);
    assert.equal(isProse({ language: 'text', path: 'docs/guide.rst' }), true);
    assert.equal(isProse({ language: 'go', path: 'doc/man_docs.go' }), false, "Go's doc package is code");
    assert.equal(isProse({ language: 'yaml', path: 'docs/mkdocs.yml' }), true, "a docs site's settings are the docs' own");
    assert.equal(speaksInWords({ language: 'rust', path: 'src/lib.rs', kind: 'comment' }), true);
    assert.equal(speaksInWords({ language: 'rust', path: 'src/lib.rs', kind: 'block' }), false);
  });
});
