import type { DuckDBValue } from '@duckdb/node-api';
import type { SearchHit } from '../../shared/types.js';
import { isAuxiliaryPath } from '../files/auxiliary-path.js';
import { MAX_GROUPS, type QueryTerm } from '../lexical/postings-index.js';
import { distinctTerms, termHash } from '../lexical/tokenize.js';
import { analyzeWords, looksLikeIdentifier, type WordAnalysis } from '../query/analyze.js';
import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { fileMatcher, filterClause, wantsAuxiliaryFiles } from './filters.js';
import { chunkMeta, CHUNK_ROW_COLUMNS, foldByFile, toHit, type ChunkMeta, type ChunkRow } from './hits.js';
import type { StageCounts } from './profile.js';
import { escapeRegex, termMatcher } from './snippet.js';

/** Chunks ranked by BM25 that the boosts may reorder. */
const CANDIDATES = 300;
/** Of those, the best this many (after boosts) have their text read for the exact-case check. */
const TEXT_CANDIDATES = 60;
const PART_WEIGHT = 0.4;
/** The boost for a definition whose name is a plain word of a descriptive question. */
const DESCRIPTIVE_SYMBOL_BOOST = 1.2;

const DEFINITION_KINDS = new Set(['function', 'class', 'method']);
const IDENTIFIER = /[\p{L}\p{N}_$]+(?:-[\p{L}\p{N}_$]+)*/gu;

type Condition = { sql: string; params: DuckDBValue[] };

/** A ranked chunk; its text is read only when needed (boosts, snippets). */
export interface RankedChunk {
  row: ChunkMeta & { text?: string };
  score: number;
}

/** Hits for ranked chunks: one per file, with the query's words highlighted; missing texts are read here. */
export async function rankedHits(store: Store, ranked: readonly RankedChunk[], query: ParsedQuery, limit: number): Promise<SearchHit[]> {
  const scores = new Map(ranked.map((r) => [r.row.chunk_id, r.score]));
  const folded = foldByFile(ranked.map((r) => r.row), limit);
  const texts = await chunkTexts(store, folded.filter(({ row }) => row.text === undefined).map(({ row }) => row.chunk_id));
  const matcher = termMatcher(wordsOf(query).content.flatMap((w) => [w, ...distinctTerms(w)]), query.phrases);
  return folded.map(({ row, more }) => ({
    ...toHit({ ...row, text: row.text ?? texts.get(row.chunk_id) ?? '' }, scores.get(row.chunk_id)!, more, matcher),
    symbol: matchedSymbol(row, query) ?? row.symbol,
  }));
}

/**
 * Ranked lexical search: BM25 over identifier-aware postings (in memory), weighted by how many of
 * the query's words a chunk covers, then boosted for symbol and exact identifier matches and
 * definitions, with tests, docs and fixtures mildly demoted unless asked for. Best first; text is
 * read for the best ones only. Counts the candidates it scored.
 */
export async function rankLexical(
  store: Store,
  query: ParsedQuery,
  limit: number,
  admissible: Admissible | null,
  counts: StageCounts,
): Promise<RankedChunk[]> {
  const terms = queryTerms(query);
  if (terms.length === 0) {
    const listed = await listMatching(store, filterClause(query.filters), phraseConditions(query.phrases));
    counts.lexicalCandidates = listed.length;
    return listed;
  }

  const groups = wordsOf(query).content.length + query.phrases.length;
  const tally = { scored: 0 };
  const ranked = store.postings.score(terms, groups, { allowed: admissible, limit: CANDIDATES, tally });
  counts.lexicalCandidates = tally.scored;
  if (ranked.length === 0) return [];

  // Boost on metadata, read text only for the best, then boost on the exact identifier as typed.
  const meta = chunkMeta(store, ranked.map((r) => r.chunkId));
  const boosted = ranked
    .flatMap((r) => {
      const row = meta.get(r.chunkId);
      return row ? [{ row, score: r.score * boost(row, query) }] : [];
    })
    .sort(byScore)
    .slice(0, Math.max(TEXT_CANDIDATES, limit * 3));
  const texts = await chunkTexts(store, boosted.map((b) => b.row.chunk_id));
  return boosted
    .map(({ row, score }) => {
      const text = texts.get(row.chunk_id) ?? '';
      return { row: { ...row, text }, score: score * exactIdentifierBoost(text, query) };
    })
    .sort(byScore);
}

function byScore(a: { row: ChunkMeta; score: number }, b: { row: ChunkMeta; score: number }): number {
  return b.score - a.score || a.row.path.localeCompare(b.row.path) || a.row.start_line - b.row.start_line;
}

/** Queries with only filters, or only punctuation phrases: matching chunks in path order. */
async function listMatching(store: Store, filters: Condition, phrases: Condition): Promise<RankedChunk[]> {
  const rows = await store.all<ChunkRow>(
    `SELECT ${CHUNK_ROW_COLUMNS}
     FROM chunks c JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id
     WHERE ${filters.sql} AND ${phrases.sql}
     ORDER BY d.name, f.path, c.start_line LIMIT ${CANDIDATES}`,
    [...filters.params, ...phrases.params],
  );
  return rows.map((row) => ({ row, score: 1 }));
}

/** Whole identifiers weigh 1, their camelCase/snake_case parts less; one group per query word. */
function queryTerms(query: ParsedQuery): QueryTerm[] {
  const terms: QueryTerm[] = [];
  [...wordsOf(query).content, ...query.phrases].slice(0, MAX_GROUPS).forEach((text, group) => {
    const wholes = new Set((text.match(IDENTIFIER) ?? []).map((w) => w.toLowerCase()));
    for (const term of distinctTerms(text)) {
      const whole = wholes.has(term);
      terms.push({ hash: termHash(term), weight: whole ? 1 : PART_WEIGHT, group, whole });
    }
  });
  return terms;
}

