import type { DuckDBValue } from '@duckdb/node-api';
import type { QueryFilters } from '../query/parse.js';
import type { FileScope } from '../store/scope-mirror.js';
import { SYNTAX_LANGUAGES } from '../files/language.js';
import { escapeRegex } from './snippet.js';

type Condition = { sql: string; params: DuckDBValue[] };

/**
 * SQL conditions on files `f` and folders `d` for the query's filters. `path:` is a
 * case-insensitive substring, or a glob when it holds * or ?.
 */
export function filterClause(filters: QueryFilters): Condition {
  const conditions: string[] = [];
  const params: DuckDBValue[] = [];
  const anyOf = (values: readonly string[], condition: (value: string) => Condition, negate: boolean): void => {
    if (values.length === 0) return;
    const parts = values.map(condition);
    const sql = parts.map((p) => p.sql).join(' OR ');
    conditions.push(negate ? `NOT (${sql})` : `(${sql})`);
    for (const part of parts) params.push(...part.params);
  };
  const language = (v: string): Condition => ({ sql: "coalesce(f.language, '') = ?", params: [v] });
  const path = (v: string): Condition =>
    /[*?]/.test(v) ? { sql: 'f.path GLOB ?', params: [v] } : { sql: 'contains(lower(f.path), ?)', params: [v.toLowerCase()] };
  const repo = (v: string): Condition => ({ sql: 'lower(d.name) = ?', params: [v.toLowerCase()] });

  anyOf(filters.languages, language, false);
  anyOf(filters.excludeLanguages, language, true);
  anyOf(filters.paths, path, false);
  anyOf(filters.excludePaths, path, true);
  anyOf(filters.repos, repo, false);
  anyOf(filters.excludeRepos, repo, true);
  return { sql: conditions.length > 0 ? conditions.join(' AND ') : 'TRUE', params };
}

/**
 * The same filters as `filterClause`, decided in memory for one file: the scope of a search
 * without a query. DuckDB's GLOB: `*` any run of characters (`/` included), `?` one, `[...]` a class.
 */
export function fileMatcher(filters: QueryFilters, folderNames: ReadonlyMap<number, string>): (file: FileScope) => boolean {
  // One pattern per value, compiled once: a search tests every file's path (tens of thousands), and
  // lower-casing each path for a substring test made garbage of them all.
  const patterns = new Map<string, RegExp>();
  const pathMatches = (path: string, value: string): boolean => {
    let pattern = patterns.get(value);
    if (!pattern) {
      pattern = /[*?]/.test(value)
        ? new RegExp(`^${value.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's')
        : new RegExp(escapeRegex(value), 'i');
      patterns.set(value, pattern);
    }
    return pattern.test(path);
  };
  const folderIs = (file: FileScope, value: string): boolean => folderNames.get(file.folderId)?.toLowerCase() === value.toLowerCase();
  const checks: Array<(file: FileScope) => boolean> = [];
  const anyOf = (values: readonly string[], test: (file: FileScope, value: string) => boolean, negate: boolean): void => {
    if (values.length > 0) checks.push((file) => values.some((v) => test(file, v)) !== negate);
  };
  anyOf(filters.languages, (file, v) => file.language === v, false);
  anyOf(filters.excludeLanguages, (file, v) => file.language === v, true);
  anyOf(filters.paths, (file, v) => pathMatches(file.path, v), false);
  anyOf(filters.excludePaths, (file, v) => pathMatches(file.path, v), true);
  anyOf(filters.repos, folderIs, false);
  anyOf(filters.excludeRepos, folderIs, true);
  return (file) => checks.every((check) => check(file));
}

const AUXILIARY_WORD = /^(tests?|spec|specs|fixtures?|docs?|examples?|mocks?|bench(mark)?s?|change_?logs?|history|releases?)$/i;
const DOCS_WORD = /^(docs?|documentation|guides?|readme|tutorials?|manual|faq|changelog|howto)$/i;
const PROSE_LANGUAGES = new Set(['markdown', 'text']);

/** True when the query asks for tests, docs or fixtures explicitly, so they are not demoted ("for example" asks for nothing). */
export function wantsAuxiliaryFiles(filters: QueryFilters, words: readonly string[]): boolean {
  return filters.paths.length > 0 || words.some((w, i) => AUXILIARY_WORD.test(w) && !(/^example$/i.test(w) && words[i - 1]?.toLowerCase() === 'for'));
}

/** Documentation and other prose: Markdown and plain text, and whatever sits in a docs folder but code (Go's `doc` package, a docs site's scripts). */
export function isProse(file: { language: string; path: string }): boolean {
  return PROSE_LANGUAGES.has(file.language) || (/(^|\/)docs?\//i.test(file.path) && !SYNTAX_LANGUAGES.has(file.language));
}

/** Prose, or a comment chunk of a code file (mostly comments that document no definition, such as a module's doc): words about code, which define nothing. */
export function speaksInWords(row: { language: string; path: string; kind: string }): boolean {
  return row.kind === 'comment' || isProse(row);
}

/** True when the query asks for documentation itself (`lang:md`, `path:docs`, "guide", "how to …"): prose then ranks on its own merits. */
export function asksForDocs(query: { filters: QueryFilters; words: readonly string[] }): boolean {
  const { filters, words } = query;
  if (filters.languages.some((l) => PROSE_LANGUAGES.has(l)) || filters.paths.some((p) => DOCS_WORD.test(p.replace(/\/+$/, '').split('/').at(-1) ?? ''))) return true;
  return words.some((w) => DOCS_WORD.test(w)) || (words[0]?.toLowerCase() === 'how' && words[1]?.toLowerCase() === 'to');
}
