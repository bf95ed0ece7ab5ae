import type { ParsedQuery } from '../query/parse.js';
import type { Store } from '../store/store.js';
import { chunkMeta } from './hits.js';
import type { Admissible, RankedChunk } from './lexical.js';
import type { StageCounts } from './profile.js';
import type { VectorIndex } from './vector-index.js';

const CANDIDATES = 100;
/** Nearest texts read per result wanted when a scope will filter some out. */
const OVERFETCH = 4;
/** Reciprocal rank fusion constant (Cormack et al.): dampens the weight of top ranks. */
const RRF_K = 60;
/** Standard deviations past chance at which a semantic hit counts in full. */
const EVIDENCE_SPAN = 2;

/**
 * How one query's similarities stand: the background's mean and spread (the query against the
 * texts at large), how many texts the nearest were chosen from, and the tail of the nearest.
 */
export interface Calibration {
  mean: number;
  sd: number;
  population: number;
  /** The upper tail of the query's own nearest texts (`tailOf`), when there were enough of them. */
  tail?: Tail;
}

/**
 * The upper tail of a query's similarities, read from its own nearest texts: `floor` the K-th
 * nearest's score, `scale` the tail's scale and `count` K. Fitted as an exponential tail (the
 * Gumbel domain, where a Gaussian's tail and heavier ones such as a bag of words' both lie): by
 * Rényi's representation its spacings i·(s_i − s_{i+1}) are independent draws averaging the scale.
 */
export interface Tail {
  floor: number;
  scale: number;
  count: number;
}

/** The spacings from this rank down give the tail's scale: the best few, where any signal is, are left out of it. */
const TAIL_FROM = 10;
/** Fewest nearest texts a tail is fitted to: with fewer, the Gaussian chance level judges alone. */
const TAIL_MIN = 30;
/** How many of the best draw's own spreads (pi / sqrt(6) scales) past its expected place a hit must lie to count. */
const TAIL_SPREADS = 3;
const GUMBEL_SD = Math.PI / Math.sqrt(6);

/** The tail of a query's similarities from its nearest texts' scores (best first), or none when there are too few to fit one. */
export function tailOf(scores: readonly number[]): Tail | undefined {
  const count = scores.length;
  if (count < TAIL_MIN) return undefined;
  let sum = 0;
  for (let i = TAIL_FROM; i < count; i++) sum += i * (scores[i - 1]! - scores[i]!);
  return { floor: scores[count - 1]!, scale: sum / (count - TAIL_FROM), count };
}

/**
 * How far the best of a tail's `count` texts lies above the lowest, in the tail's scales, when none
 * of them means anything: the best's expected place H(count − 1) plus three of its spreads, so
 * chance passes it about once in a few hundred queries, as with `chanceLevel`.
 */
export function tailChance(count: number): number {
  let harmonic = 0;
  for (let i = 1; i < count; i++) harmonic += 1 / i;
  return harmonic + TAIL_SPREADS * GUMBEL_SD;
}

/**
 * The most the best of `population` unrelated texts scores by chance, in spreads above the
 * background's mean: the Gaussian maximum's location sqrt(2 ln N) plus three of its own standard
 * deviations (pi / sqrt(6) / sqrt(2 ln N)), so chance passes it about once in a few hundred queries.
 */
export function chanceLevel(population: number): number {
  const location = Math.sqrt(2 * Math.log(Math.max(2, population)));
  return location + (3 * Math.PI) / Math.sqrt(6) / location;
}

/**
 * How much a semantic hit is evidence, 0 to 1, judged twice, the lesser counting:
 * - against its query's background taken as Gaussian: 0 up to the chance level, 1 from
 *   EVIDENCE_SPAN spreads beyond it;
 * - against the upper tail of the query's own nearest texts (`tailOf`): 0 up to where the best of
 *   them lies by chance (`tailChance`), 1 from EVIDENCE_SPAN of the best's spreads beyond it.
 * A model whose vectors carry no information puts its top hits at chance, so its list weighs
 * nothing: reciprocal ranks are so close (1/61 against 1/63) that even a little weight would reorder
 * the lexical leaders. The Gaussian alone is not enough: a static model's vector is a mean of token
 * rows, so even random rows make similarity follow the tokens texts share, and the background gets
 * a heavy tail (short texts sharing a token with the query): on babel, with a random static pack,
 * the 100th nearest text often lies past the Gaussian chance level. The tail test asks a hit to
 * stand out from the texts nearest the query, however heavy their tail.
 */
