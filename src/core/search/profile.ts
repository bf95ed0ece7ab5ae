import type { SearchAdvice, SearchHit, SearchMode, SearchProfile, SearchStage, SearchTimings } from '../../shared/types.js';
import type { ParsedQuery } from '../query/parse.js';

/**
 * A stage is worth changing the query for only when it took at least half of the search: making
 * any other stage free could not even halve the time.
 */
export const DOMINANT_SHARE = 0.5;

/**
 * Chunks a text scan (a phrase, a regex) must cover before changing the query is worth it.
 * Measured on generated TypeScript: a DuckDB scan costs about 5 ms a query plus about 5 µs a
 * chunk, so below a thousand chunks the scan itself is no more than the fixed cost.
 */
export const ADVICE_MIN_CHUNKS = 1_000;

/**
 * Lexical candidates before a filter is worth suggesting: with fewer, the stage's time is mostly
 * reading the best chunks' text, which a filter does not shrink.
 */
export const NARROW_MIN_CANDIDATES = 1_000;

/** Folders named in one recommendation; the rest are counted. */
const FOLDERS_NAMED = 3;

/** How many items each stage handled, as the searcher measured them. */
export interface StageCounts {
  indexedChunks: number;
  phraseChunks: number | null;
  lexicalCandidates: number | null;
  regexChunksChecked: number | null;
  vectorsCompared: number | null;
}

/** How a regex search narrowed its scan. */
export interface RegexScan {
  prefilter: 'identifiers' | 'substrings' | 'none';
  re2: boolean;
}

/** Chunks and embedded chunks of one folder, for the model in use. */
export interface FolderEmbedding {
  folder: string;
  chunks: number;
  embedded: number;
}

export interface ProfileInput {
  mode: SearchMode;
  query: ParsedQuery;
  timings: SearchTimings;
  counts: StageCounts;
  /** Regex searches only. */
  regex: RegexScan | null;
  /** The ranked hits (the whole window, not one page). */
  hits: readonly SearchHit[];
  /** Per folder, when a semantic ranking ran; null otherwise. */
  embedding: readonly FolderEmbedding[] | null;
}

interface Dominant {
  stage: SearchStage;
  ms: number;
  share: number;
}

/**
 * Where a search's time went and what would make it faster or fuller, from its measured stage
 * times and counts only. Linear in the hits; nothing is read from the store.
 */
export function profileSearch(input: ProfileInput): SearchProfile {
  const dominant = dominantStage(input.timings);
  const advice = [
    regexWithoutLiteral(input, dominant),
    regexJavaScriptOnly(input, dominant),
    phraseScan(input, dominant),
    filterWouldNarrow(input, dominant),
    embeddingsIncomplete(input),
  ].filter((a): a is SearchAdvice => a !== null);
  return {
    dominantStage: dominant?.stage ?? null,
    dominantShare: dominant?.share ?? 0,
    counts: {
      ...input.counts,
      hitFolders: new Set(input.hits.map((h) => h.folder)).size,
      hitLanguages: new Set(input.hits.map((h) => h.language)).size,
    },
    regex: input.regex,
    cachedAgeMs: null,
    advice,
  };
}

function dominantStage(timings: SearchTimings): Dominant | null {
  let total = 0;
  let best: { stage: SearchStage; ms: number } | null = null;
  for (const [stage, ms] of Object.entries(timings) as Array<[SearchStage, number]>) {
    total += ms;
    if (ms > (best?.ms ?? 0)) best = { stage, ms };
  }
  return best && { ...best, share: best.ms / total };
}

/** The dominant stage when it is `stage` and took at least DOMINANT_SHARE of the search. */
function dominated(dominant: Dominant | null, stage: SearchStage): Dominant | null {
  return dominant?.stage === stage && dominant.share >= DOMINANT_SHARE ? dominant : null;
}

function regexWithoutLiteral({ query, counts, regex }: ProfileInput, dominant: Dominant | null): SearchAdvice | null {
  const scan = dominated(dominant, 'lexical');
  if (!scan || !regex || regex.prefilter !== 'none' || counts.indexedChunks < ADVICE_MIN_CHUNKS) return null;
  const alternation = query.regex!.source.includes('|') ? ' (in every | branch)' : '';
  return {
    code: 'regex-without-literal',
    message:
      `/${query.regex!.source}/ has no literal every match must contain, so ${regex.re2 ? 'RE2' : 'JavaScript'} read every chunk in scope ` +
      `(${number(counts.indexedChunks)} in the index) in ${timeAndShare(scan)}. Spell out a run of plain characters every match contains${alternation}, ` +
      'such as a whole word, and the index skips the chunks without it.',
  };
}

