import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distinctTerms, termHash, termPostings } from './tokenize.js';

describe('identifier-aware tokenization', () => {
  it('keeps the whole identifier and splits camelCase, acronyms and digits', () => {
    assert.deepEqual(distinctTerms('parseHTTPRequest2'), ['parsehttprequest2', 'parse', 'http', 'request', '2']);
    assert.deepEqual(distinctTerms('XMLHttpRequest'), ['xmlhttprequest', 'xml', 'http', 'request']);
  });

  it('splits snake_case and kebab-case and keeps both wholes', () => {
    assert.deepEqual(distinctTerms('snake_case_name'), ['snake_case_name', 'snake', 'case', 'name']);
    assert.deepEqual(distinctTerms('max-width'), ['max-width', 'max', 'width']);
  });

  it('finds the word inside dunder and sigil names', () => {
    assert.deepEqual(distinctTerms('__init__ $scope'), ['__init__', 'init', '$scope', 'scope']);
  });

  it('handles non-ASCII identifiers', () => {
    assert.deepEqual(distinctTerms('größeBerechnen'), ['größeberechnen', 'größe', 'berechnen']);
  });

  it('counts occurrences for BM25', () => {
    const { terms, counts, length } = termPostings('foo(foo, fooBar)');
    const count = (term: string): number | undefined => counts[terms.indexOf(termHash(term))];
    assert.equal(count('foo'), 3);
    assert.equal(count('foobar'), 1);
    assert.equal(count('bar'), 1);
    assert.equal(terms.length, 3);
    assert.equal(length, 5);
  });

  it('skips overlong tokens such as hashes and base64', () => {
    assert.deepEqual(distinctTerms('a'.repeat(65)), []);
  });

  it('hashes terms to stable 32-bit integers', () => {
    assert.equal(termHash('parse'), termHash('parse'));
    assert.notEqual(termHash('parse'), termHash('parser'));
    assert.ok(Number.isInteger(termHash('x')) && Math.abs(termHash('x')) < 2 ** 31);
  });
});
