import { isAuxiliaryPath } from '../files/auxiliary-path.js';
import { termHash } from '../lexical/tokenize.js';
import { looksLikeIdentifier, nameParts } from '../query/analyze.js';
import type { Store } from '../store/store.js';
import { speaksInWords } from './filters.js';
import { chunkMeta, definedNames, symbolNames, type ChunkMeta } from './hits.js';
import type { RankedChunk } from './lexical.js';

/** Prose, comment and test chunks among this many best candidates may lend their score. */
const LENDERS = 12;
/** Identifiers taken from one lender: the first it names where it speaks of the query. */
const NAMES_PER_LENDER = 8;
/** Chunks read per named identifier, best BM25 first, to find its definition among. */
const DEFINITION_CANDIDATES = 24;
/** The share of a lender's score its definitions receive. */
const LEND_SHARE = 0.9;
/** How much a lent share is divided for a name defined in this many files (of its best-matching chunks). */
const AMBIGUITY = (files: number) => Math.sqrt(Math.max(1, files));
/** What prose among the lenders keeps of its score when it names no definition. */
const SILENT_PROSE_FACTOR = 0.5;

const CODE_SPAN = /`([^`\n]{1,120})`/g;
const WORD = /[\p{L}_$][\p{L}\p{N}_$]*(?:(?:\.|::)[\p{L}_$][\p{L}\p{N}_$]*)*/gu;

/** Where an explanation of a hit is: the prose or test chunk that named the hit's definition, and the name. */
export interface Explanation {
  path: string;
  startLine: number;
  name: string;
}

/**
 * Implementation first. Prose that answers a question names the code that does the work, in code
 * spans or as identifiers, and a test that describes it calls that code; the best such candidates
 * lend most of their score to the chunks that define those names, which then rank beside or above
 * the page or test, and it stays one click away as the definition's explanation. The lender
 * itself drops just below the best definition it lent to: definitions outrank mentions. Prose
 * among the lenders that names no definition keeps half its score.
 */
export function lendToDefinitions(
  store: Store,
  ranked: readonly RankedChunk[],
  allowed: ((chunkId: number) => boolean) | null,
  evidenceIn: (text: string) => number,
  testsLend: boolean,
): RankedChunk[] {
  const explanations = new Map<number, Explanation>();
  const scores = new Map(ranked.map((r) => [r.row.chunk_id, r.score]));
  const lenders = possibleLenders(ranked, testsLend).filter((r) => r.row.text !== undefined);
  if (lenders.length === 0) return [...ranked];
  const definitionsOf = new Map<string, Defining>();
  const lentTo = new Map<number, number[]>();
  for (const lender of lenders) {
    const names = namedIdentifiers(lender.row.text!, evidenceIn, speaksInWords(lender.row));
    const definitions = new Map<number, string>();
    for (const name of names.keys()) for (const id of cachedDefinitions(store, name, allowed, definitionsOf).ids) if (!definitions.has(id)) definitions.set(id, name);
    definitions.delete(lender.row.chunk_id);
    if (definitions.size === 0) continue;
    // A page naming many definitions says less about each of them, and a name defined in several
    // files (`__init__`, `new`) points at none of them surely.
    const full = (lender.score * LEND_SHARE) / Math.sqrt(definitions.size);
    for (const [id, name] of definitions) {
      const share = (full * names.get(name)!) / AMBIGUITY(definitionsOf.get(name)!.files);
      const before = scores.get(id) ?? 0;
      if (share <= before * 0.05) continue;
      scores.set(id, before + share);
      if (!explanations.has(id)) explanations.set(id, { path: lender.row.path, startLine: lineOf(lender.row.text!, name, lender.row.start_line), name });
      const lent = lentTo.get(lender.row.chunk_id);
      if (lent) lent.push(id);
      else lentTo.set(lender.row.chunk_id, [id]);
    }
  }
  // Prose that points at no code is no answer to a question about code: it goes below the code.
  for (const { row } of lenders) if (speaksInWords(row) && !lentTo.has(row.chunk_id)) scores.set(row.chunk_id, scores.get(row.chunk_id)! * SILENT_PROSE_FACTOR);
  for (const [lender, ids] of lentTo) {
    const best = Math.max(...ids.map((id) => scores.get(id)!));
    scores.set(lender, Math.min(scores.get(lender)!, best * 0.99));
  }
  const known = new Set(ranked.map((r) => r.row.chunk_id));
  const added = [...chunkMeta(store, [...scores.keys()].filter((id) => !known.has(id))).values()].map((row) => ({ row, score: 0 }));
  return [...ranked, ...added]
    .map((entry) => ({ ...entry, score: scores.get(entry.row.chunk_id)!, explainedBy: explanations.get(entry.row.chunk_id) ?? null }))
    .sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path));
}

/**
 * The candidates that lend if their text names definitions: the prose among the best, and with
 * `tests` the tests too. A test that matches a question describes the behaviour and calls the code
 * that has it; other code names what it uses, not what it is, and does not lend.
 */
export function possibleLenders<T extends { row: ChunkMeta }>(ranked: readonly T[], tests: boolean): T[] {
  return ranked.slice(0, LENDERS).filter((r) => speaksInWords(r.row) || (tests && isAuxiliaryPath(r.row.path)));
}

/**
 * The identifiers a lender names where it speaks of the query: the paragraphs holding the most
 * query evidence first, and in each its code spans (in prose only: in code, backticks quote
 * strings), then its identifier-shaped words. A page on several topics lends only to the names of
 * the one asked about, and a name counts as much as its paragraph speaks of the query: its
 * weight is that paragraph's evidence against the best paragraph's, squared (as coverage is).
 */
export function namedIdentifiers(text: string, evidenceIn: (text: string) => number, prose: boolean): Map<string, number> {
  const paragraphs = text
    .split(/\n\s*\n|\n(?=#)/)
    .map((paragraph) => ({ paragraph, evidence: evidenceIn(paragraph) }))
    .filter((p) => p.evidence > 0)
    .sort((a, b) => b.evidence - a.evidence);
  const names = new Map<string, number>();
  const best = paragraphs[0]?.evidence ?? 1;
  const name = (word: string, weight: number) => {
    const last = lastSegment(word);
    if (word.length >= 3 && !names.has(last)) names.set(last, weight);
  };
  for (const { paragraph, evidence } of paragraphs) {
    if (names.size >= NAMES_PER_LENDER) break;
    const weight = (evidence / best) ** 2;
    if (prose) for (const span of paragraph.matchAll(CODE_SPAN)) for (const word of span[1]!.match(WORD) ?? []) name(word, weight);
    for (const word of paragraph.match(WORD) ?? []) if (looksLikeIdentifier(word)) name(word, weight);
  }
  return new Map([...names].slice(0, NAMES_PER_LENDER));
}

/** An import of a name says nothing about it: `import`, `from … import`, `use`, `using`, `require(…)`, `#include`. */
const IMPORT_LINE = /^\s*(import|from|use|using|#include|(const|let|var)\s.*=\s*require\()/;

/** The line of the chunk where the name first appears, other than in an import (a test imports what it then calls). */
function lineOf(text: string, name: string, startLine: number): number {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.includes(name) && !IMPORT_LINE.test(line));
  const first = at !== -1 ? at : lines.findIndex((line) => line.includes(name));
  return first === -1 ? startLine : startLine + first;
}