export function evidence(score: number, calibration: Calibration): number {
  if (!(calibration.sd > 0)) return 0;
  const z = (score - calibration.mean) / calibration.sd;
  const gaussian = Math.min(1, Math.max(0, (z - chanceLevel(calibration.population)) / EVIDENCE_SPAN));
  const { tail } = calibration;
  if (!tail) return gaussian;
  if (!(tail.scale > 0)) return 0;
  const t = (score - tail.floor) / tail.scale;
  return Math.min(gaussian, Math.max(0, (t - tailChance(tail.count)) / (EVIDENCE_SPAN * GUMBEL_SD)));
}

/** The text a query's meaning is read from: its words and phrases, without filters. */
export function semanticText(query: ParsedQuery): string {
  return [...query.words, ...query.phrases].join(' ').trim();
}

/**
 * A semantic hit judged against its query's background: `semantic.z`, (score − background mean) /
 * background spread, comparable across models, and `semantic.evidence`, 0 to 1.
 */
export interface SemanticHit extends RankedChunk {
  semantic: { z: number; evidence: number };
}

/**
 * Chunks nearest to the query vector, best first, among the admissible ones (filters, phrases),
 * each judged against the query's background and the tail of its nearest texts. A text that occurs
 * in several chunks (the vector is per text) yields all of them. Counts the vectors compared.
 */
export function rankSemantic(
  store: Store,
  queryVector: Float32Array,
  vectors: VectorIndex,
  admissible: Admissible | null,
  counts: StageCounts,
  /** A better tier's vectors: the texts it holds are its to judge (see mergeTiers), so they are not searched here. */
  covered: VectorIndex | null = null,
): SemanticHit[] {
  const tally = { compared: 0 };
  let texts: number[] = [];
  const ranked = nearestAdmissible(store, admissible, (k, allowed = null) => {
    const nearest = vectors.search(queryVector, k, allowed, 'auto', tally, covered);
    // The tail is fitted to the nearest texts, not chunks: a text in several chunks counts once.
    texts = nearest.slice(0, CANDIDATES).map((text) => text.score);
    return nearest;
  });
  counts.vectorsCompared = (counts.vectorsCompared ?? 0) + tally.compared;
  return judge(ranked, { ...vectors.background(queryVector), population: vectors.size, tail: tailOf(texts) });
}

/** Each ranked chunk's standard score and evidence under the calibration. */
export function judge(ranked: readonly RankedChunk[], calibration: Calibration): SemanticHit[] {
  return ranked.map((entry) => {
    const z = calibration.sd > 0 ? (entry.score - calibration.mean) / calibration.sd : 0;
    return { ...entry, semantic: { z, evidence: evidence(entry.score, calibration) } };
  });
}

/**
 * One semantic ranking from each tier's (best tier first): a chunk is judged by the best vectors
 * its text has, so a later tier's hit is dropped where an earlier tier has a vector for the text.
 * Ordered by standard score, which tiers share where raw similarities do not.
 */
export function mergeTiers(store: Store, tiers: ReadonlyArray<{ hits: SemanticHit[]; vectors: VectorIndex }>): SemanticHit[] {
  const merged: SemanticHit[] = [];
  const seen = new Set<number>();
  tiers.forEach(({ hits }, tier) => {
    for (const hit of hits) {
      if (seen.has(hit.row.chunk_id)) continue;
      const hash = store.scope.chunk(hit.row.chunk_id)?.hash;
      if (hash !== undefined && tiers.slice(0, tier).some((better) => better.vectors.has(hash))) continue;
      seen.add(hit.row.chunk_id);
      merged.push(hit);
    }
  });
  return merged.sort((a, b) => b.semantic.z - a.semantic.z || a.row.path.localeCompare(b.row.path));
}

type Nearest = (k: number, allowed?: ((hash: string) => boolean) | null) => Array<{ hash: string; score: number }>;

