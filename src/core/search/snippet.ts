import type { SnippetLine } from '../../shared/types.js';

export type LineMatcher = (line: string) => Array<[number, number]>;

const MAX_LINE_CHARS = 300;

/**
 * The most telling lines of a chunk: the line with the most matches and one line either side,
 * with match ranges to highlight. Long lines are cut around their first match.
 */
export function buildSnippet(text: string, startLine: number, match: LineMatcher, radius = 1): SnippetLine[] {
  const lines = text.split('\n');
  let best = 0;
  let bestScore = -1;
  const ranges = lines.map(match);
  ranges.forEach((r, i) => {
    // Distinct matches, squared by length: one whole identifier beats scattered fragments of it.
    const distinct = new Set(r.map(([s, e]) => lines[i]!.slice(s, e).toLowerCase()));
    const score = [...distinct].reduce((sum, m) => sum + m.length * m.length, 0);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  const first = Math.max(0, best - radius);
  const last = Math.min(lines.length - 1, best + radius);
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

/** Case-insensitive highlighting of any of `needles`, longest first. */
export function needleMatcher(needles: readonly string[]): LineMatcher {
  const unique = [...new Set(needles.filter((n) => n.length > 0).map((n) => n.toLowerCase()))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return () => [];
  const pattern = new RegExp(unique.map(escapeRegex).join('|'), 'gi');
  return (line) => [...line.matchAll(pattern)].map((m): [number, number] => [m.index, m.index + m[0].length]);
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
