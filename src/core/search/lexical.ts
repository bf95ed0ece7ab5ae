import type { DuckDBValue } from '@duckdb/node-api';
import type { HitSignal, SearchHit } from '../../shared/types.js';
import { isAuxiliaryPath } from '../files/auxiliary-path.js';
import { MAX_GROUPS, type QueryTerm } from '../lexical/postings-index.js';
import { distinctTerms, termHash } from '../lexical/tokenize.js';
import { analyzeWords, looksLikeIdentifier, nameParts, wordVariants, type WordAnalysis } from '../query/analyze.js';
import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { definingRows, definitions, lastSegment, lendToDefinitions, possibleLenders, type Explanation } from './doc-links.js';
import { asksForDocs, fileMatcher, filterClause, isProse, speaksInWords, wantsAuxiliaryFiles } from './filters.js';
import { chunkMeta, CHUNK_ROW_COLUMNS, definedNames, foldByFile, symbolNames, toHit, type ChunkMeta, type ChunkRow } from './hits.js';
import type { StageCounts } from './profile.js';
import { escapeRegex, rememberingMatcher, termMatcher, type LineMatcher } from './snippet.js';

/** Chunks ranked by BM25 that the boosts may reorder. */
const CANDIDATES = 300;
/** Of those, the best this many (after boosts) have their text read for the exact-case check. */
const TEXT_CANDIDATES = 60;
const PART_WEIGHT = 0.4;
const VARIANT_WEIGHT = 0.7;
/** How much a path that spells all of the query's words lifts a chunk. */
const PATH_WEIGHT = 2;
/** Path terms held by more than this share of files are not used to find candidates. */
const PATH_TERM_MAX_SHARE = 0.02;
/** Files whose paths best spell the query, and how many of their chunks join the candidates. */
const PATH_FILES = 20;
const PATH_CANDIDATES = 30;
/** A question in plain words is often answered by code that shares only some of its words: a lack of them costs less. */
const DESCRIPTIVE_COVERAGE_POWER = 1.5;
/** The boost for a definition whose name is a plain word of a descriptive question. */
const DESCRIPTIVE_SYMBOL_BOOST = 1.2;
/** Tests, fixtures, docs and examples, unless asked for: below source, and further below for a question about how something works. */
const AUXILIARY_FACTOR = 0.6;
const DESCRIPTIVE_AUXILIARY_FACTOR = 0.4;

const DEFINITION_KINDS = new Set(['function', 'class', 'method']);
/** Manifests, settings and data: they configure or feed the implementation, rarely are it. */
const DATA_LANGUAGES = new Set(['json', 'yaml', 'toml', 'xml', 'ini', 'csv']);
const IDENTIFIER = /[\p{L}\p{N}_$]+(?:-[\p{L}\p{N}_$]+)*/gu;

type Condition = { sql: string; params: DuckDBValue[] };

/** A ranked chunk; its text is read only when needed (boosts, snippets). */
export interface RankedChunk {
  row: ChunkMeta & { text?: string };
  score: number;
  /** The prose or test that named this definition and lent it score, shown beside it. */
  explainedBy?: Explanation | null;
  /** Where the chunk's meaning stands against the query's background, when it was searched by meaning. */
  semantic?: { z: number; evidence: number };
}

/**
 * Hits for ranked chunks: one per file, with the query's words highlighted, a relevance against
 * the best of the ranking and the signals behind each; missing texts are read here.
 */
