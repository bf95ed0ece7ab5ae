/** A run of characters every match contains, and whether word characters can touch its ends. */
export interface RequiredLiteral {
  text: string;
  /** The character before the literal in any match cannot be a word character (or there is none). */
  boundedLeft: boolean;
  /** Likewise after it. */
  boundedRight: boolean;
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;
/** Escapes that only match non-word characters (\b: a word boundary). */
const NON_WORD_ESCAPES = new Set(['b', 's', 'W', 'n', 't', 'r']);

/**
 * Literal strings every match of a JavaScript regular expression must contain, for an index
 * prefilter. Conservative: it gives up (returns []) on top-level alternation and never looks
 * inside groups or classes, so a missed literal only costs speed, never a result.
 */
export function requiredLiterals(source: string): RequiredLiteral[] {
  const literals: RequiredLiteral[] = [];
  let current = '';
  let currentBoundedLeft = false;
  // Whether what was consumed last guarantees a non-word character before what follows. Not at
  // the start: an unanchored pattern can match in the middle of a word.
  let boundaryBefore = false;
  const cut = (boundedRight: boolean): void => {
    if (current.length > 0) literals.push({ text: current, boundedLeft: currentBoundedLeft, boundedRight });
    current = '';
  };
  const append = (ch: string): void => {
    if (current === '') currentBoundedLeft = boundaryBefore;
    current += ch;
    boundaryBefore = !WORD_CHAR.test(ch);
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    const next = source[i + 1];
    const optional = next === '?' || next === '*' || (next === '{' && /^\{0[,}]/.test(source.slice(i + 1)));
    if (ch === '|' && depth === 0) return [];
    if (ch === '(') {
      depth++;
      cut(false);
      boundaryBefore = false;
      continue;
    }
    if (ch === ')') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth > 0) {
      if (ch === '\\') i++;
      continue;
    }
    if (ch === '[') {
      cut(false);
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      boundaryBefore = false;
      continue;
    }
    if (ch === '\\') {
      const escaped = source[i + 1] ?? '';
      i++;
      const afterEscape = source[i + 1];
      const escapedOptional = afterEscape === '?' || afterEscape === '*' || afterEscape === '{';
      if (/[^\w\s]/.test(escaped) && !escapedOptional) {
        append(escaped);
      } else {
        const nonWord = NON_WORD_ESCAPES.has(escaped) && !escapedOptional;
        cut(nonWord);
        boundaryBefore = nonWord;
      }
      continue;
    }
    if (ch === '^' || ch === '$') {
      cut(true);
      boundaryBefore = true;
      continue;
    }
    if ('.+*?{}'.includes(ch)) {
      // Any character may follow a wildcard or a repeated character.
      if (ch === '{') while (i < source.length && source[i] !== '}') i++;
      cut(false);
      boundaryBefore = false;
      continue;
    }
    if (optional) {
      cut(false);
      boundaryBefore = false;
      continue;
    }
    append(ch);
  }
  cut(false);
  return literals;
}

const IDENTIFIER_RUN = /[\p{L}\p{N}_$]+/gu;

/**
 * Identifiers that every match contains as whole tokens: runs inside a literal bounded by
 * non-word characters on both sides. The index holds each such token as a term, so postings can
 * narrow a regex search the way a trigram index does.
 */
export function certainIdentifiers(literal: RequiredLiteral): string[] {
  const out: string[] = [];
  for (const match of literal.text.matchAll(IDENTIFIER_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    const left = start > 0 || literal.boundedLeft;
    const right = end < literal.text.length || literal.boundedRight;
    if (left && right) out.push(match[0]);
  }
  return out;
}
