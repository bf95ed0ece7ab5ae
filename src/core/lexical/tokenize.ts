/**
 * Identifier-aware tokenization shared by indexing and querying, so both sides agree on terms.
 * `parseHTTPRequest_v2` yields the whole identifier plus `parse`, `http`, `request`, `v2`;
 * `max-width` yields `max-width`, `max` and `width`. Terms are lower-cased.
 */

const WORD = /[\p{L}\p{N}_$]+(?:-[\p{L}\p{N}_$]+)*/gu;
const PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|[\p{L}]+/gu;
/** Longer runs are hashes, base64 and other noise, and are not indexed. */
export const MAX_TERM_CHARS = 64;

/** Calls `visit` for every term occurrence in `text`, in order. */
function forEachTerm(text: string, visit: (term: string) => void): void {
  for (const match of text.matchAll(WORD)) {
    for (const term of splitWord(match[0])) visit(term);
  }
}

function splitWord(word: string): string[] {
  const terms: string[] = [];
  if (word.includes('-')) {
    if (word.length <= MAX_TERM_CHARS) terms.push(word.toLowerCase());
    for (const piece of word.split('-')) identifierTerms(piece, terms);
  } else {
    identifierTerms(word, terms);
  }
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

/** The postings of a text: its distinct terms' hashes with their counts, and the number of occurrences. */
export function termPostings(...texts: string[]): { terms: Int32Array; counts: Uint16Array; length: number } {
  counter.reset();
  for (const text of texts) collectTermHashes(text);
  return counter.postings();
}

/** A chunk's postings: its definition names and enclosing signature (context) are searchable too. */
export function chunkPostings(chunk: { context: string | null; text: string }): ReturnType<typeof termPostings> {
  return chunk.context === null ? termPostings(chunk.text) : termPostings(chunk.context, chunk.text);
}

const MAX_TERM_COUNT = 0xffff;

/** ASCII characters that WORD matches: letters, digits, `_` and `$`. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = /[\w$]/.test(String.fromCharCode(c)) ? 1 : 0;
const HYPHEN = 0x2d;
const WORD_AT = new RegExp(WORD.source, 'uy');

function isAsciiWord(c: number): boolean {
  return c < 128 && ASCII_WORD[c] === 1;
}

/**
 * Counts the term hashes of every word in `text`, the words WORD finds, scanned by character
 * code so that a word seen before costs no allocation: this is most of the CPU time of indexing.
 * Where a non-ASCII character may belong to a word, the regex decides where it ends.
 */
function collectTermHashes(text: string): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 128 && ASCII_WORD[c] === 0) {
      i++;
      continue;
    }
    const start = i;
    let key = FNV_OFFSET;
    let ascii = c < 128;
    // Reading past the end (charCodeAt's NaN) would make V8 throw away this compiled loop.
    while (ascii && i < n) {
      const d = text.charCodeAt(i);
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (isAsciiWord(d) || (d === HYPHEN && isAsciiWord(next))) {
        key = Math.imul(key ^ d, FNV_PRIME);
        i++;
      } else {
        ascii = !(d >= 128 || (d === HYPHEN && next >= 128));
        break;
      }
    }
    if (!ascii) {
      WORD_AT.lastIndex = start;
      const word = WORD_AT.exec(text)?.[0];
      if (word === undefined) {
        i = start + 1; // a non-ASCII character outside any word
        continue;
      }
      i = start + word.length;
      key = termHash(word);
    }
    counter.add(cachedHashes(text, start, i, key | 0));
  }
}

/**
 * Counts the term occurrences of one text in an open-addressing table that is reused from text to
 * text (a generation stamp clears it): no allocation until the result.
 */
class TermCounter {
  private slots = 1024;
  private keys = new Int32Array(this.slots);
  private counts = new Uint16Array(this.slots);
  private stamps = new Uint32Array(this.slots);
  /** Slots in the order their terms first appeared. */
  private used = new Int32Array(this.slots / 2);
  private distinct = 0;
  private occurrences = 0;
  private generation = 1;