export async function rankedHits(store: Store, ranked: readonly RankedChunk[], query: ParsedQuery, limit: number): Promise<SearchHit[]> {
  const byId = new Map(ranked.map((r) => [r.row.chunk_id, r]));
  const folded = foldByFile(ranked.map((r) => r.row), limit);
  const texts = await chunkTexts(store, folded.filter(({ row }) => row.text === undefined).map(({ row }) => row.chunk_id));
  // Each hit's lines are matched once, for its snippet and its signals alike.
  const matcher = rememberingMatcher(highlighting(query).matcher);
  const best = ranked[0]?.score ?? 0;
  return folded.map(({ row, more }) => {
    const entry = byId.get(row.chunk_id)!;
    const text = row.text ?? texts.get(row.chunk_id) ?? '';
    // A doc's heading is no definition: the hit shows the whole heading, not the word matched.
    const defined = definesNothing(row) ? null : matchedSymbol(store, row, query);
    const named = defined ?? entry.explainedBy?.name ?? null;
    const hit = toHit({ ...row, text }, entry.score, more, matcher, { best, signals: signalsOf(store, entry, text, defined, query, matcher), explainedBy: entry.explainedBy && { path: entry.explainedBy.path, startLine: entry.explainedBy.startLine } });
    return { ...hit, symbol: named ?? row.symbol };
  });
}

const highlightings = new WeakMap<ParsedQuery, { forms: string[][]; matcher: LineMatcher }>();

/** Each content word's forms (as typed, other forms, identifier parts) and a matcher for all of them and the phrases; once per query. */
function highlighting(query: ParsedQuery): { forms: string[][]; matcher: LineMatcher } {
  let known = highlightings.get(query);
  if (!known) {
    const { content, variants } = wordsOf(query);
    const forms = content.map((w, i) => [...new Set([w, ...variants[i]!, ...distinctTerms(w)].map((f) => f.toLowerCase()))]);
    highlightings.set(query, (known = { forms, matcher: termMatcher(forms.flat(), query.phrases) }));
  }
  return known;
}

/** How many of the query's words a text holds, in any of their forms; line by line, as snippets are matched. */
function wordsHeld(query: ParsedQuery, matcher = highlighting(query).matcher): (text: string) => number {
  const { forms } = highlighting(query);
  return (text) => {
    const matched = new Set<string>();
    for (const line of text.split('\n')) for (const [start, end] of matcher(line)) matched.add(line.slice(start, end).toLowerCase());
    return forms.filter((f) => f.some((form) => matched.has(form))).length;
  };
}

/** The evidence behind a hit, in words: how much of the query its text holds, what it defines, its path, the prose or test naming it, its meaning. */
function signalsOf(store: Store, entry: RankedChunk, text: string, defined: string | null, query: ParsedQuery, matcher: LineMatcher): HitSignal[] {
  const { forms } = highlighting(query);
  const signals: HitSignal[] = [];
  const held = wordsHeld(query, matcher)(text);
  if (held > 0) signals.push({ kind: 'text', detail: `holds ${held} of ${forms.length} ${forms.length === 1 ? 'word' : 'words'}` });
  if (defined) signals.push({ kind: 'definition', detail: `defines ${defined}` });
  const spelled = pathWords(store, entry.row.file_id, query);
  if (spelled.length > 0) signals.push({ kind: 'path', detail: `path spells ${spelled.join(', ')}` });
  if (entry.explainedBy) signals.push({ kind: 'doc', detail: `${entry.explainedBy.name} is named in ${entry.explainedBy.path}:${entry.explainedBy.startLine}` });
  if (entry.semantic) {
    const { z, evidence } = entry.semantic;
    signals.push({ kind: 'semantic', detail: `meaning ${z.toFixed(1)} spreads above the background (${Math.round(evidence * 100)}% evidence)` });
  }
  return signals;
}

