import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnippet, rememberingMatcher, termMatcher } from './snippet.js';

const marked = (line: string, ranges: Array<[number, number]>) => ranges.map(([s, e]) => line.slice(s, e));

describe('snippet highlighting', () => {
  it('lights whole words and whole identifier parts, never letters inside words', () => {
    const match = termMatcher(['pool', 'a']);
    const line = 'const connPool = spool.acquirePoolConnection(pool_size, a, data);';
    assert.deepEqual(marked(line, match(line)), ['Pool', 'Pool', 'pool', 'a']);
  });

  it('splits humps of capitals and letters from digits as the index does', () => {
    const match = termMatcher(['http', 'request', 'v2']);
    const line = 'parseHTTPRequest_v2(httpx, requests)';
    assert.deepEqual(marked(line, match(line)), ['HTTP', 'Request', 'v2']);
  });

  it('prefers the longest of overlapping terms, and finds phrases anywhere', () => {
    const match = termMatcher(['conn', 'connpool'], ['ool.acq']);
    const line = 'connPool.acquire()';
    assert.deepEqual(marked(line, match(line)), ['connPool']);
    const inside = 'spool.acquire()';
    assert.deepEqual(marked(inside, match(inside)), ['ool.acq']);
  });

  it('matches a line once when asked again, with the same ranges', () => {
    const lines: string[] = [];
    const match = rememberingMatcher((line) => {
      lines.push(line);
      return termMatcher(['pool'])(line);
    });
    const text = 'pool.acquire()\nconnPool.release()';
    const first = buildSnippet(text, 1, match);
    assert.deepEqual(buildSnippet(text, 1, match), first);
    assert.deepEqual(lines, ['pool.acquire()', 'connPool.release()']);
  });

  it('picks the line holding the most distinct query evidence', () => {
    const text = ['function a() {', '  // pool', '  return connPool.acquire(timeout);', '}'].join('\n');
    const snippet = buildSnippet(text, 10, termMatcher(['pool', 'acquire', 'timeout']), 0);
    assert.deepEqual(snippet.map((l) => l.lineNumber), [12]);
  });

  it('shows the window of lines that holds the most evidence together, not one busy line\'s neighbours', () => {
    const text = ['function setup() {', '  const pool = 1;', '', '', '  // acquire', '  wait(timeout);', '  pool.acquire(timeout);', '}'].join('\n');
    const snippet = buildSnippet(text, 1, termMatcher(['pool', 'acquire', 'timeout']));
    assert.deepEqual(snippet.map((l) => l.lineNumber), [5, 6, 7]);
    assert.deepEqual(buildSnippet('only line', 1, termMatcher(['line'])).map((l) => l.text), ['only line']);
  });
});
