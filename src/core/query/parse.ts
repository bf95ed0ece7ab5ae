import { QuarryError } from '../../shared/errors.js';
import type { SearchMode } from '../../shared/types.js';

export interface QueryFilters {
  languages: string[];
  excludeLanguages: string[];
  paths: string[];
  excludePaths: string[];
  repos: string[];
  excludeRepos: string[];
}

export interface ParsedQuery {
  /** Bare words, as typed. */
  words: string[];
  /** Quoted phrases that must occur verbatim (case-insensitive unless they contain a capital). */
  phrases: string[];
  regex: RegExp | null;
  filters: QueryFilters;
}

// Maps, not object literals: `lang:constructor` and `constructor:x` must not find Object.prototype's members.
const LANGUAGE_ALIASES = new Map<string, string[]>(Object.entries({
  ts: ['typescript', 'tsx'], typescript: ['typescript', 'tsx'], tsx: ['tsx'],
  js: ['javascript'], javascript: ['javascript'], jsx: ['javascript'],
  py: ['python'], python: ['python'],
  go: ['go'], golang: ['go'],
  rs: ['rust'], rust: ['rust'],
  java: ['java'],
  c: ['c'], h: ['c'],
  cpp: ['cpp'], 'c++': ['cpp'], cc: ['cpp'], cxx: ['cpp'],
  cs: ['c_sharp'], csharp: ['c_sharp'], 'c#': ['c_sharp'],
  rb: ['ruby'], ruby: ['ruby'],
  kt: ['kotlin'], kotlin: ['kotlin'],
  md: ['markdown'], markdown: ['markdown'],
  sh: ['shell'], bash: ['shell'], shell: ['shell'],
  yml: ['yaml'], yaml: ['yaml'],
}));

const FILTER_KEYS = new Map<string, 'languages' | 'paths' | 'repos'>(Object.entries({
  lang: 'languages', language: 'languages',
  path: 'paths', file: 'paths', f: 'paths',
  repo: 'repos', folder: 'repos', r: 'repos',
} as const));

const EXCLUDED: Record<'languages' | 'paths' | 'repos', 'excludeLanguages' | 'excludePaths' | 'excludeRepos'> = {
  languages: 'excludeLanguages', paths: 'excludePaths', repos: 'excludeRepos',
};

/**
 * Parses `lang:ts path:src/ -path:test repo:NAME "exact phrase" words /regex/i`.
 * In regex mode everything that is not a filter is one regular expression.
 */
export function parseQuery(input: string, mode: SearchMode): ParsedQuery {
  const filters: QueryFilters = { languages: [], excludeLanguages: [], paths: [], excludePaths: [], repos: [], excludeRepos: [] };
  const words: string[] = [];
  const phrases: string[] = [];
  const filterSpans: Array<[number, number]> = [];
  let regex: RegExp | null = null;

  const text = input.trim();
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    // /regex/flags as a whole token
    if (text[i] === '/' && mode !== 'regex') {
      const end = findRegexEnd(text, i + 1);
      if (end !== -1) {
        const flags = /^[a-z]*/.exec(text.slice(end + 1))![0];
        const after = end + 1 + flags.length;
        if (after === text.length || /\s/.test(text[after]!)) {
          if (regex) throw new QuarryError('BAD_QUERY', 'Only one /regex/ per query');
          regex = compileRegex(text.slice(i + 1, end), flags);
          i = after;
          continue;
        }
      }
    }
    const filter = /^(-?)([a-z]+):/.exec(text.slice(i));
    const key = filter ? FILTER_KEYS.get(filter[2]!) : undefined;
    if (filter && key) {
      const filterStart = i;
      i += filter[0].length;
      const [value, next] = readValue(text, i);
      if (value === '') throw new QuarryError('BAD_QUERY', `Filter ${filter[2]}: needs a value`);
      const target = filter[1] === '-' ? EXCLUDED[key] : key;
      if (key === 'languages') {
        filters[target].push(...(LANGUAGE_ALIASES.get(value.toLowerCase()) ?? [value.toLowerCase()]));
      } else {
        filters[target].push(value);
      }
      filterSpans.push([filterStart, next]);
      i = next;
      continue;
    }
    if (mode === 'regex') {
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      continue;
    }
    const [value, next] = readValue(text, i);
    if (text[i] === '"') {
      if (value !== '') phrases.push(value);
    } else {
      words.push(value);
    }
    i = next;
  }

  if (mode === 'regex') {
    // The expression is the text between filters, spacing kept.
    let source = '';
    let from = 0;
    for (const [start, end] of filterSpans) {
      source += text.slice(from, start);
      from = end;
    }
    source = (source + text.slice(from)).trim();
    if (source === '') throw new QuarryError('BAD_QUERY', 'Nothing to search for: give a regular expression');
    return { words: [], phrases: [], regex: compileRegex(source, ''), filters };
  }
  return { words, phrases, regex, filters };
}

/** A value, quoted ("a b", with \" escapes) or up to the next space. Returns [value, next index]. */
function readValue(text: string, start: number): [string, number] {
  if (text[start] !== '"') {
    let end = start;
    while (end < text.length && !/\s/.test(text[end]!)) end++;
    return [text.slice(start, end), end];
  }
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      value += text[++i];
    } else if (ch === '"') {
      return [value, i + 1];
    } else {
      value += ch;
    }
  }
  throw new QuarryError('BAD_QUERY', `Unbalanced quote: the phrase starting at column ${start + 1} is never closed`);
}

function findRegexEnd(text: string, from: number): number {
  let inClass = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    else if (ch === '/' && !inClass) return i;
  }
  return -1;
}

function compileRegex(source: string, flags: string): RegExp {
  if (source.startsWith('(?i)')) return compileRegex(source.slice(4), flags + 'i'); // the RE2/PCRE spelling
  if (/[^imsu]/.test(flags)) throw new QuarryError('BAD_QUERY', `Unsupported regex flag in "${flags}": use i, m, s or u`);
  try {
    // Line-oriented like grep: ^ and $ match at every line.
    return new RegExp(source, [...new Set([...flags, 'g', 'm'])].join(''));
  } catch (error) {
    throw new QuarryError('BAD_QUERY', `Invalid regular expression /${source}/: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}
