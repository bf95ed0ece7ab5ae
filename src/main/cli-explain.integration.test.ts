import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { quarry, stopEngines } from '../../test/support/cli.js';
import { tempDir } from '../../test/support/fixtures.js';
import { writeProfiledFolders } from '../../test/support/generated-code.js';

describe('quarry search --explain', () => {
  let cleanup: () => Promise<void>;
  let dataDir: string;
  const q = (...args: string[]) => quarry(['--data-dir', dataDir, ...args]);

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    dataDir = path.join(work, 'data');
    for (const folder of await writeProfiledFolders(work)) {
      const indexed = q('index', folder);
      assert.equal(indexed.status, 0, indexed.stderr);
    }
  });
  after(async () => {
    stopEngines(dataDir);
    await cleanup();
  });

  it('names the dominant stage, what each stage handled, and a filter that would cut the candidates', () => {
    const { status, stderr } = q('search', 'handler.run', 'dispatch', '--mode', 'lexical', '--explain');
    assert.equal(status, 0, stderr);
    assert.match(stderr, /^explain: lexical at generation \d+; ms: .*; results computed$/m);
    assert.match(stderr, /^ {2}dominant stage: lexical [\d.]+ ms \(\d+% of the stages\)$/m);
    assert.match(stderr, /^ {2}handled: 1,200 chunks indexed, 1,200 lexical candidates, 20 hits on this page; ranked hits span 2 folders, 2 languages$/m);
    assert.match(stderr, /^ {2}advice \(filter-would-narrow\): The lexical ranking scored 1,200 chunks .* repo:(api|tools) \(\d+ of \d+ hits\)/m);
  });

  it('says a cached answer is cached and how old its figures are', () => {
    const { stderr } = q('search', 'handler.run', 'dispatch', '--mode', 'lexical', '--explain');
    assert.match(stderr, /; results cached$/m);
    assert.match(stderr, /^ {2}from cache in [\d.]+ ms: the figures are of the search that ranked it (\d+ ms|\d+s|\d+m\d\ds) ago$/m, "its age, however long the search before it took on a busy machine");
  });

  it('explains a regex the index cannot narrow', () => {
    const { status, stderr } = q('search', '--regex', '[a-z]+_[0-9]+\\(', '--explain');
    assert.equal(status, 0, stderr);
    assert.match(stderr, /^ {2}regex: no index prefilter; RE2 in the database, then JavaScript$/m);
    assert.match(stderr, /^ {2}advice \(regex-without-literal\): \/\[a-z\]\+_\[0-9\]\+\\\(\/ has no literal/m);
    const narrowed = q('search', '--regex', '\\bhandlerRare\\b', '--explain').stderr;
    assert.match(narrowed, /^ {2}regex: prefiltered by identifiers from the index; RE2 in the database, then JavaScript$/m);
    assert.doesNotMatch(narrowed, /advice/);
  });
});