function regexJavaScriptOnly({ query, counts, regex }: ProfileInput, dominant: Dominant | null): SearchAdvice | null {
  const scan = dominated(dominant, 'lexical');
  const checked = counts.regexChunksChecked ?? 0;
  if (!scan || !regex || regex.re2 || checked < ADVICE_MIN_CHUNKS) return null;
  return {
    code: 'regex-javascript-only',
    message:
      `RE2 cannot run /${query.regex!.source}/ (lookaround or a backreference), so JavaScript read and checked ${number(checked)} chunks ` +
      `in ${timeAndShare(scan)}. Without that syntax RE2 drops the chunks that cannot match inside the database first.`,
  };
}

function phraseScan({ query, counts }: ProfileInput, dominant: Dominant | null): SearchAdvice | null {
  const lexical = dominated(dominant, 'lexical');
  // A phrase of punctuation alone has no words the index could answer instead.
  const phrase = query.phrases.find((p) => /[\p{L}\p{N}_]/u.test(p));
  if (!lexical || phrase === undefined || counts.phraseChunks === null || counts.indexedChunks < ADVICE_MIN_CHUNKS) return null;
  return {
    code: 'phrase-scan',
    message:
      `"${phrase}" was matched by scanning the text of all ${number(counts.indexedChunks)} chunks (${number(counts.phraseChunks)} hold it): ` +
      `with the ranking, ${timeAndShare(lexical)}. Unquoted, its words are answered from the in-memory index; keep the quotes where the exact wording matters.`,
  };
}

function filterWouldNarrow({ query, counts, hits }: ProfileInput, dominant: Dominant | null): SearchAdvice | null {
  const lexical = dominated(dominant, 'lexical');
  const candidates = counts.lexicalCandidates ?? 0;
  if (!lexical || candidates < NARROW_MIN_CANDIDATES) return null;
  const filters: string[] = [];
  const folder = query.filters.repos.length === 0 ? mostCommon(hits.map((h) => h.folder)) : null;
  if (folder) filters.push(`repo:${filterValue(folder.value)} (${folder.count} of ${hits.length} hits)`);
  // Files of no known language show as "text", which lang: cannot select.
  const language = query.filters.languages.length === 0 ? mostCommon(hits.map((h) => h.language).filter((l) => l !== 'text')) : null;
  if (language) filters.push(`lang:${language.value} (${language.count} of ${hits.length} hits)`);
  if (filters.length === 0) return null;
  const spread = [folder && `${folder.distinct} folders`, language && `${language.distinct} languages`].filter(Boolean).join(' and ');
  return {
    code: 'filter-would-narrow',
    message:
      `The lexical ranking scored ${number(candidates)} chunks holding the query's terms in ${timeAndShare(lexical)}, and the hits span ${spread}. ` +
      `${filters.join(' or ')} would score only the chunks it selects.`,
  };
}

function embeddingsIncomplete({ mode, embedding }: ProfileInput): SearchAdvice | null {
  const partial = (embedding ?? []).filter((f) => f.embedded < f.chunks).sort((a, b) => a.embedded / a.chunks - b.embedded / b.chunks);
  if (partial.length === 0) return null;
  const named = partial.slice(0, FOLDERS_NAMED).map((f) => `${f.folder} ${Math.floor((f.embedded / f.chunks) * 100)}% (${number(f.embedded)} of ${number(f.chunks)} chunks)`);
  const rest = partial.length > FOLDERS_NAMED ? ` and ${partial.length - FOLDERS_NAMED} more folders` : '';
  return {
    code: 'embeddings-incomplete',
    message:
      `Semantic results are partial: embedded so far ${named.join(', ')}${rest}. Chunks without a vector cannot be found by meaning ` +
      `until embedding finishes${mode === 'hybrid' ? '; their words still find them' : '; lexical or hybrid mode finds them by their words'}.`,
  };
}

/** The most frequent value, when there are at least two distinct ones (else a filter would cut nothing). */
function mostCommon(values: readonly string[]): { value: string; count: number; distinct: number } | null {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  if (counts.size < 2) return null;
  let best: [string, number] = ['', 0];
  for (const entry of counts) if (entry[1] > best[1]) best = entry;
  return { value: best[0], count: best[1], distinct: counts.size };
}

/** A filter value as the query parser reads it back: quoted when it holds a space or a quote. */
function filterValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
}

function timeAndShare(stage: Dominant): string {
  return `${stage.ms.toFixed(1)} ms (${Math.round(stage.share * 100)}% of the search)`;
}

/** Thousands separated by commas; cheaper than Intl, which costs microseconds a call. */
function number(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
