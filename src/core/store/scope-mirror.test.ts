import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { termHash } from '../lexical/tokenize.js';
import { ScopeMirror } from './scope-mirror.js';

const file = (path: string) => ({ path, language: 'typescript', folderId: 1, provisional: false });
const holders = (scope: ScopeMirror, term: string) => [...scope.filesWithPathTerm(termHash(term))].sort((a, b) => a - b);

describe('ScopeMirror path terms', () => {
  it('finds files by the words of their directories and names, and forgets removed and renamed ones', () => {
    const scope = new ScopeMirror();
    scope.addFile(1, file('src/http/request-parser.ts'));
    scope.addFile(2, file('src/http/retry.ts'));
    scope.addFile(3, file('docs/retries.md'));
    assert.deepEqual(holders(scope, 'http'), [1, 2]);
    assert.deepEqual(holders(scope, 'parser'), [1]);
    assert.deepEqual(holders(scope, 'request-parser'), [1]);
    assert.deepEqual(holders(scope, 'ts'), [], 'the extension is not a word of the path');
    // Re-added under another path (a rename in place), then removed.
    scope.addFile(2, file('lib/backoff.ts'));
    assert.deepEqual(holders(scope, 'http'), [1]);
    assert.deepEqual(holders(scope, 'backoff'), [2]);
    scope.removeFiles([1], []);
    assert.deepEqual(holders(scope, 'http'), []);
    assert.deepEqual(holders(scope, 'src'), []);
    assert.deepEqual(holders(scope, 'retries'), [3]);
  });
});
