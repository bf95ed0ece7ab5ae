import type { DuckDBValue } from '@duckdb/node-api';
import type { SearchHit } from '../../shared/types.js';
import { distinctTerms, termHash } from '../lexical/tokenize.js';
import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { filterClause, wantsAuxiliaryFiles } from './filters.js';
import { CHUNK_ROW_COLUMNS, foldByFile, toHit, type ChunkRow } from './hits.js';
import { needleMatcher } from './snippet.js';

/** BM25 parameters; b below the usual 0.75 because long code chunks are not padded prose. */
const K1 = 1.2;
const B = 0.6;
const CANDIDATES = 300;
const PART_WEIGHT = 0.4;

const AUXILIARY_PATH = /(^|\/)(tests?|__tests__|spec|specs|fixtures?|__fixtures__|__mocks__|testdata|test-data|examples?|docs?|benchmarks?|e2e)\/|[._-](test|spec)\.[a-z]+$/i;
const DEFINITION_KINDS = new Set(['function', 'class', 'method']);

interface QueryTerm {
  hash: number;
  weight: number;
  /** Index of the query word (or phrase) the term came from. */
  group: number;
  /** A whole identifier as opposed to one of its parts. */
  whole: boolean;
}

const IDENTIFIER = /[\p{L}\p{N}_$]+(?:-[\p{L}\p{N}_$]+)*/gu;

interface ScoredRow extends ChunkRow {
  score: number;
}

/**
 * Ranked lexical search: BM25 over identifier-aware postings, weighted by how many of the
 * query's words a chunk matches, then boosted for symbol and exact identifier matches and
 * definitions, with tests, docs and fixtures mildly demoted unless asked for.
 */
export async function lexicalSearch(store: Store, query: ParsedQuery, limit: number): Promise<SearchHit[]> {
  const terms = queryTerms(query);
  const filters = filterClause(query.filters);
  const phrases = phraseConditions(query.phrases);
  const groups = query.words.length + query.phrases.length;

  let rows: ScoredRow[];
  if (terms.length === 0) {
    // Only filters or punctuation-only phrases: list matching chunks in path order.
    rows = await store.all<ScoredRow>(
      `SELECT ${CHUNK_ROW_COLUMNS}, 1.0 AS score
       FROM chunks c JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id
       WHERE ${filters.sql} AND ${phrases.sql}
       ORDER BY d.name, f.path, c.start_line LIMIT ${CANDIDATES}`,
      [...filters.params, ...phrases.params],
    );
  } else {
    const stats = await corpusStats(store);
    const parts = partsPerGroup(terms);
    const values = terms.map((t) => `(${t.hash}, ${t.weight}, ${t.group}, ${t.whole}, ${parts.get(t.group)})`).join(', ');
    const hashes = [...new Set(terms.map((t) => t.hash))].join(', ');
    const filtered = filters.sql !== 'TRUE';
    // A word is covered by its whole identifier or by all of its parts; a chunk must cover at
    // least one word fully, and its score scales with the square of the share of words covered.
    // Filters narrow the postings first, so idf is relative to the scope searched.
    rows = await store.all<ScoredRow>(
      `WITH p AS MATERIALIZED (
         SELECT p.term, p.chunk_id, p.tf, c.length
         FROM postings p JOIN chunks c ON c.id = p.chunk_id
         ${filtered ? 'JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id' : ''}
         WHERE p.term IN (${hashes}) AND ${filters.sql}
       ),
       df AS (SELECT term, ln(1 + (${stats.chunks} - count(*) + 0.5) / (count(*) + 0.5)) AS idf FROM p GROUP BY term),
       q(term, weight, grp, whole, parts) AS (VALUES ${values}),
       per_word AS (
         SELECT p.chunk_id, q.grp,
           sum(q.weight * df.idf * p.tf * ${K1 + 1} / (p.tf + ${K1} * (${1 - B} + ${B} * p.length / ${stats.averageLength}))) AS bm25,
           CASE WHEN bool_or(q.whole) OR any_value(q.parts) = 0 THEN 1.0
                ELSE count(*) FILTER (WHERE NOT q.whole) / any_value(q.parts) END AS coverage
         FROM p JOIN q ON q.term = p.term JOIN df ON df.term = p.term
         GROUP BY p.chunk_id, q.grp
       ),
       s AS (
         SELECT chunk_id, sum(bm25) * pow(sum(coverage) / ${Math.max(groups, 1)}, 2) AS score
         FROM per_word GROUP BY chunk_id HAVING max(coverage) >= 0.999
       ),
       top AS (
         SELECT s.chunk_id, s.score FROM s ${phrases.sql === 'TRUE' ? '' : `JOIN chunks c ON c.id = s.chunk_id WHERE ${phrases.sql}`}
         ORDER BY s.score DESC LIMIT ${CANDIDATES}
       )
       SELECT ${CHUNK_ROW_COLUMNS}, top.score
       FROM top JOIN chunks c ON c.id = top.chunk_id JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id
       ORDER BY top.score DESC`,
      [...filters.params, ...phrases.params],
    );
  }

  const boosted = rows
    .map((row) => ({ row, score: row.score * boost(row, query) }))
    .sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path));
  const scores = new Map(boosted.map((b) => [b.row.chunk_id, b.score]));
  const matcher = needleMatcher([...query.words.flatMap((w) => [w, ...distinctTerms(w)]), ...query.phrases]);
  return foldByFile(boosted.map((b) => b.row), limit).map(({ row, more }) => ({
    ...toHit(row, scores.get(row.chunk_id)!, more, matcher),
    symbol: matchedSymbol(row, query) ?? row.symbol,
  }));
}

