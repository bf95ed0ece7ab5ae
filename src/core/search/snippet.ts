import type { SnippetLine } from '../../shared/types.js';

export type LineMatcher = (line: string) => Array<[number, number]>;

const MAX_LINE_CHARS = 300;

/**
 * The most telling lines of a chunk: the window of 2 × radius + 1 lines holding the most query
 * evidence (distinct matched terms, squared by length, so one whole identifier beats scattered
 * fragments of it), with match ranges to highlight. Long lines are cut around their first match.
 */
export function buildSnippet(text: string, startLine: number, match: LineMatcher, radius = 1): SnippetLine[] {
  const lines = text.split('\n');
  const ranges = lines.map(match);
  const span = 2 * radius + 1;
  // Only windows that hold a match can win: the rest keep the first window.
  const starts = new Set<number>();
  ranges.forEach((r, i) => {
    if (r.length > 0) for (let start = Math.max(0, i - span + 1); start <= i; start++) starts.add(Math.min(start, Math.max(0, lines.length - span)));
  });
  let first = 0;
  let bestScore = 0;
  for (const start of starts) {
    const window = new Set<string>();
    for (let i = start; i < start + span && i < lines.length; i++) for (const [s, e] of ranges[i]!) window.add(lines[i]!.slice(s, e).toLowerCase());
    let score = 0;
    for (const term of window) score += term.length * term.length;
    if (score > bestScore) {
      bestScore = score;
      first = start;
    }
  }
  const last = Math.min(lines.length - 1, first + 2 * radius);
  const snippet: SnippetLine[] = [];
  for (let i = first; i <= last; i++) snippet.push(clip(lines[i]!, ranges[i]!, startLine + i));
  return snippet;
}

function clip(text: string, highlights: Array<[number, number]>, lineNumber: number): SnippetLine {
  if (text.length <= MAX_LINE_CHARS) return { lineNumber, text, highlights };
  const anchor = highlights[0]?.[0] ?? 0;
  const start = Math.max(0, Math.min(anchor - 40, text.length - MAX_LINE_CHARS));
  const end = start + MAX_LINE_CHARS;
  return {
    lineNumber,
    text: text.slice(start, end),
    highlights: highlights
      .filter(([s, e]) => s >= start && e <= end)
      .map(([s, e]): [number, number] => [s - start, e - start]),
  };
}

/**
 * Highlights the query's terms where they stand as whole words or whole identifier parts
 * (`pool` in `connPool` and `pool_size`, never in `spool`), and its phrases wherever they occur;
 * case-insensitive, the longest match winning where two overlap.
 */
export function termMatcher(terms: readonly string[], phrases: readonly string[] = []): LineMatcher {
  const whole = alternation(terms);
  const anywhere = alternation(phrases);
  if (!whole && !anywhere) return () => [];
  return (line) => {
    const found: Array<[number, number]> = [];
    if (whole) {
      whole.lastIndex = 0;
      for (let m = whole.exec(line); m; m = whole.exec(line)) {
        const end = m.index + m[0].length;
        if (partStartsAt(line, m.index) && partEndsAt(line, end)) found.push([m.index, end]);
        else whole.lastIndex = m.index + 1; // a shorter term may still start here or just after
      }
    }
    if (anywhere) for (const m of line.matchAll(anywhere)) found.push([m.index, m.index + m[0].length]);
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const kept: Array<[number, number]> = [];
    for (const range of found) if (kept.length === 0 || range[0] >= kept.at(-1)![1]) kept.push(range);
    return kept;
  };
}

/** One case-insensitive regex for any of the needles, longest first; null for none. */
function alternation(needles: readonly string[]): RegExp | null {
  const list = unique(needles).sort((a, b) => b.length - a.length);
  return list.length === 0 ? null : new RegExp(list.map(escapeRegex).join('|'), 'gi');
}

function unique(needles: readonly string[]): string[] {
  return [...new Set(needles.filter((n) => n.length > 0).map((n) => n.toLowerCase()))];
}

const LOWER = /\p{Ll}/u;
const UPPER = /\p{Lu}/u;
const DIGIT = /\p{N}/u;
const ALNUM = /[\p{L}\p{N}]/u;

/** Whether an identifier part can begin at `i`: after a non-word character, at a camelCase hump, or where letters meet digits. */
function partStartsAt(line: string, i: number): boolean {
  const before = line[i - 1];
  const here = line[i]!;
  if (before === undefined || !ALNUM.test(before)) return true;
  if (UPPER.test(here)) return LOWER.test(before) || DIGIT.test(before) || (UPPER.test(before) && LOWER.test(line[i + 1] ?? ''));
  return DIGIT.test(before) !== DIGIT.test(here);
}

/** Whether an identifier part can end at `end` (exclusive): the mirror of `partStartsAt`. */
function partEndsAt(line: string, end: number): boolean {
  const after = line[end];
  if (after === undefined || !ALNUM.test(after)) return true;
  return partStartsAt(line, end);
}

/** The matcher, remembering each line's matches: for texts that are matched more than once. */
export function rememberingMatcher(match: LineMatcher): LineMatcher {
  const known = new Map<string, Array<[number, number]>>();
  return (line) => {
    let ranges = known.get(line);
    if (!ranges) known.set(line, (ranges = match(line)));
    return ranges;
  };
}

/** Highlights what a regular expression matches on the line. */
export function regexMatcher(regex: RegExp): LineMatcher {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : regex.flags + 'g');
  return (line) => {
    const out: Array<[number, number]> = [];
    for (const m of line.matchAll(global)) {
      if (m[0].length === 0) continue;
      out.push([m.index, m.index + m[0].length]);
    }
    return out;
  };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