/** `Scope.getOwnBinding` is defined as `getOwnBinding` (and `a::b`, `A#b`, `a->b` as `b`). */
export function lastSegment(word: string): string {
  return nameParts(word).at(-1)!;
}

/** A name's definitions, and how many files they are in. */
interface Defining {
  ids: number[];
  files: number;
}

function cachedDefinitions(store: Store, name: string, allowed: ((chunkId: number) => boolean) | null, cache: Map<string, Defining>): Defining {
  let defining = cache.get(name);
  if (!defining) {
    const rows = definingRows(store, name, allowed);
    cache.set(name, (defining = { ids: rows.map((row) => row.chunk_id), files: new Set(rows.map((row) => row.file_id)).size }));
  }
  return defining;
}

/**
 * Code chunks, outside tests and fixtures, that define `name` (it is among their definitions'
 * names; with `pieces`, also the pieces of a definition split across chunks), from the chunks that hold it.
 */
export function definitions(
  store: Store,
  name: string,
  allowed: ((chunkId: number) => boolean) | null,
  options: { pieces?: boolean; candidates?: number } = {},
): number[] {
  return definingRows(store, name, allowed, options).map((row) => row.chunk_id);
}

/** The chunks `definitions` finds, as rows. */
export function definingRows(
  store: Store,
  name: string,
  allowed: ((chunkId: number) => boolean) | null,
  { pieces = false, candidates = DEFINITION_CANDIDATES }: { pieces?: boolean; candidates?: number } = {},
): ChunkMeta[] {
  const holding = store.postings.holders(termHash(name.toLowerCase()), { allowed, limit: candidates });
  const lower = name.toLowerCase();
  return [...chunkMeta(store, holding.map((h) => h.chunkId)).values()].filter(
    (row) => !speaksInWords(row) && !isAuxiliaryPath(row.path) && (pieces ? definedNames(row) : symbolNames(row)).some((s) => s.toLowerCase() === lower),
  );
}