/** Whole identifiers weigh 1, their camelCase/snake_case parts less; one group per query word. */
function queryTerms(query: ParsedQuery): QueryTerm[] {
  const terms: QueryTerm[] = [];
  [...query.words, ...query.phrases].forEach((text, group) => {
    const wholes = new Set((text.match(IDENTIFIER) ?? []).map((w) => w.toLowerCase()));
    for (const term of distinctTerms(text)) {
      const whole = wholes.has(term);
      terms.push({ hash: termHash(term), weight: whole ? 1 : PART_WEIGHT, group, whole });
    }
  });
  return terms;
}

function partsPerGroup(terms: readonly QueryTerm[]): Map<number, number> {
  const parts = new Map<number, number>();
  for (const t of terms) parts.set(t.group, (parts.get(t.group) ?? 0) + (t.whole ? 0 : 1));
  return parts;
}

/** Phrases match verbatim; case-insensitively unless they contain a capital (smart case). */
function phraseConditions(phrases: readonly string[]): { sql: string; params: DuckDBValue[] } {
  if (phrases.length === 0) return { sql: 'TRUE', params: [] };
  const sql = phrases.map((p) => (/\p{Lu}/u.test(p) ? 'contains(c.text, ?)' : 'contains(lower(c.text), ?)')).join(' AND ');
  return { sql, params: phrases.map((p) => (/\p{Lu}/u.test(p) ? p : p.toLowerCase())) };
}

function boost(row: ChunkRow, query: ParsedQuery): number {
  const words = query.words.map((w) => w.toLowerCase());
  let factor = 1;
  const symbol = row.symbol?.toLowerCase() ?? '';
  if (words.some((w) => w === symbol)) factor *= 2.5;
  else if (matchedSymbol(row, query)) factor *= 1.8;
  if (DEFINITION_KINDS.has(row.kind)) factor *= 1.15;
  // The identifier exactly as typed (case and all) is a strong sign of the thing meant.
  if (query.words.some((w) => w.length >= 3 && /[\p{L}_$]/u.test(w) && containsIdentifier(row.text, w))) factor *= 1.3;
  const base = row.path.slice(row.path.lastIndexOf('/') + 1).toLowerCase();
  const stem = base.includes('.') ? base.slice(0, base.indexOf('.')) : base;
  if (words.some((w) => w === stem || w.replace(/[-_]/g, '') === stem.replace(/[-_]/g, ''))) factor *= 1.4;
  if (!wantsAuxiliaryFiles(query.filters, query.words)) {
    if (AUXILIARY_PATH.test(row.path)) factor *= 0.6;
    else if (row.language === 'markdown' || row.language === 'text') factor *= 0.8;
  }
  return factor;
}

/** The chunk's definition the query names, so a hit reports the method asked for, not its class. */
function matchedSymbol(row: ChunkRow, query: ParsedQuery): string | null {
  if (row.symbols === '') return null;
  const words = new Set(query.words.map((w) => w.toLowerCase()));
  return row.symbols.split(' ').find((s) => words.has(s.toLowerCase())) ?? null;
}

function containsIdentifier(text: string, identifier: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(identifier, from);
    if (at === -1) return false;
    const before = text[at - 1];
    const after = text[at + identifier.length];
    if (!isIdentifierChar(before) && !isIdentifierChar(after)) return true;
    from = at + 1;
  }
}

function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_$]/u.test(ch);
}

const statsCache = new WeakMap<Store, { generation: number; chunks: number; averageLength: number }>();

/** Chunk count and mean length for BM25, recomputed only when the index changed. */
async function corpusStats(store: Store): Promise<{ chunks: number; averageLength: number }> {
  const cached = statsCache.get(store);
  if (cached && cached.generation === store.generation) return cached;
  const [row] = await store.all<{ n: bigint; avg: number | null }>('SELECT count(*) AS n, avg(length) AS avg FROM chunks');
  const stats = { generation: store.generation, chunks: Number(row!.n), averageLength: Math.max(1, row!.avg ?? 1) };
  statsCache.set(store, stats);
  return stats;
}
