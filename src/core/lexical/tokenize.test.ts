import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distinctTerms, pathTerms, termHash, termPostings } from './tokenize.js';

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

  it('finds, when counting, the same terms as the word splitter, whatever the characters', () => {
    const texts = [
      'größeBerechnen foo-é é-foo a—b x→y 変数名 naïve-café $x-$y a--b -a- 𝒳var foo- trailing-',
      'fetch-retry-count HTTP2Server __proto__ $$ x86_64 utf8Decode 42 camelCase-kebab-case',
      `${'z'.repeat(64)} ${'y'.repeat(65)} ${'w'.repeat(40)}-${'v'.repeat(40)}`,
    ];
    for (const text of texts) {
      const { terms } = termPostings(text);
      assert.deepEqual([...terms].sort(), [...new Set(distinctTerms(text).map(termHash))].sort(), text);
    }
  });

  it('tells apart words whose characters hash alike', () => {
    // The word cache is keyed by the FNV-1a hash of a word as written; these two share it, so
    // only comparing the characters keeps the second from taking the first one's terms.
    const text = 'ybgdCymp igchUksk';
    assert.deepEqual([...termPostings(text).terms].sort(), [...new Set(distinctTerms(text).map(termHash))].sort());
    assert.equal(termPostings(text).terms.length, 6);
  });

  it('counts postings of the context and the text together', () => {
    const { terms, counts, length } = termPostings('class Parser', 'parse(input)');
    assert.equal(length, 4);
    assert.equal(counts[terms.indexOf(termHash('parser'))], 1);
    assert.equal(counts[terms.indexOf(termHash('parse'))], 1);
  });

  it('skips overlong tokens such as hashes and base64', () => {
    assert.deepEqual(distinctTerms('a'.repeat(65)), []);
  });

  it('hashes terms to stable 32-bit integers', () => {
    assert.equal(termHash('parse'), termHash('parse'));
    assert.notEqual(termHash('parse'), termHash('parser'));
    assert.ok(Number.isInteger(termHash('x')) && Math.abs(termHash('x')) < 2 ** 31);
  });

  it('spells a path as its directories and its name, without the extension', () => {
    assert.deepEqual(pathTerms('src/http/request-parser.ts'), ['src', 'http', 'request-parser', 'request', 'parser']);
    assert.deepEqual(pathTerms('docs/.hidden'), ['docs', 'hidden']);
    assert.deepEqual(pathTerms('Makefile'), ['makefile']);
  });
});
