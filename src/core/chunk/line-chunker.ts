import type { Chunk, ChunkLimits } from './types.js';

/**
 * Where each line of a text starts, so that the size of any line range is one subtraction and its
 * text one slice: no string per line is made until one is asked for.
 */
export class LineIndex {
  /** Lines in the text; a final newline does not start another. */
  readonly lineCount: number;
  /** Offset of each line's first character, and one past the end. */
  private readonly starts: Int32Array;

  /** `markdown`: whether `#` opens a heading; elsewhere (TOML, shell, YAML) it opens a comment. */
  constructor(
    private readonly source: string,
    private readonly markdown = false,
  ) {
    let count = 1;
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) count++;
    // A final newline ends the last line rather than starting another.
    const endsLastLine = count > 1 && source.endsWith('\n');
    if (endsLastLine) count--;
    this.lineCount = count;
    this.starts = new Int32Array(count + 1);
    for (let row = 1, at = -1; row < count; row++) {
      at = source.indexOf('\n', at + 1);
      this.starts[row] = at + 1;
    }
    this.starts[count] = source.length + (endsLastLine ? 0 : 1);
  }

  /** Characters in rows [first, last], 0-based inclusive, each counted with its newline. */
  size(first: number, last: number): number {
    return this.starts[last + 1]! - this.starts[first]!;
  }

  /** Rows [first, last] joined by newlines. */
  text(first: number, last: number): string {
    return this.source.slice(this.starts[first], this.starts[last + 1]! - 1);
  }

  line(row: number): string {
    return this.text(row, row);
  }

  /** The row holds nothing but whitespace. */
  isBlank(row: number): boolean {
    for (let at = this.starts[row]!, end = this.starts[row + 1]! - 1; at < end; at++) {
      const c = this.source.charCodeAt(at);
      if (c > 0x20) return c < 0x80 ? false : this.line(row).trim() === '';
    }
    return true;
  }

  /** The title of a Markdown heading on this row, if it is one. */
  heading(row: number): string | null {
    if (!this.markdown || this.source.charCodeAt(this.starts[row]!) !== HASH) return null;
    return HEADING.exec(this.line(row))?.[1]?.trim() || null;
  }
}

const HASH = 0x23;
const HEADING = /^#{1,6}\s+(.*)$/;

/**
 * Splits rows [first, last] into windows of at most `maxChars`, preferring to break before a
 * Markdown heading, then at a blank line. Used for files without a grammar
 * and for single syntax nodes too big to split along the tree.
 */
export function lineWindows(index: LineIndex, first: number, last: number, limits: ChunkLimits): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  let start = first;
  while (start <= last) {
    let end = start;
    let blankBreak = -1;
    let headingBreak = -1;
    while (end < last && index.size(start, end + 1) <= limits.maxChars) {
      end++;
      const filled = index.size(start, end - 1);
      // Break before a heading once a quarter is filled, at a blank line once half is.
      if (filled >= limits.maxChars / 4 && index.heading(end) !== null) headingBreak = end - 1;
      else if (filled >= limits.maxChars / 2 && index.isBlank(end)) blankBreak = end - 1;
    }
    if (end < last) {
      const softBreak = headingBreak >= start ? headingBreak : blankBreak;
      if (softBreak >= start) end = softBreak;
    }
    windows.push([start, end]);
    start = end + 1;
  }
  return windows;
}

/** Chunks a file with no grammar (Markdown, JSON, YAML, shell, unknown) by line windows. */
export function chunkByLines(index: LineIndex, limits: ChunkLimits): Chunk[] {
  if (index.lineCount === 1 && index.size(0, 0) <= 1) return [];
  return lineWindows(index, 0, index.lineCount - 1, limits)
    .map(([first, last]) => {
      const text = index.text(first, last);
      let heading: string | null = null;
      for (let row = first; row <= last && heading === null; row++) heading = index.heading(row);
      return {
        startLine: first + 1,
        endLine: last + 1,
        kind: 'text' as const,
        symbol: heading,
        symbols: heading ? [heading] : [],
        context: null,
        text,
      };
    })
    .filter((chunk) => chunk.text.trim() !== '');
}
