import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageOf } from './language.js';

describe('languageOf', () => {
  it('knows languages by extension and by file name', () => {
    assert.equal(languageOf('src/app.tsx'), 'tsx');
    assert.equal(languageOf('lib/Parser.java'), 'java');
    assert.equal(languageOf('build/Dockerfile'), 'dockerfile');
    assert.equal(languageOf('README'), 'text');
  });

  it("takes files named like Object.prototype's members for plain text", () => {
    for (const name of ['a.constructor', 'constructor', 'x.__proto__', 'lib/hasOwnProperty', 'y.toString']) assert.equal(languageOf(name), 'text', name);
  });
});
