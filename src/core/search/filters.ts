import type { DuckDBValue } from '@duckdb/node-api';
import type { QueryFilters } from '../query/parse.js';

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
  const language = (v: string): Condition => ({ sql: 'f.language = ?', params: [v] });
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

const AUXILIARY_WORD = /^(tests?|spec|specs|fixtures?|docs?|examples?|mocks?|bench(mark)?s?)$/i;

/** True when the query asks for tests, docs or fixtures explicitly, so they are not demoted. */
export function wantsAuxiliaryFiles(filters: QueryFilters, words: readonly string[]): boolean {
  return filters.paths.length > 0 || words.some((w) => AUXILIARY_WORD.test(w));
}
