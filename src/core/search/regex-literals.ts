/**
 * Literal strings every match of a JavaScript regular expression must contain, for an index
 * prefilter. Conservative: it gives up (returns []) on top-level alternation and never looks
 * inside groups or classes, so a missed literal only costs speed, never a result.
 */
export function requiredLiterals(source: string): string[] {
  const literals: string[] = [];
  let current = '';
  const cut = (): void => {
    if (current.length > 0) literals.push(current);
    current = '';
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    const next = source[i + 1];
    const optional = next === '?' || next === '*' || (next === '{' && /^\{0[,}]/.test(source.slice(i + 1)));
    if (ch === '|' && depth === 0) return [];
    if (ch === '(') {
      depth++;
      cut();
      continue;
    }
    if (ch === ')') {
      depth = Math.max(0, depth - 1);
      cut();
      continue;
    }
    if (depth > 0) {
      if (ch === '\\') i++;
      continue;
    }
    if (ch === '[') {
      cut();
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      continue;
    }
    if (ch === '\\') {
      const escaped = source[i + 1];
      i++;
      const afterEscape = source[i + 1];
      const escapedOptional = afterEscape === '?' || afterEscape === '*' || afterEscape === '{';
      if (escaped !== undefined && /[^\w\s]/.test(escaped) && !escapedOptional) current += escaped;
      else cut();
      continue;
    }
    if ('.^$+*?{}'.includes(ch)) {
      if (ch === '{') while (i < source.length && source[i] !== '}') i++;
      cut();
      continue;
    }
    if (optional) {
      cut();
      continue;
    }
    current += ch;
  }
  cut();
  return literals;
}
