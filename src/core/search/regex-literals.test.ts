import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certainIdentifiers, requiredLiterals } from './regex-literals.js';

const texts = (source: string): string[] => requiredLiterals(source).map((l) => l.text);
const certain = (source: string): string[] => requiredLiterals(source).flatMap(certainIdentifiers);

describe('requiredLiterals', () => {
  it('extracts runs of literal characters', () => {
    assert.deepEqual(texts('func\\s+Start\\w*'), ['func', 'Start']);
    assert.deepEqual(texts('import .* from'), ['import ', ' from']);
  });

  it('keeps escaped punctuation as literal', () => {
    assert.deepEqual(texts('foo\\.bar\\('), ['foo.bar(']);
  });

  it('drops characters made optional by ?, * or {0,}', () => {
    assert.deepEqual(texts('colou?r'), ['colo', 'r']);
    assert.deepEqual(texts('ab*c'), ['a', 'c']);
  });

  it('gives up on top-level alternation and ignores groups and classes', () => {
    assert.deepEqual(texts('foo|bar'), []);
    assert.deepEqual(texts('x(foo|bar)y[abc]z'), ['x', 'y', 'z']);
  });
});

describe('certainIdentifiers', () => {
  it('takes identifiers bounded by punctuation inside a literal', () => {
    assert.deepEqual(certain('import .* from "@babel/types"'), ['from', 'babel', 'types']);
    assert.deepEqual(certain('new Error\\('), ['Error']);
  });

  it('never takes an identifier that a match could extend at the pattern edges', () => {
    assert.deepEqual(certain('Error'), [], 'could be ErrorCode or MyError');
    assert.deepEqual(certain('foo\\w+bar'), []);
    assert.deepEqual(certain('ab+c'), []);
  });

  it('trusts anchors, \\b and non-word escapes as boundaries', () => {
    assert.deepEqual(certain('^func main\\('), ['func', 'main']);
    assert.deepEqual(certain('\\bTODO\\b'), ['TODO']);
    assert.deepEqual(certain('\\sreturn\\s'), ['return']);
    assert.deepEqual(certain('\\s?return\\s'), [], 'an optional space is no boundary');
  });
});
