import type { Chunk, ChunkLimits } from './types.js';

/** Cumulative character offsets of each line, so the size of any line range is one subtraction. */
export class LineIndex {
  readonly lines: string[];
  private readonly starts: number[];

  constructor(text: string) {
    this.lines = text.split('\n');
    if (this.lines.length > 1 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    this.starts = new Array<number>(this.lines.length + 1);
    let offset = 0;
    for (let i = 0; i < this.lines.length; i++) {
      this.starts[i] = offset;
      offset += this.lines[i]!.length + 1;
    }
    this.starts[this.lines.length] = offset;
  }

  /** Characters in rows [first, last], 0-based inclusive. */
  size(first: number, last: number): number {
    return this.starts[last + 1]! - this.starts[first]!;
  }

  text(first: number, last: number): string {
    return this.lines.slice(first, last + 1).join('\n');
  }
}

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
      const line = index.lines[end]!;
      const filled = index.size(start, end - 1);
      // Break before a heading once a quarter is filled, at a blank line once half is.
      if (HEADING.test(line) && filled >= limits.maxChars / 4) headingBreak = end - 1;
      else if (line.trim() === '' && filled >= limits.maxChars / 2) blankBreak = end - 1;
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
  if (index.lines.length === 0 || (index.lines.length === 1 && index.lines[0] === '')) return [];
  return lineWindows(index, 0, index.lines.length - 1, limits)
    .map(([first, last]) => {
      const text = index.text(first, last);
      const heading = index.lines.slice(first, last + 1).map((l) => HEADING.exec(l)?.[1]?.trim()).find(Boolean) ?? null;
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
