import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarryError } from '../../shared/errors.js';
import { parseQuery } from './parse.js';

const badQuery = (fn: () => unknown, pattern: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof QuarryError && e.code === 'BAD_QUERY' && pattern.test(e.message));

describe('parseQuery', () => {
  it('separates words, phrases and filters', () => {
    const q = parseQuery('lang:ts path:src/ -path:test repo:web "exact phrase" parse request', 'lexical');
    assert.deepEqual(q.words, ['parse', 'request']);
    assert.deepEqual(q.phrases, ['exact phrase']);
    assert.deepEqual(q.filters.languages, ['typescript', 'tsx']);
    assert.deepEqual(q.filters.paths, ['src/']);
    assert.deepEqual(q.filters.excludePaths, ['test']);
    assert.deepEqual(q.filters.repos, ['web']);
    assert.equal(q.regex, null);
  });

  it("takes Object.prototype's names for the words and values they are", () => {
    const q = parseQuery('constructor:x lang:constructor toString', 'lexical');
    assert.deepEqual(q.words, ['constructor:x', 'toString']);
    assert.deepEqual(q.filters.languages, ['constructor']);
  });

  it('reads quoted filter values and escaped quotes in phrases', () => {
    const q = parseQuery('path:"my dir/" "say \\"hi\\""', 'lexical');
    assert.deepEqual(q.filters.paths, ['my dir/']);
    assert.deepEqual(q.phrases, ['say "hi"']);
  });

  it('treats /…/flags as a regex, and a lone slash as a word', () => {
    const q = parseQuery('/foo\\s+bar/i lang:go', 'lexical');
    assert.equal(q.regex?.source, 'foo\\s+bar');
    assert.ok(q.regex?.flags.includes('i'));
    assert.deepEqual(parseQuery('a / b', 'lexical').words, ['a', '/', 'b']);
  });

  it('in regex mode takes everything but filters as one expression, spacing kept', () => {
    const q = parseQuery('lang:py def  \\w+\\( path:src', 'regex');
    assert.equal(q.regex?.source, 'def  \\w+\\(');
    assert.deepEqual(q.filters.paths, ['src']);
    assert.ok(q.regex?.flags.includes('m'), 'line-oriented like grep');
  });

  it('accepts (?i) for case-insensitive regex', () => {
    assert.ok(parseQuery('(?i)todo', 'regex').regex?.flags.includes('i'));
  });

  it('rejects unbalanced quotes, invalid regexes and empty filters clearly', () => {
    badQuery(() => parseQuery('"never closed', 'lexical'), /Unbalanced quote/);
    badQuery(() => parseQuery('foo(', 'regex'), /Invalid regular expression/);
    badQuery(() => parseQuery('/a(b/', 'lexical'), /Invalid regular expression/);
    badQuery(() => parseQuery('lang: x', 'lexical'), /needs a value/);
    badQuery(() => parseQuery('path:src', 'regex'), /Nothing to search for/);
  });
});