/**
 * Whether a chunk passes a query's filters and contains its phrases; with phrases, also the
 * admissible chunks' text hashes (read in the same scan, for scoped semantic search) and their number.
 */
export interface Admissible {
  (chunkId: number): boolean;
  hashes?: ReadonlySet<string>;
  chunks?: number;
}

/**
 * The chunks that pass a query's filters and contain its phrases, or null when it has neither.
 * Filters alone are decided per file, in memory; phrases need the chunks' text, one scan.
 */
export async function admissibleChunks(store: Store, query: ParsedQuery): Promise<Admissible | null> {
  const filters = filterClause(query.filters);
  const phrases = phraseConditions(query.phrases);
  if (filters.sql === 'TRUE' && phrases.sql === 'TRUE') return null;
  if (phrases.sql === 'TRUE') {
    const matches = fileMatcher(query.filters, store.scope.folderNames);
    const allowed = new Set<number>();
    for (const [id, file] of store.scope.files) if (matches(file)) allowed.add(id);
    return (chunkId) => allowed.has(store.postings.fileOf(chunkId));
  }
  const rows = await store.all<{ id: number; hash: string }>(
    `SELECT c.id, c.hash FROM chunks c JOIN files f ON f.id = c.file_id JOIN folders d ON d.id = c.folder_id
     WHERE ${filters.sql} AND ${phrases.sql}`,
    [...filters.params, ...phrases.params],
  );
  const allowed = new Set(rows.map((r) => r.id));
  return Object.assign((chunkId: number) => allowed.has(chunkId), { hashes: new Set(rows.map((r) => r.hash)), chunks: allowed.size });
}

async function chunkTexts(store: Store, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await store.all<{ id: number; text: string }>(`SELECT id, text FROM chunks WHERE id IN (${ids.join(', ')})`);
  return new Map(rows.map((r) => [r.id, r.text]));
}

/**
 * Phrases match verbatim; case-insensitively unless they contain a capital (smart case). RE2's
 * case-insensitive literal scan is twice as fast as lower-casing the text.
 */
export function phraseConditions(phrases: readonly string[]): Condition {
  if (phrases.length === 0) return { sql: 'TRUE', params: [] };
  const smart = phrases.map((p) => ({ p, sensitive: /\p{Lu}/u.test(p) }));
  return {
    sql: smart.map(({ sensitive }) => (sensitive ? 'contains(c.text, ?)' : "regexp_matches(c.text, ?, 'i')")).join(' AND '),
    params: smart.map(({ p, sensitive }) => (sensitive ? p : escapeRegex(p))),
  };
}

function boost(row: ChunkMeta, query: ParsedQuery): number {
  const analysis = wordsOf(query);
  const words = analysis.content.map((w) => w.toLowerCase());
  let factor = 1;
  const symbol = row.symbol?.toLowerCase() ?? '';
  // A plain word of a question that happens to be a definition's name (`options`, `state`) names it far less surely than a typed identifier.
  if (words.some((w) => w === symbol)) factor *= analysis.descriptive ? DESCRIPTIVE_SYMBOL_BOOST : 2.5;
  else if (matchedSymbol(row, query)) factor *= analysis.descriptive ? DESCRIPTIVE_SYMBOL_BOOST : 1.8;
  if (DEFINITION_KINDS.has(row.kind)) factor *= 1.15;
  const base = row.path.slice(row.path.lastIndexOf('/') + 1).toLowerCase();
  const stem = base.includes('.') ? base.slice(0, base.indexOf('.')) : base;
  if (words.some((w) => w === stem || w.replace(/[-_]/g, '') === stem.replace(/[-_]/g, ''))) factor *= 1.4;
  if (!wantsAuxiliaryFiles(query.filters, query.words)) {
    if (isAuxiliaryPath(row.path)) factor *= 0.6;
    else if (row.language === 'markdown' || row.language === 'text') factor *= 0.8;
  }
  return factor;
}

const analyses = new WeakMap<ParsedQuery, WordAnalysis>();

/** The query's words sorted into those that carry it, worked out once per query. */
function wordsOf(query: ParsedQuery): WordAnalysis {
  let analysis = analyses.get(query);
  if (!analysis) analyses.set(query, (analysis = analyzeWords(query.words)));
  return analysis;
}

/** How directly the query names this chunk: 2 one of its definitions, 1 an identifier it uses, exactly as typed, else 0. */
export function namingStrength(row: RankedChunk['row'], query: ParsedQuery): number {
  if (matchedSymbol(row, query) !== null) return 2;
  return row.text !== undefined && exactIdentifierBoost(row.text, query) > 1 ? 1 : 0;
}

/** The identifier exactly as typed (case and all) is a strong sign of the thing meant. */
function exactIdentifierBoost(text: string, query: ParsedQuery): number {
  const { content } = wordsOf(query);
  // A lone word is typed as a name; among several, only identifier-shaped words are (a prose word occurs everywhere).
  const named = content.length === 1 ? content : content.filter(looksLikeIdentifier);
  return named.some((w) => w.length >= 3 && /[\p{L}_$]/u.test(w) && containsIdentifier(text, w)) ? 1.3 : 1;
}

/** The chunk's definition the query names, so a hit reports the method asked for, not its class. */
function matchedSymbol(row: ChunkMeta, query: ParsedQuery): string | null {
  if (row.symbols === '') return null;
  const words = new Set(wordsOf(query).content.map((w) => w.toLowerCase()));
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
