/**
 * Identifier-aware tokenization shared by indexing and querying, so both sides agree on terms.
 * `parseHTTPRequest_v2` yields the whole identifier plus `parse`, `http`, `request`, `v2`;
 * `max-width` yields `max-width`, `max` and `width`. Terms are lower-cased.
 */

const WORD = /[\p{L}\p{N}_$]+(?:-[\p{L}\p{N}_$]+)*/gu;
const PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|[\p{L}]+/gu;
/** Longer runs are hashes, base64 and other noise, and are not indexed. */
export const MAX_TERM_CHARS = 64;

/**
 * The terms of each word seen lately. Code repeats its words (keywords, names) so much that
 * splitting each once was measured to save most of the tokenizer's time when indexing.
 */
const wordTerms = new Map<string, readonly string[]>();
const MAX_CACHED_WORDS = 50_000;

/** Calls `visit` for every term occurrence in `text`, in order. */
function forEachTerm(text: string, visit: (term: string) => void): void {
  for (const match of text.matchAll(WORD)) {
    for (const term of termsOfWord(match[0])) visit(term);
  }
}

function termsOfWord(word: string): readonly string[] {
  let terms = wordTerms.get(word);
  if (terms) return terms;
  const found: string[] = [];
  if (word.includes('-')) {
    if (word.length <= MAX_TERM_CHARS) found.push(word.toLowerCase());
    for (const piece of word.split('-')) identifierTerms(piece, found);
  } else {
    identifierTerms(word, found);
  }
  terms = found;
  if (wordTerms.size >= MAX_CACHED_WORDS) wordTerms.clear();
  wordTerms.set(word, terms);
  return terms;
}

function identifierTerms(identifier: string, out: string[]): void {
  if (identifier.length > MAX_TERM_CHARS) return;
  const whole = identifier.toLowerCase();
  const parts = identifier.match(PART);
  if (!parts) return; // only underscores and dollars
  out.push(whole);
  if (parts.length === 1) {
    const part = parts[0]!.toLowerCase();
    if (part !== whole) out.push(part); // __init__ → init
    return;
  }
  for (const part of parts) {
    // Single letters carry no meaning alone; digits do (v2, utf8, x86).
    if (part.length > 1 || /\d/.test(part)) out.push(part.toLowerCase());
  }
}

/** Term hashes of the text being tokenized, reused: sorted, they give each term's count. */
let occurrences = new Int32Array(4096);

/** The postings of a text: its distinct terms' hashes (ascending) with their counts, and the number of occurrences. */
export function termPostings(text: string): { terms: Int32Array; counts: Uint16Array; length: number } {
  let length = 0;
  for (const match of text.matchAll(WORD)) {
    const hashes = hashesOfWord(match[0]);
    if (length + hashes.length > occurrences.length) {
      const grown = new Int32Array(occurrences.length * 2);
      grown.set(occurrences);
      occurrences = grown;
    }
    for (let i = 0; i < hashes.length; i++) occurrences[length++] = hashes[i]!;
  }
  // Sorting the occurrences counts them faster than a map per text (measured).
  const sorted = occurrences.subarray(0, length).sort();
  let distinct = 0;
  for (let i = 0; i < length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const terms = new Int32Array(distinct);
  const tf = new Uint16Array(distinct);
  for (let i = 0, t = -1; i < length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) terms[++t] = sorted[i]!;
    if (tf[t]! < MAX_TERM_COUNT) tf[t]!++;
  }
  return { terms, counts: tf, length };
}

/** A chunk's postings: its definition names and enclosing signature (context) are searchable too. */
export function chunkPostings(chunk: { context: string | null; text: string }): ReturnType<typeof termPostings> {
  return termPostings(`${chunk.context ?? ''}\n${chunk.text}`);
}

const MAX_TERM_COUNT = 0xffff;
const wordHashes = new Map<string, Int32Array>();

/** termsOfWord, hashed: indexing needs only the hashes. */
function hashesOfWord(word: string): Int32Array {
  let hashes = wordHashes.get(word);
  if (hashes) return hashes;
  hashes = Int32Array.from(termsOfWord(word), termHash);
  if (wordHashes.size >= MAX_CACHED_WORDS) wordHashes.clear();
  wordHashes.set(word, hashes);
  return hashes;
}

/** Distinct terms in order of first appearance. */
export function distinctTerms(text: string): string[] {
  const seen = new Set<string>();
  forEachTerm(text, (term) => seen.add(term));
  return [...seen];
}

/**
 * 32-bit FNV-1a of a term: the postings key. A collision only merges two terms' statistics;
 * matches are always verified against the text where it matters (phrases, regex, snippets).
 */
export function termHash(term: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    hash ^= term.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
