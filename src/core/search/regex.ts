import type { DuckDBValue } from '@duckdb/node-api';
import type { SearchHit } from '../../shared/types.js';
import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { filterClause } from './filters.js';
import { CHUNK_ROW_COLUMNS, foldByFile, toHit, type ChunkRow } from './hits.js';
import type { RegexScan } from './profile.js';
import { certainIdentifiers, requiredLiterals } from './regex-literals.js';
import { MAX_TERM_CHARS, termHash } from '../lexical/tokenize.js';
import { regexMatcher } from './snippet.js';

const PAGE = 400;
const MAX_LITERALS = 3;

/**
 * Regex search, grep-like: results in folder and path order. The index narrows candidates with
 * the pattern's required literals and, when the pattern is RE2-compatible, DuckDB's RE2 scan;
 * JavaScript's engine then verifies every hit, so semantics are always JavaScript's. Also says how
 * the scan was narrowed and how many chunks JavaScript checked.
 */
export async function regexSearch(
  store: Store,
  query: ParsedQuery,
  limit: number,
): Promise<{ hits: SearchHit[]; scan: RegexScan; chunksChecked: number }> {
  const regex = query.regex!;
  const ignoreCase = regex.flags.includes('i');
  const filters = filterClause(query.filters);
  const prefilter = prefilterFor(regex.source, ignoreCase, store.scope.hasProvisionalFiles);

  const select = (useRe2: boolean, offset: number): Promise<ChunkRow[]> =>
    store.all<ChunkRow>(
      `SELECT ${CHUNK_ROW_COLUMNS}
       FROM chunks c JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id
       WHERE ${[filters.sql, prefilter.sql, ...(useRe2 ? ['regexp_matches(c.text, ?, ?)'] : [])].join(' AND ')}
       ORDER BY d.name, f.path, c.start_line LIMIT ${PAGE} OFFSET ${offset}`,
      [...filters.params, ...prefilter.params, ...(useRe2 ? [re2Pattern(regex), ignoreCase ? 'i' : 'c'] : [])],
    );

  let useRe2 = true;
  let chunksChecked = 0;
  const verified: ChunkRow[] = [];
  const files = new Set<number>();
  for (let offset = 0; files.size <= limit; offset += PAGE) {
    let page: ChunkRow[];
    try {
      page = await select(useRe2, offset);
    } catch (error) {
      if (!useRe2) throw error;
      useRe2 = false; // JavaScript-only syntax (lookbehind, backreferences): verify in JS alone
      offset -= PAGE;
      continue;
    }
    chunksChecked += page.length;
    for (const row of page) {
      regex.lastIndex = 0;
      if (regex.test(row.text)) {
        verified.push(row);
        files.add(row.file_id);
      }
    }
    if (page.length < PAGE) break;
  }
  const matcher = regexMatcher(regex);
  const folded = foldByFile(verified, limit).map(({ row, more }) => ({ row, more, matches: countMatches(regex, row.text) }));
  const best = Math.max(0, ...folded.map((f) => f.matches));
  return {
    hits: folded.map(({ row, more, matches }) =>
      toHit(row, matches, more, matcher, { best, signals: [{ kind: 'text', detail: `${matches} ${matches === 1 ? 'match' : 'matches'} of the pattern` }] })),
    scan: { prefilter: prefilter.kind, re2: useRe2 },
    chunksChecked,
  };
}

/**
 * SQL that keeps only chunks which can match: per top-level alternative, the postings of the
 * whole identifiers it must contain and substring checks for its required literals. An
 * alternative with nothing required means no prefilter at all.
 */
function prefilterFor(
  source: string,
  ignoreCase: boolean,
  provisionalFiles: boolean,
): { sql: string; params: DuckDBValue[]; kind: RegexScan['prefilter'] } {
  const branches: string[] = [];
  const params: DuckDBValue[] = [];
  let usesPostings = false;
  for (const branch of topLevelAlternatives(source)) {
    const required = requiredLiterals(branch);
    const conditions: string[] = [];
    const terms = [
      ...new Set(
        required
          .flatMap(certainIdentifiers)
          .filter((t) => t.length <= MAX_TERM_CHARS && /[\p{L}\p{N}]/u.test(t))
          .map((t) => termHash(t.toLowerCase())),
      ),
    ];
    if (terms.length > 0) {
      const stored = `c.id IN (SELECT chunk_id FROM postings WHERE term IN (${terms.join(', ')}) GROUP BY chunk_id HAVING count(DISTINCT term) = ${terms.length})`;
      // Provisional chunks (a new folder's, until its syntax pass) have no stored postings. Only
      // then: the OR makes DuckDB's plan several times slower.
      conditions.push(provisionalFiles ? `(f.provisional OR ${stored})` : stored);
      usesPostings = true;
    }
    const literals = required
      .map((l) => l.text)
      .filter((l) => l.length >= 2)
      .sort((a, b) => b.length - a.length)
      .slice(0, MAX_LITERALS);
    for (const literal of literals) {
      conditions.push(ignoreCase ? 'contains(lower(c.text), ?)' : 'contains(c.text, ?)');
      params.push(ignoreCase ? literal.toLowerCase() : literal);
    }
    if (conditions.length === 0) return { sql: 'TRUE', params: [], kind: 'none' };
    branches.push(`(${conditions.join(' AND ')})`);
  }
  return { sql: `(${branches.join(' OR ')})`, params, kind: usesPostings ? 'identifiers' : 'substrings' };
}

/** Splits a pattern at the `|` that are outside groups and classes. */
function topLevelAlternatives(source: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      branches.push(source.slice(start, i));
      start = i + 1;
    }
  }
  branches.push(source.slice(start));
  return branches;
}

function countMatches(regex: RegExp, text: string): number {
  let count = 0;
  for (const m of text.matchAll(regex)) if (m[0].length > 0 || count === 0) count++;
  return count;
}

/** The same pattern for RE2 with JavaScript's flags spelled inline: multi-line always, dot-all if asked. */
function re2Pattern(regex: RegExp): string {
  return `(?m${regex.flags.includes('s') ? 's' : ''})${regex.source}`;
}
