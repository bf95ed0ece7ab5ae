import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkByLines, LineIndex } from './line-chunker.js';
import { DEFAULT_CHUNK_LIMITS } from './types.js';

describe('LineIndex', () => {
  it('counts lines as split on newlines, a final newline ending the last line', () => {
    const cases: Array<[string, string[]]> = [
      ['', ['']],
      ['\n', ['']],
      ['\n\n', ['', '']],
      ['a', ['a']],
      ['a\n', ['a']],
      ['a\nb', ['a', 'b']],
      ['a\n\nb\n', ['a', '', 'b']],
    ];
    for (const [text, lines] of cases) {
      const index = new LineIndex(text);
      assert.equal(index.lineCount, lines.length, JSON.stringify(text));
      lines.forEach((line, row) => {
        assert.equal(index.line(row), line);
        assert.equal(index.size(row, row), line.length + 1);
      });
      assert.equal(index.text(0, lines.length - 1), lines.join('\n'));
    }
  });

  it('tells blank lines and Markdown headings', () => {
    const index = new LineIndex('# Title  \n \t\n\u00a0\ncode # not a heading\n#hashtag', true);
    assert.equal(index.heading(0), 'Title');
    assert.ok(index.isBlank(1));
    assert.ok(index.isBlank(2), 'a no-break space is whitespace');
    assert.ok(!index.isBlank(3));
    assert.equal(index.heading(3), null);
    assert.equal(index.heading(4), null);
    assert.equal(new LineIndex('# FIXME: re-enable on macOS\nkey = 1').heading(0), null, 'outside Markdown, # opens a comment');
  });
});

describe('chunkByLines', () => {
  it('covers every line once, in windows that break before headings', () => {
    const section = (n: number): string => `# Section ${n}\n\n${'A line of prose that fills the window.\n'.repeat(20)}`;
    const text = [1, 2, 3, 4].map(section).join('\n');
    const chunks = chunkByLines(new LineIndex(text, true), DEFAULT_CHUNK_LIMITS);
    assert.ok(chunks.length > 1);
    assert.equal(chunks[0]!.startLine, 1);
    for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i]!.startLine, chunks[i - 1]!.endLine + 1);
    assert.equal(chunks.at(-1)!.endLine, new LineIndex(text).lineCount);
    assert.equal(chunks.map((c) => c.text).join('\n'), text.replace(/\n$/, ''));
    for (const chunk of chunks) {
      assert.match(chunk.text, /^# Section \d/, 'each window starts at a heading');
      assert.equal(chunk.symbol, chunk.text.split('\n')[0]!.slice(2));
    }
  });

  it('gives nothing for an empty or blank file', () => {
    assert.deepEqual(chunkByLines(new LineIndex(''), DEFAULT_CHUNK_LIMITS), []);
    assert.deepEqual(chunkByLines(new LineIndex('\n'), DEFAULT_CHUNK_LIMITS), []);
    assert.deepEqual(chunkByLines(new LineIndex('  \n\t\n'), DEFAULT_CHUNK_LIMITS), []);
  });
});