function nearestAdmissible(store: Store, admissible: Admissible | null, nearest: Nearest): RankedChunk[] {
  if (!admissible) return nearestChunks(store, nearest(CANDIDATES));
  // Scoped: most scopes keep plenty of the nearest texts, so filter those first; a narrow one
  // searches among its own texts (phrases came with theirs).
  if (!admissible.hashes) {
    const texts = nearest(CANDIDATES * OVERFETCH);
    const wide = nearestChunks(store, texts, admissible);
    // Fewer texts than asked for were every text there is to search (a fast tier's, say, where the
    // better tier holds the rest): a narrower search would find no others.
    if (wide.length >= CANDIDATES / 2 || texts.length < CANDIDATES * OVERFETCH) return wide;
  }
  const hashes = admissible.hashes ?? admissibleHashes(store, admissible);
  return nearestChunks(store, nearest(CANDIDATES, (hash) => hashes.has(hash)), admissible);
}

/** The (admissible) chunks holding the nearest texts, best first. */
function nearestChunks(store: Store, nearest: Array<{ hash: string; score: number }>, admissible: Admissible | null = null): RankedChunk[] {
  if (nearest.length === 0) return [];
  const scores = new Map<number, number>();
  for (const { hash, score } of nearest) {
    for (const id of store.scope.chunksWithText(hash)) if (!admissible || admissible(id)) scores.set(id, score);
  }
  return [...chunkMeta(store, scores.keys()).values()]
    .map((row) => ({ row, score: scores.get(row.chunk_id)! }))
    .sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path) || a.row.start_line - b.row.start_line);
}

/** Hashes of the texts of the chunks a scope admits. */
function admissibleHashes(store: Store, admissible: Admissible): Set<string> {
  const hashes = new Set<string>();
  for (const id of store.scope.chunkIds()) if (admissible(id)) hashes.add(store.scope.chunk(id)!.hash);
  return hashes;
}

/**
 * Calibrated fusion of the lexical and semantic rankings. A chunk scores 1 / (60 + rank) for its
 * lexical rank, plus the same for its semantic rank weighed by that hit's evidence (`evidence`:
 * a hit at chance adds nothing). So a semantic list without evidence leaves the lexical order
 * exactly as it was, and cannot sink it. Where the list has evidence, a definition the query
 * names (`naming` 2) gets a first place's share more, scaled by the list's strongest evidence,
 * so a confident model cannot push the definition asked for below what merely resembles it; so do
 * the lexical leaders ranked above the first such definition, so the share cannot reorder them (a
 * Markdown heading naming the word must not pass the code lexical put first).
 * A semantic hit with no evidence and no lexical match is left out, unless nothing matched
 * lexically: then the semantic ranking, weak as it may be, is all there is.
 */
export function fuse(
  lexical: readonly RankedChunk[],
  semantic: readonly SemanticHit[],
  naming: (row: RankedChunk['row']) => number,
): RankedChunk[] {
  if (lexical.length === 0) return [...semantic];
  const strength = Math.max(0, ...semantic.map((hit) => hit.semantic.evidence));
  const fused = new Map<number, RankedChunk & { lexicalRank: number }>();
  // The lexical leaders above the first definition named keep their place over it: the share protects, it does not reorder.
  const firstNamed = lexical.findIndex((entry) => naming(entry.row) === 2);
  lexical.forEach((entry, rank) => {
    const named = rank <= firstNamed || naming(entry.row) === 2 ? strength / (RRF_K + 1) : 0;
    fused.set(entry.row.chunk_id, { ...entry, score: 1 / (RRF_K + rank + 1) + named, lexicalRank: rank });
  });
  semantic.forEach((entry, rank) => {
    const share = entry.semantic.evidence / (RRF_K + rank + 1);
    const seen = fused.get(entry.row.chunk_id);
    if (seen) Object.assign(seen, { score: seen.score + share, semantic: entry.semantic });
    else if (share > 0) fused.set(entry.row.chunk_id, { row: entry.row, score: share, lexicalRank: Infinity, semantic: entry.semantic });
  });
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.lexicalRank - b.lexicalRank || a.row.path.localeCompare(b.row.path))
    .map(({ lexicalRank: _rank, ...entry }) => entry);
}
