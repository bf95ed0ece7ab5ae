import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeWords, looksLikeIdentifier } from './analyze.js';

describe('query word analysis', () => {
  it('drops the function words of a question, keeping what carries it', () => {
    const analysis = analyzeWords('where is the delay before the next retry computed'.split(' '));
    assert.deepEqual(analysis.content, ['delay', 'before', 'next', 'retry', 'computed']);
    assert.equal(analysis.descriptive, true);
  });

  it('keeps a query of stop words alone, since then they are what is meant', () => {
    assert.deepEqual(analyzeWords(['this']).content, ['this']);
    assert.deepEqual(analyzeWords(['is', 'a']).content, ['is', 'a']);
  });

  it('tells identifiers from prose, and a query naming one is not descriptive', () => {
    for (const word of ['connPool', 'ConnectionPool', 'pool_size', 'Scope.getOwnBinding', 'std::vector', '$el', 'utf8', 'HTTPServer']) {
      assert.ok(looksLikeIdentifier(word), word);
    }
    for (const word of ['pool', 'Connection', 'HTTP', 'retry', 'double-click']) assert.ok(!looksLikeIdentifier(word), word);
    assert.equal(analyzeWords('how Scope.crawl collects bindings'.split(' ')).descriptive, false);
    assert.equal(analyzeWords(['retry', 'delay']).descriptive, false, 'two words are a name as often as a question');
  });
});