/**
 * Ranked lexical search: BM25 over identifier-aware postings (in memory), weighted by how many of
 * the query's words a chunk covers, then boosted for symbol and exact identifier matches and
 * definitions, with tests, docs and fixtures mildly demoted unless asked for. Best first; texts are
 * read only where something looks at them. Counts the candidates it scored.
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
  const ranked = store.postings.score(terms, groups, { allowed: admissible, limit: CANDIDATES, tally, preferred: pathMatches(store, query).preferred, coveragePower: wordsOf(query).descriptive ? DESCRIPTIVE_COVERAGE_POWER : 2 });
  counts.lexicalCandidates = tally.scored;
  if (ranked.length === 0) return [];

  // Boost on metadata, keep the best, then boost on the exact identifier as typed.
  const meta = chunkMeta(store, ranked.map((r) => r.chunkId));
  const boostOf = booster(store, query);
  const boosted = ranked
    .flatMap((r) => {
      const row = meta.get(r.chunkId);
      return row ? [{ row, score: r.score * boostOf(row) }] : [];
    })
    .sort(byScore)
    .slice(0, Math.max(TEXT_CANDIDATES, limit * 3));
  const lone = wordsOf(query).content.length === 1;
  const lends = !lone && !asksForDocs(query);
  // Unless docs or tests are asked for, code is the answer: a name typed among other words is
  // answered where it is defined, and its definitions are candidates even where they hold none of
  // the other words (`definitionFirst` then puts the best of them first).
  const codeFirst = lends && !wantsAuxiliaryFiles(query.filters, query.words);
  if (codeFirst) boosted.push(...namedDefinitions(store, query, admissible, boosted));
  // Tests lend for a question of plain words (two plain words name a thing as often as they ask,
  // and reading tests' texts cost them 2 ms at 100K chunks) that does not ask for tests.
  const testsLend = codeFirst && wordsOf(query).descriptive;
  // Texts are read where they are looked at: every candidate's when the query names an identifier
  // (the exact-case boost), else only those that may lend; the hits' own come with their snippets.
  const readers = namedWords(query).length > 0 ? boosted : lends ? possibleLenders(boosted, testsLend) : [];
  const texts = await chunkTexts(store, readers.map((b) => b.row.chunk_id));
  const scored = boosted
    .map(({ row, score }) => {
      const text = texts.get(row.chunk_id) ?? (readers === boosted ? '' : undefined);
      return text === undefined ? { row, score } : { row: { ...row, text }, score: score * exactIdentifierBoost(text, query) };
    })
    .sort(byScore);
  // A lone name: its definition comes before the places that use it.
  if (lone) return definitionFirst(store, scored, query);
  // A question, not a request for docs: the prose and tests it matches point at the implementation.
  const lent = lends ? lendToDefinitions(store, scored, admissible, wordsHeld(query), testsLend) : scored;
  // A question about a typed name (`makeWeakCache memoizing results`) is answered where it is defined.
  const named = namedWords(query);
  return codeFirst && named.length > 0 ? definitionFirst(store, lent, query, new Set(named.map((w) => w.toLowerCase()))) : lent;
}

/** The definitions of the query's typed names that are not among the candidates yet, with no score of their own. */
function namedDefinitions(store: Store, query: ParsedQuery, admissible: Admissible | null, candidates: ReadonlyArray<{ row: ChunkMeta }>): Array<{ row: ChunkMeta; score: number }> {
  const known = new Set(candidates.map((c) => c.row.chunk_id));
  // An unqualified name a candidate already defines needs no lookup; a qualified one may be defined elsewhere too.
  const defined = (word: string) => nameParts(word).length === 1 && candidates.some((c) => definedNames(c.row).some((name) => name.toLowerCase() === word.toLowerCase()));
  const names = [...new Set(namedWords(query).filter((word) => !defined(word)).map(lastSegment))].slice(0, MAX_GROUPS);
  const ids = new Set(names.flatMap((name) => definitions(store, name, admissible, { pieces: true })).filter((id) => !known.has(id)));
  return [...chunkMeta(store, [...ids]).values()].map((row) => ({ row, score: 0 }));
}

/** Declaration files (TypeScript's `.d.ts`, Python's `.pyi` stubs): they declare what is implemented elsewhere. */
const DECLARATION_FILE = /\.d\.[cm]?ts$|\.pyi$/;

/** How surely a qualifier places a definition: its file defines the qualifier, names it in the signature or is named after it; or only a directory is. */
const DIRECTORY_FIT = 1;
const FILE_FIT = 2;
type QualifierFit = typeof DIRECTORY_FIT | typeof FILE_FIT;

