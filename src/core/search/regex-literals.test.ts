import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requiredLiterals } from './regex-literals.js';

describe('requiredLiterals', () => {
  it('extracts runs of literal characters', () => {
    assert.deepEqual(requiredLiterals('func\\s+Start\\w*'), ['func', 'Start']);
    assert.deepEqual(requiredLiterals('import .* from'), ['import ', ' from']);
  });

  it('keeps escaped punctuation as literal', () => {
    assert.deepEqual(requiredLiterals('foo\\.bar\\('), ['foo.bar(']);
  });

  it('drops characters made optional by ?, * or {0,}', () => {
    assert.deepEqual(requiredLiterals('colou?r'), ['colo', 'r']);
    assert.deepEqual(requiredLiterals('ab*c'), ['a', 'c']);
  });

  it('gives up on top-level alternation and ignores groups and classes', () => {
    assert.deepEqual(requiredLiterals('foo|bar'), []);
    assert.deepEqual(requiredLiterals('x(foo|bar)y[abc]z'), ['x', 'y', 'z']);
  });
});