  reset(): void {
    this.distinct = 0;
    this.occurrences = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  add(hashes: Int32Array): void {
    for (let i = 0; i < hashes.length; i++) this.addOne(hashes[i]!);
    this.occurrences += hashes.length;
  }

  postings(): { terms: Int32Array; counts: Uint16Array; length: number } {
    const terms = new Int32Array(this.distinct);
    const counts = new Uint16Array(this.distinct);
    for (let i = 0; i < this.distinct; i++) {
      terms[i] = this.keys[this.used[i]!]!;
      counts[i] = this.counts[this.used[i]!]!;
    }
    return { terms, counts, length: this.occurrences };
  }

  private addOne(term: number): void {
    const mask = this.slots - 1;
    // Terms are FNV hashes already: their low bits are well mixed.
    for (let slot = term & mask; ; slot = (slot + 1) & mask) {
      if (this.stamps[slot] !== this.generation) {
        this.stamps[slot] = this.generation;
        this.keys[slot] = term;
        this.counts[slot] = 1;
        this.used[this.distinct++] = slot;
        if (this.distinct === this.used.length) this.grow();
        return;
      }
      if (this.keys[slot] === term) {
        if (this.counts[slot]! < MAX_TERM_COUNT) this.counts[slot]!++;
        return;
      }
    }
  }

  /** Doubles the table when half full, re-inserting the terms so far in their order. */
  private grow(): void {
    const { keys, counts, used, distinct } = this;
    this.slots *= 2;
    this.keys = new Int32Array(this.slots);
    this.counts = new Uint16Array(this.slots);
    this.stamps = new Uint32Array(this.slots);
    this.used = new Int32Array(this.slots / 2);
    this.generation = 1;
    this.distinct = 0;
    for (let i = 0; i < distinct; i++) {
      const count = counts[used[i]!]!;
      this.addOne(keys[used[i]!]!);
      this.counts[this.used[i]!] = count;
    }
  }
}

const counter = new TermCounter();

/**
 * The term hashes of the words seen lately, in an open-addressing table keyed by the hash of the
 * word's characters: a hit is checked against the text in place, without slicing it out. Code
 * repeats its words (keywords, names) so much that most words are found here.
 */
const SLOTS = 1 << 17;
const slotKeys = new Int32Array(SLOTS);
let slotWords: Array<string | undefined> = new Array<string | undefined>(SLOTS);
let slotHashes: Array<Int32Array | undefined> = new Array<Int32Array | undefined>(SLOTS);
let slotsUsed = 0;

function cachedHashes(text: string, start: number, end: number, key: number): Int32Array {
  const length = end - start;
  let slot = key & (SLOTS - 1);
  for (;;) {
    const word = slotWords[slot];
    if (word === undefined) break;
    if (slotKeys[slot] === key && word.length === length && sameChars(word, text, start)) return slotHashes[slot]!;
    slot = (slot + 1) & (SLOTS - 1);
  }
  const word = text.slice(start, end);
  const hashes = Int32Array.from(splitWord(word), termHash);
  if (length > 2 * MAX_TERM_CHARS) return hashes; // rare, and not worth the memory
  if (slotsUsed >= SLOTS / 2) {
    // Full enough that probes grow long: start afresh (the common words come back at once).
    slotWords = new Array<string | undefined>(SLOTS);
    slotHashes = new Array<Int32Array | undefined>(SLOTS);
    slotsUsed = 0;
    slot = key & (SLOTS - 1);
  }
  slotKeys[slot] = key;
  slotWords[slot] = word;
  slotHashes[slot] = hashes;
  slotsUsed++;
  return hashes;
}

function sameChars(word: string, text: string, start: number): boolean {
  for (let j = 0; j < word.length; j++) if (word.charCodeAt(j) !== text.charCodeAt(start + j)) return false;
  return true;
}

/** Distinct terms in order of first appearance. */
export function distinctTerms(text: string): string[] {
  const seen = new Set<string>();
  forEachTerm(text, (term) => seen.add(term));
  return [...seen];
}

/** The terms a file's path spells: its directories and its name without the extension (`src/http/request-parser.ts`: src, http, request-parser, request, parser). */
export function pathTerms(relPath: string): string[] {
  const slash = relPath.lastIndexOf('/');
  const dot = relPath.lastIndexOf('.');
  return distinctTerms(dot > slash + 1 ? relPath.slice(0, dot) : relPath);
}

/**
 * 32-bit FNV-1a of a term: the postings key. A collision only merges two terms' statistics;
 * matches are always verified against the text where it matters (phrases, regex, snippets).
 */
export function termHash(term: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < term.length; i++) hash = Math.imul(hash ^ term.charCodeAt(i), FNV_PRIME);
  return hash | 0;
}

const FNV_OFFSET = 0x811c9dc5 | 0; // as an int32, so the hashing loops stay in integers
const FNV_PRIME = 0x01000193;