/** Placed by its file, spelt as typed, and not in a declaration file: no definition is preferred to it. */
const BEST_PREFERENCE = 4 * FILE_FIT + 2 + 1;

/**
 * The best code (not a test, prose or data) that defines the name (one of `words`) is lifted above the
 * chunks that only mention it, which keep their order. A qualified name's definition in a file that
 * defines its qualifier comes before one in a directory named so (`Buf::chunks_vectored` is the
 * trait's, not an implementation's under `buf/`); then spelt as typed when typed with a capital
 * (`ProgressBar` is the class, not the function `progressbar` that makes one); then an
 * implementation before a declaration file's definition of the same name.
 */
function definitionFirst(store: Store, ranked: RankedChunk[], query: ParsedQuery, words = lowerWords(query)): RankedChunk[] {
  // Smart case, as for phrases: only a name typed with a capital asks for its exact spelling.
  const typed = new Set(namedWords(query).map(lastSegment).filter((name) => /\p{Lu}/u.test(name)));
  const preference = (r: RankedChunk) => {
    if (definesNothing(r.row) || isAuxiliaryPath(r.row.path)) return -1;
    const names = definedNames(r.row);
    const match = symbolMatch(store, r.row, query, words, names);
    if (match === null) return -1;
    return 4 * match.fit + (names.some((name) => typed.has(name)) ? 2 : 0) + (DECLARATION_FILE.test(r.row.path) ? 0 : 1);
  };
  let definition: RankedChunk | undefined;
  let preferred = -1;
  for (const r of ranked) {
    const p = preference(r);
    if (p > preferred) [definition, preferred] = [r, p];
    if (preferred === BEST_PREFERENCE) break;
  }
  const best = ranked[0];
  if (!definition || !best || best === definition) return ranked;
  const lifted = { ...definition, score: best.score / 0.99 };
  return [lifted, ...ranked.filter((r) => r !== definition)];
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
  const { content, variants } = wordsOf(query);
  [...content, ...query.phrases].slice(0, MAX_GROUPS).forEach((text, group) => {
    const wholes = new Set((text.match(IDENTIFIER) ?? []).map((w) => w.toLowerCase()));
    for (const term of distinctTerms(text)) {
      const whole = wholes.has(term);
      terms.push({ hash: termHash(term), weight: whole ? 1 : PART_WEIGHT, group, whole });
    }
    // A plain word also matches its other forms, as a whole word, a little below the form typed.
    if (group < content.length) for (const variant of variants[group]!) terms.push({ hash: termHash(variant), weight: VARIANT_WEIGHT, group, whole: true });
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
    const passing: number[] = [];
    let highest = 0;
    for (const [id, file] of store.scope.files) {
      if (!matches(file)) continue;
      passing.push(id);
      highest = Math.max(highest, id);
    }
    // A flag per file id: this is asked for every posting the scorer visits.
    const allowed = new Uint8Array(highest + 1);
    for (const id of passing) allowed[id] = 1;
    return (chunkId) => allowed[store.postings.fileOf(chunkId)] === 1;
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

/** The metadata boost of a candidate chunk, with what it needs of the query worked out once. */
function booster(store: Store, query: ParsedQuery): (row: ChunkMeta) => number {
  const analysis = wordsOf(query);
  const words = lowerWords(query);
  const squashed = new Set([...words].map(squash));
  const pathGroups = pathMatches(store, query).groups;
  const pathWeight = (analysis.descriptive ? PATH_WEIGHT : PATH_WEIGHT / 2) / analysis.content.length;
  const demote = !wantsAuxiliaryFiles(query.filters, query.words);
  const docsAsked = asksForDocs(query);
  return (row) => {
    let factor = 1;
    // A plain word of a question that happens to be a definition's name (`options`, `state`) names it far less surely than a typed identifier.
    if (canBeNamed(row, docsAsked)) {
      if (words.has(row.symbol?.toLowerCase() ?? '')) factor *= analysis.descriptive ? DESCRIPTIVE_SYMBOL_BOOST : 2.5;
      else if (matchedSymbol(store, row, query)) factor *= analysis.descriptive ? DESCRIPTIVE_SYMBOL_BOOST : 1.8;
    }
    if (DEFINITION_KINDS.has(row.kind)) factor *= 1.15;
    const base = row.path.slice(row.path.lastIndexOf('/') + 1).toLowerCase();
    if (squashed.has(squash(base.includes('.') ? base.slice(0, base.indexOf('.')) : base))) factor *= 1.4;
    const spelled = bitCount(pathGroups.get(row.file_id) ?? 0);
    if (spelled > 0) factor *= 1 + pathWeight * spelled;
    // Asked for ("how to configure …", "guide"), docs are what is wanted, wherever they are filed.
    if (demote && !(docsAsked && isProse(row) && !isChangeLog(row))) {
      if (isChangeLog(row)) factor *= CHANGELOG_FACTOR;
      else if (isAuxiliaryPath(row.path)) factor *= analysis.descriptive ? DESCRIPTIVE_AUXILIARY_FACTOR : AUXILIARY_FACTOR;
      // Manifests and settings configure the implementation; a question about behaviour is answered by it.
      else if (DATA_LANGUAGES.has(row.language) && analysis.descriptive && !docsAsked) factor *= DESCRIPTIVE_AUXILIARY_FACTOR;
      else if (definesNothing(row)) factor *= 0.8;
    }
    return factor;
  };
}

/** Prose, comment chunks and data files: a heading, a comment's enclosing name or a key is named like a definition, but defines nothing. */
function definesNothing(row: ChunkMeta): boolean {
  return speaksInWords(row) || DATA_LANGUAGES.has(row.language);
}

/** Whether the query can name the chunk by its symbols: code always; a doc's headings, a comment chunk's enclosing name and a data file's keys only when docs are asked for. */
function canBeNamed(row: ChunkMeta, docsAsked: boolean): boolean {
  return docsAsked || !definesNothing(row);
}

/** `file_name` and `file-name` are `filename`. */
function squash(word: string): string {
  return word.replace(/[-_]/g, '');
}

function bitCount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
  return count;
}

/**
 * What the query's words spell in paths (`parentheses.ts` for "where are parentheses needed"):
 * per file, the bits of the words its directories and name spell, and the files that spell the
 * rarest of them best. In those files' chunks the words count as matched, and their best chunks
 * stay candidates even when their text says it in other words. Worked out once per query from the
 * path-term index; a directory most files sit in (`src`, `packages`) says nothing and is left out.
 */
interface PathMatches {
  groups: Map<number, number>;
  preferred: { files: ReadonlyMap<number, number>; limit: number } | null;
}

const pathMatchesByQuery = new WeakMap<ParsedQuery, PathMatches>();

function pathMatches(store: Store, query: ParsedQuery): PathMatches {
  const known = pathMatchesByQuery.get(query);
  if (known) return known;
  const { content } = wordsOf(query);
  const fileCount = Math.max(1, store.scope.files.size);
  // Test fixtures are often named after what they exercise: they are found by path only when asked for.
  const admitted = wantsAuxiliaryFiles(query.filters, query.words) ? () => true : (file: number) => !isAuxiliaryPath(store.scope.files.get(file)?.path ?? '');
  const files = new Map<number, { weight: number; groups: number }>();
  content.slice(0, MAX_GROUPS).forEach((word, group) => {
    const weights = new Map<number, number>();
    // A word's own forms only: a two-word term's short name in a directory (`crates/regex`) marks a whole subsystem, rarely the answer.
    for (const form of [word, ...wordVariants(word)]) {
      const holders = store.scope.filesWithPathTerm(termHash(form.toLowerCase()));
      if (holders.size === 0 || holders.size > fileCount * PATH_TERM_MAX_SHARE) continue;
      const idf = Math.log(1 + fileCount / holders.size);
      for (const file of holders) if (admitted(file)) weights.set(file, Math.max(weights.get(file) ?? 0, idf));
    }
    for (const [file, weight] of weights) {
      const seen = files.get(file) ?? { weight: 0, groups: 0 };
      files.set(file, { weight: seen.weight + weight, groups: seen.groups | (1 << group) });
    }
  });
  const groups = new Map([...files].map(([file, match]) => [file, match.groups]));
  let preferred: PathMatches['preferred'] = null;
  if (content.length > 1 && files.size > 0) {
    const chosen = new Map([...files].sort((x, y) => y[1].weight - x[1].weight).slice(0, PATH_FILES).map(([file, match]) => [file, match.groups]));
    preferred = { files: chosen, limit: PATH_CANDIDATES };
  }
  const matches = { groups, preferred };
  pathMatchesByQuery.set(query, matches);
  return matches;
}

/** The query's words that a file's path spells. */
function pathWords(store: Store, fileId: number, query: ParsedQuery): string[] {
  const bits = pathMatches(store, query).groups.get(fileId) ?? 0;
  return wordsOf(query).content.filter((_, group) => (bits >> group) & 1);
}

/** Release notes tell the history of every feature in the words of its users: rarely the answer to how it works now. */
const CHANGELOG = /(^|\/)(change_?logs?|changes|history|news|release[-_]?notes|releases|upgrading|migrating|migration[-_]?guide)([-_.][^/]*)?$/i;
const CHANGELOG_FACTOR = 0.4;

/** Release and upgrade notes: prose named so (`CHANGELOG.md`, `HISTORY.rst`, `UPGRADING.md`), never code (`history.ts`). */
function isChangeLog(row: ChunkMeta): boolean {
  return isProse(row) && CHANGELOG.test(row.path);
}

const lowered = new WeakMap<ParsedQuery, ReadonlySet<string>>();

/** The query's content words in lower case, once per query. */
function lowerWords(query: ParsedQuery): ReadonlySet<string> {
  let words = lowered.get(query);
  if (!words) lowered.set(query, (words = new Set(wordsOf(query).content.map((w) => w.toLowerCase()))));
  return words;
}

const analyses = new WeakMap<ParsedQuery, WordAnalysis>();

/** The query's words sorted into those that carry it, worked out once per query. */
function wordsOf(query: ParsedQuery): WordAnalysis {
  let analysis = analyses.get(query);
  if (!analysis) analyses.set(query, (analysis = analyzeWords(query.words)));
  return analysis;
}

/** How directly the query names this chunk: 2 one of its definitions, 1 an identifier it uses, exactly as typed, else 0. */
export function namingStrength(store: Store, row: RankedChunk['row'], query: ParsedQuery): number {
  if (canBeNamed(row, asksForDocs(query)) && matchedSymbol(store, row, query) !== null) return 2;
  return row.text !== undefined && exactIdentifierBoost(row.text, query) > 1 ? 1 : 0;
}

/** The identifier exactly as typed (case and all) is a strong sign of the thing meant. */
function exactIdentifierBoost(text: string, query: ParsedQuery): number {
  return namedWords(query).some((w) => containsIdentifier(text, w)) ? 1.3 : 1;
}

const namedByQuery = new WeakMap<ParsedQuery, string[]>();

/** The words typed as names: a lone word, or among several only identifier-shaped ones (a prose word occurs everywhere); once per query. */
function namedWords(query: ParsedQuery): string[] {
  let named = namedByQuery.get(query);
  if (!named) {
    const { content } = wordsOf(query);
    named = (content.length === 1 ? content : content.filter(looksLikeIdentifier)).filter((w) => w.length >= 3 && /[\p{L}_$]/u.test(w));
    namedByQuery.set(query, named);
  }
  return named;
}

/**
 * The chunk's definition the query names, so a hit reports the method asked for, not its class. A
 * qualified name (`Session.request`, `Searcher::search_path`) names a definition of its last part
 * in a file whose path holds the qualifier, as classes and modules are usually filed, in a file
 * that defines the qualifier too (`impl CommandSet`, a Java class and its methods), or with the
 * qualifier in its signature (Go's `func (c *Command) Run(`, C++'s `void Command::Run(`), where its text was read.
 */
function matchedSymbol(store: Store, row: RankedChunk['row'], query: ParsedQuery, words = lowerWords(query), names = symbolNames(row)): string | null {
  return symbolMatch(store, row, query, words, names)?.name ?? null;
}

/** The name matched, as matchedSymbol, and how surely (a name typed unqualified is sure). */
function symbolMatch(store: Store, row: RankedChunk['row'], query: ParsedQuery, words: ReadonlySet<string>, names: readonly string[]): { name: string; fit: QualifierFit } | null {
  const qualified = qualifiedNames(store, query);
  let best: { name: string; fit: QualifierFit } | null = null;
  for (const name of names) {
    const lower = name.toLowerCase();
    if (words.has(lower)) return { name, fit: FILE_FIT };
    for (const q of qualified.get(lower) ?? []) {
      const fit = qualifierFit(row, q);
      if (fit !== null && (best === null || fit > best.fit)) best = { name, fit };
    }
  }
  return best;
}

/** A directory or the file's name (or a dotted part of it) that is the qualifier or its plural places classes and modules as they are usually filed. */
function qualifierFit(row: RankedChunk['row'], q: Qualifier): QualifierFit | null {
  if (q.files.has(row.file_id) || (row.text !== undefined && q.signature.test(row.text))) return FILE_FIT;
  const names = (pieces: string[]) => pieces.some((piece) => squash(piece) === q.squashed || squash(piece) === `${q.squashed}s`);
  const parts = row.path.toLowerCase().split('/');
  // The file's name without its extension: `ts.createProgram` is not in every `.ts` file.
  const file = parts.at(-1)!.split('.');
  if (names(file.length > 1 ? file.slice(0, -1) : file)) return FILE_FIT;
  return parts.slice(0, -1).some((part) => names(part.split('.'))) ? DIRECTORY_FIT : null;
}

const QUALIFIER_CANDIDATES = 400;

interface Qualifier {
  /** As path parts are compared: lower case, separators squashed. */
  squashed: string;
  /** The files that define it. */
  files: ReadonlySet<number>;
  /** A line naming the qualifier, then the name opening a parameter list: a method's signature. */
  signature: RegExp;
}

const qualifiedByQuery = new WeakMap<ParsedQuery, ReadonlyMap<string, Qualifier[]>>();

/** Per last part of each qualified word, in lower case, the qualifier just before it (`a.b.c` → c: [b]); once per query. */
function qualifiedNames(store: Store, query: ParsedQuery): ReadonlyMap<string, Qualifier[]> {
  let names = qualifiedByQuery.get(query);
  if (!names) {
    const built = new Map<string, Qualifier[]>();
    const filesDefining = new Map<string, ReadonlySet<number>>();
    // As many words as are scored: a pasted stack trace is not hundreds of lookups.
    for (const word of wordsOf(query).content.slice(0, MAX_GROUPS)) {
      const parts = nameParts(word);
      if (parts.length < 2) continue;
      const last = parts.at(-1)!.toLowerCase();
      const qualifier = parts.at(-2)!;
      let files = filesDefining.get(qualifier);
      if (!files) {
        // As typed: `render.JSON` names the package, not the files that define a `Render` method. A
        // type's name is used far more than it is defined (`opts` in every function), hence the wide look.
        const defining = definingRows(store, qualifier, null, { candidates: QUALIFIER_CANDIDATES }).filter((row) => symbolNames(row).includes(qualifier));
        filesDefining.set(qualifier, (files = new Set(defining.map((row) => row.file_id))));
      }
      const signature = new RegExp(`\\b${escapeRegex(qualifier)}\\b[^\\n]*\\b${escapeRegex(parts.at(-1)!)}\\s*[(<]`);
      built.set(last, [...(built.get(last) ?? []), { squashed: squash(qualifier.toLowerCase()), files, signature }]);
    }
    qualifiedByQuery.set(query, (names = built));
  }
  return names;
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
