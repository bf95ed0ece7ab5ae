import { PreTrainedTokenizer } from '@huggingface/transformers';
import { QuarryError } from '../../shared/errors.js';
import type { EmbedderInfo } from '../../shared/types.js';
import type { Embedder } from './embedder.js';
import { loadStaticPack, type LoadedStaticPack, type StaticPack } from './static-pack.js';

/** Model2Vec's `encode` default: tokens past the 512th are dropped. */
export const STATIC_MAX_TOKENS = 512;

/** Texts embedded between two checks of the abort signal. */
const ABORT_CHECK_EVERY = 64;

/**
 * A static (Model2Vec) embedder: a text's vector is the mean of its tokens' rows of one matrix,
 * L2-normalized. What `StaticModel.encode` in MinishLab/model2vec (model2vec/model.py) computes:
 * - tokenize without special tokens (no [CLS]/[SEP]), drop the unknown token's id, keep the first
 *   512 tokens (the text is first cut at 512 × the vocabulary's median token length in characters,
 *   so a huge text is not tokenized whole);
 * - with vocabulary quantization, token t's row is `embeddings[mapping[t]] * weights[t]`;
 * - the mean of the rows; a text with no known token gets the zero vector (no evidence either way);
 * - normalized to unit length. Model2Vec skips this when config.json says `normalize: false`;
 *   Quarry's vectors are always unit length (the `Embedder` contract), which only rescales a
 *   vector and leaves its cosine similarities as they were.
 *
 * Route, chosen by measurement (`npm run bench:static`, BENCHMARKS.md "Static embedding packs"):
 * the matrix read directly and the mean computed here, with the tokenizer of transformers.js.
 * transformers.js cannot run a hub pack itself: the packs ship no ONNX graph (potion-code-16M has
 * config.json, model.safetensors and tokenizer.json) and no model_type it knows. The same lookup
 * and mean as an onnxruntime graph (the runtime transformers.js uses) on the same token ids was
 * slower on 2 cores (1,671 against 1,842 chunks/s) while using both cores where this loop uses one,
 * and it holds a second copy of the matrix in the session.
 *
 * Tokenizing was two thirds of the time. Plain ASCII text (nearly all code) now takes its own
 * path for BERT-style tokenizers (`AsciiWordPiece`, below): the same ids, about 9x faster than the
 * library's tokenizer with its word cache; other texts still go through the library. The rows are
 * summed a few dimensions at a time across all the tokens, in the same order as row after row, so
 * the vectors are bit for bit what they were (3x the chunks/s of before, bench:static).
 */
/** What a static pack's embedder reports: known from its config and matrix header, no load needed. */
export function staticInfo(pack: StaticPack): EmbedderInfo {
  return { modelId: pack.modelId, dims: pack.dims, dtype: pack.dtype, device: 'cpu', fallbackReason: null };
}

export class StaticEmbedder implements Embedder {
  private constructor(
    private readonly loaded: LoadedStaticPack,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly unknownId: number | null,
    /** Characters a text is cut to before tokenizing: max tokens × the median token length. */
    private readonly maxChars: number,
    private readonly details: EmbedderInfo,
    /** The ASCII WordPiece path, when the pack's tokenizer is one it reproduces; null otherwise. */
    private readonly ascii: AsciiWordPiece | null,
  ) {
    this.ids = new Int32Array(STATIC_MAX_TOKENS);
    this.sum = new Float64Array(loaded.pack.dims);
    this.bases = new Int32Array(STATIC_MAX_TOKENS);
    this.scales = new Float64Array(STATIC_MAX_TOKENS);
  }

  /** Token ids of the text being embedded: reused from text to text. */
  private readonly ids: Int32Array;
  /** The sum of the rows, reused from text to text. */
  private readonly sum: Float64Array;
  /** Per token of the text: where its row starts in the matrix, and its scale. */
  private bases: Int32Array;
  private scales: Float64Array;

  /** Loads a static pack from `modelsDir/modelId` (see static-pack.ts); MODEL_NOT_FOUND or MODEL_LOAD_FAILED when it cannot. */
  static async create(modelsDir: string, modelId: string): Promise<StaticEmbedder> {
    return StaticEmbedder.fromLoaded(await loadStaticPack(modelsDir, modelId));
  }

  static fromLoaded(loaded: LoadedStaticPack): StaticEmbedder {
    const { pack, tokenizerJson, tokenizerConfig } = loaded;
    let tokenizer: PreTrainedTokenizer;
    try {
      tokenizer = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);
    } catch (error) {
      throw new QuarryError('MODEL_LOAD_FAILED', `Static model "${pack.modelId}": tokenizer.json was not understood: ${(error as Error).message.split('\n')[0]}`);
    }
    cacheWordPieces(tokenizer);
    const model = tokenizerJson.model as { unk_token?: unknown; vocab?: unknown };
    const vocabulary = tokenizer.get_vocab();
    const unknownId = typeof model.unk_token === 'string' ? (vocabulary.get(model.unk_token) ?? null) : null;
    const ascii = AsciiWordPiece.create(tokenizer, tokenizerJson, unknownId);
    const embedder = new StaticEmbedder(loaded, tokenizer, unknownId, STATIC_MAX_TOKENS * medianLength(vocabulary), staticInfo(pack), ascii);
    // Belt and braces: the ASCII path must agree with the library on a varied probe, or it is not used.
    if (ascii && !embedder.asciiAgrees()) return new StaticEmbedder(loaded, tokenizer, unknownId, embedder.maxChars, embedder.details, null);
    return embedder;
  }

  /** Whether texts the ASCII path takes are tokenized by it (false: every text goes through the library). */
  get asciiPath(): boolean {
    return this.ascii !== null;
  }

  get pack(): StaticPack {
    return this.loaded.pack;
  }

  async info(): Promise<EmbedderInfo> {
    return this.details;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const flat = this.embedFlat(texts, signal);
    const dims = this.loaded.pack.dims;
    return Array.from({ length: texts.length }, (_, i) => flat.subarray(i * dims, (i + 1) * dims));
  }

  /** The texts' vectors one after another in one array (what a worker hands back). */
  embedFlat(texts: string[], signal?: AbortSignal): Float32Array {
    const dims = this.loaded.pack.dims;
    const flat = new Float32Array(texts.length * dims);
    for (let i = 0; i < texts.length; i++) {
      if (i % ABORT_CHECK_EVERY === 0) signal?.throwIfAborted();
      const count = this.fillIds(texts[i]!);
      this.poolInto(this.ids, count, flat, i * dims);
    }
    return flat;
  }

  /** The token ids a text is embedded from: no special tokens, no unknown token, at most 512. */
  tokenIds(text: string): number[] {
    return Array.from(this.ids.subarray(0, this.fillIds(text)));
  }

  /** The token ids of the library's tokenizer alone (no ASCII path), as `tokenIds` gives them. */
  libraryTokenIds(text: string): number[] {
    const cut = text.length > this.maxChars ? text.slice(0, this.maxChars) : text;
    const ids = this.tokenizer.encode(cut, { add_special_tokens: false });
    const known = this.unknownId === null ? ids : ids.filter((id) => id !== this.unknownId);
    return known.length > STATIC_MAX_TOKENS ? known.slice(0, STATIC_MAX_TOKENS) : known;
  }

  /** The normalized mean of the tokens' rows. */
  pool(ids: number[]): Float32Array {
    const out = new Float32Array(this.loaded.pack.dims);
    this.poolInto(ids, ids.length, out, 0);
    return out;
  }

  /** Fills `this.ids` with the text's token ids (as `libraryTokenIds` gives them) and returns how many. */
  private fillIds(text: string): number {
    const cut = text.length > this.maxChars ? text.slice(0, this.maxChars) : text;
    const count = this.ascii ? this.ascii.fill(cut, this.ids) : -1;
    if (count >= 0) return count;
    const ids = this.libraryTokenIds(cut);
    this.ids.set(ids);
    return ids.length;
  }

  /** Writes the normalized mean of the first `count` tokens' rows to `out` at `at`. */
  private poolInto(ids: ArrayLike<number>, count: number, out: Float32Array, at: number): void {
    const { embeddings, mapping, weights, rows, pack } = this.loaded;
    const dims = pack.dims;
    const tokens = mapping ? mapping.length : rows;
    // Where each token's row starts, and its scale; an added token the matrix has no row for is skipped.
    if (count > this.bases.length) {
      this.bases = new Int32Array(count);
      this.scales = new Float64Array(count);
    }
    const bases = this.bases;
    const scales = this.scales;
    let n = 0;
    for (let t = 0; t < count; t++) {
      const id = ids[t]!;
      if (id >= tokens) continue;
      bases[n] = (mapping ? mapping[id]! : id) * dims;
      scales[n++] = weights ? weights[id]! : 1;
    }
    // Summed in float64 (V8 keeps float64 unboxed and skips a rounding per add), token after token
    // in text order for each dimension, four dimensions at a time held in locals across all the
    // tokens: the sums of adding row after row, without storing and reloading them per row.
    const sum = this.sum;
    const whole = dims - (dims % 4);
    let d = 0;
    if (weights) {
      for (; d < whole; d += 4) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let t = 0; t < n; t++) {
          const base = bases[t]! + d;
          const scale = scales[t]!;
          s0 += embeddings[base]! * scale;
          s1 += embeddings[base + 1]! * scale;
          s2 += embeddings[base + 2]! * scale;
          s3 += embeddings[base + 3]! * scale;
        }
        sum[d] = s0;
        sum[d + 1] = s1;
        sum[d + 2] = s2;
        sum[d + 3] = s3;
      }
      for (; d < dims; d++) {
        let s0 = 0;
        for (let t = 0; t < n; t++) s0 += embeddings[bases[t]! + d]! * scales[t]!;
        sum[d] = s0;
      }
    } else {
      // No scale: adding the row as it is gives the same sums as scaling it by 1.
      for (; d < whole; d += 4) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let t = 0; t < n; t++) {
          const base = bases[t]! + d;
          s0 += embeddings[base]!;
          s1 += embeddings[base + 1]!;
          s2 += embeddings[base + 2]!;
          s3 += embeddings[base + 3]!;
        }
        sum[d] = s0;
        sum[d + 1] = s1;
        sum[d + 2] = s2;
        sum[d + 3] = s3;
      }
      for (; d < dims; d++) {
        let s0 = 0;
        for (let t = 0; t < n; t++) s0 += embeddings[bases[t]! + d]!;
        sum[d] = s0;
      }
    }
    // The mean's direction is the sum's: dividing by the count is folded into the normalization.
    let norm = 0;
    for (let e = 0; e < dims; e++) norm += sum[e]! * sum[e]!;
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let e = 0; e < dims; e++) out[at + e] = sum[e]! * inverse;
  }

  /** The ASCII path and the library agree on a probe of code, prose and punctuation. */
  private asciiAgrees(): boolean {
    const probe = [
      'export function parseHTTPRequest(retryBackoff) { return pool.acquire(); }\n\tconst x_1 = a->b ?? c;',
      "Don't re-use the cache's key: see https://example.com/a?b=c&d=e#f (RFC-2616), 3.14e-10 >= 42!",
      'supercalifragilisticexpialidociousandthensomemoreletters'.repeat(3), '$@`~^|\\"[]{}<>=+*/%#:;,.', '',
    ];
    return probe.every((text) => {
      const count = this.ascii!.fill(text, this.ids);
      return count >= 0 && Array.from(this.ids.subarray(0, count)).join() === this.libraryTokenIds(text).join();
    });
  }
}

/** Texts the ASCII path declines: anything but tab, line feed, carriage return and printable ASCII. */
const NOT_PLAIN_ASCII = /[^\t\n\r\x20-\x7e]/;

const SPACE = 0;
const WORD = 1;
const PUNCTUATION = 2;

/**
 * What BertNormalizer then BertPreTokenizer make of each character the ASCII path takes: tab, line
 * feed and carriage return become spaces (clean_text) and split words, as the space does; letters
 * and digits make words; every other printable ASCII character is punctuation, a word of its own
 * (the library's PUNCTUATION_REGEX: \p{P} and the ASCII ranges 21-2F, 3A-40, 5B-60, 7B-7E).
 */
const ASCII_KIND = (() => {
  const kind = new Uint8Array(128).fill(PUNCTUATION);
  for (const c of [9, 10, 13, 32]) kind[c] = SPACE;
  for (let c = 0; c < 128; c++) if (/[A-Za-z0-9]/.test(String.fromCharCode(c))) kind[c] = WORD;
  return kind;
})();

/** The parts of the library's tokenizer object the ASCII path reads. */
interface LibraryTokenizer {
  model: ((words: string[]) => string[]) & {
    tokens_to_ids: Map<string, number>;
    unk_token_id?: number;
    max_input_chars_per_word?: unknown;
    config: { continuing_subword_prefix?: unknown };
  };
  normalizer: ((text: string) => string) | null;
  added_tokens: Array<{ content: string; normalized: boolean }>;
  added_tokens_map: Map<string, { id: number }>;
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
}

/**
 * Tokenizes plain ASCII text as transformers.js does for a BERT-style tokenizer (BertNormalizer or
 * none, BertPreTokenizer, WordPiece), without its per-text work: no normalizer pass (ASCII only
 * needs lower-casing; accents and CJK spacing never apply, clean_text only turns tab, line feed and
 * carriage return into spaces), no regular expression to split words, no arrays of strings. One
 * scan over the lower-cased text cuts words at spaces and punctuation, and each word's ids (the
 * library's WordPiece pieces, as ids, the unknown token dropped) come from a Map filled on a
 * word's first sight, so a repeated word costs one lookup. A text it cannot vouch for (a character
 * outside printable ASCII, tab, line feed and carriage return, or an added token such as [SEP]
 * anywhere in it) goes to the library whole. `StaticEmbedder.fromLoaded` also checks it against
 * the library on a probe before using it.
 */
class AsciiWordPiece {
  private readonly words = new Map<string, Int32Array>();
  /** The ids of each punctuation character, by char code. */
  private readonly punctuation: Int32Array[] = [];

  private constructor(
    private readonly library: LibraryTokenizer,
    private readonly unknownId: number,
    private readonly lowercase: boolean,
    /** Added tokens matched on the text as written, and on the normalized text. */
    private readonly rawGuards: string[],
    private readonly normalizedGuards: string[],
    /** WordPiece's settings: a longer word is unknown; continuations start with this; no token is longer. */
    private readonly maxWordChars: number,
    private readonly continuation: string,
    private readonly longestToken: number,
  ) {
    for (let c = 0; c < 128; c++) this.punctuation.push(ASCII_KIND[c] === PUNCTUATION ? this.lookUp(String.fromCharCode(c)) : new Int32Array(0));
  }

  /** The path for this tokenizer, or null when its tokenizer.json is not one the path reproduces. */
  static create(tokenizer: PreTrainedTokenizer, json: Record<string, unknown>, unknownId: number | null): AsciiWordPiece | null {
    const library = tokenizer._tokenizer as unknown as LibraryTokenizer;
    const type = (part: unknown): unknown => (part && typeof part === 'object' ? (part as { type?: unknown }).type : undefined);
    const normalizer = json.normalizer as { type?: unknown; lowercase?: unknown } | null | undefined;
    let lowercase: boolean;
    if (normalizer === null || normalizer === undefined) lowercase = false;
    else if (type(normalizer) === 'BertNormalizer') lowercase = Boolean(normalizer.lowercase); // strip_accents, clean_text, CJK: no-ops on the texts taken
    else if (type(normalizer) === 'Lowercase') lowercase = true;
    else return null;
    if (type(json.pre_tokenizer) !== 'BertPreTokenizer' || type(json.model) !== 'WordPiece') return null;
    if (library.remove_space === true || library.do_lowercase_and_remove_accent === true) return null;
    if (unknownId === null || library.model.unk_token_id !== unknownId) return null;
    const rawGuards: string[] = [];
    const normalizedGuards: string[] = [];
    for (const token of library.added_tokens) {
      const normalized = token.normalized && library.normalizer !== null;
      const guard = normalized ? library.normalizer!(token.content) : token.content;
      if (guard.length === 0) continue; // never matched by the library's splitter
      if (/\s/.test(guard)) return null; // clean_text would change what it is matched against
      (normalized ? normalizedGuards : rawGuards).push(guard);
    }
    // As the library's WordPiece holds them.
    const maxWordChars = Number(library.model.max_input_chars_per_word);
    const continuation = String(library.model.config.continuing_subword_prefix);
    let longestToken = 1;
    for (const token of library.model.tokens_to_ids.keys()) longestToken = Math.max(longestToken, token.length);
    return new AsciiWordPiece(library, unknownId, lowercase, rawGuards, normalizedGuards, maxWordChars, continuation, longestToken);
  }

  /**
   * Writes the text's ids (no unknown token) to `out`, at most `out.length` of them, and returns
   * how many; -1 when the text is not one this path takes.
   */
  fill(text: string, out: Int32Array): number {
    if (NOT_PLAIN_ASCII.test(text)) return -1;
    for (const guard of this.rawGuards) if (text.includes(guard)) return -1;
    const lower = this.lowercase ? text.toLowerCase() : text;
    for (const guard of this.normalizedGuards) if (lower.includes(guard)) return -1;
    const capacity = out.length;
    const length = lower.length;
    let count = 0;
    let start = -1;
    for (let i = 0; i < length; i++) {
      const c = lower.charCodeAt(i);
      const kind = ASCII_KIND[c];
      if (kind === WORD) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0) {
        count = put(this.wordIds(lower.slice(start, i)), out, count);
        if (count === capacity) return count;
        start = -1;
      }
      if (kind === PUNCTUATION) {
        count = put(this.punctuation[c]!, out, count);
        if (count === capacity) return count;
      }
    }
    if (start >= 0) count = put(this.wordIds(start === 0 ? lower : lower.slice(start)), out, count);
    return count;
  }

  private wordIds(word: string): Int32Array {
    let ids = this.words.get(word);
    if (ids === undefined) {
      ids = this.lookUp(word);
      if (this.words.size >= WORD_CACHE_LIMIT) this.words.clear();
      // A copy of the word as the key: V8 may keep a slice of the text as a view of the whole text,
      // which the cache would then hold on to.
      this.words.set(word.length > 12 ? word.split('').join('') : word, ids);
    }
    return ids;
  }

  /**
   * A word's ids as the library's encode gives them: WordPiece's pieces (longest match first from
   * the word's start, then from where that match ended, continuations prefixed; a word with an
   * unmatched rest, or longer than max_input_chars_per_word, is the unknown token), as ids, the
   * unknown token dropped. The same search as the library's WordPiece, except that it starts from
   * pieces as long as the vocabulary's longest token rather than from the whole rest of the word:
   * nothing longer can match, and the library's search from the end cost a long word (minified
   * code, a hash, base64) time in the square of its length.
   */
  private lookUp(word: string): Int32Array {
    const { model, added_tokens_map: added } = this.library;
    if (word.length > this.maxWordChars) return EMPTY;
    const vocabulary = model.tokens_to_ids;
    const ids: number[] = [];
    for (let start = 0; start < word.length; ) {
      let end = Math.min(word.length, start + this.longestToken);
      let piece: string | null = null;
      for (; start < end; end--) {
        const candidate = start > 0 ? this.continuation + word.slice(start, end) : word.slice(start, end);
        if (vocabulary.has(candidate)) {
          piece = candidate;
          break;
        }
      }
      if (piece === null) return EMPTY; // the whole word is the unknown token, which is dropped
      const id = added.get(piece)?.id ?? vocabulary.get(piece)!;
      if (id !== this.unknownId) ids.push(id);
      start = end;
    }
    return Int32Array.from(ids);
  }
}

const EMPTY = new Int32Array(0);

/** Appends `ids` to `out` from `count`, as many as fit; returns the new count. */
function put(ids: Int32Array, out: Int32Array, count: number): number {
  const end = Math.min(out.length, count + ids.length);
  for (let j = 0; count < end; j++) out[count++] = ids[j]!;
  return count;
}

/** Distinct words remembered; code repeats a few thousand words, so this is rarely reached. */
const WORD_CACHE_LIMIT = 200_000;

/**
 * Remembers the tokenizer model's pieces per pre-tokenized word. The model (WordPiece, BPE or
 * Unigram) splits each word on its own, so the pieces of a word never depend on its neighbours;
 * code repeats its words (5,102 distinct in the 262K words of this repository's src/), and the
 * model took half the tokenizing time before this. Normalizing, pre-tokenizing, added tokens and
 * ids stay the library's. The one cross-word step, fusing adjacent unknown pieces
 * (`fuse_unk`), only touches the unknown token, which Model2Vec drops anyway.
 */
function cacheWordPieces(tokenizer: PreTrainedTokenizer): void {
  const inner = tokenizer._tokenizer as unknown as { model: ((words: string[]) => string[]) & Record<string, unknown> };
  const model = inner.model;
  if (typeof model !== 'function') return;
  const pieces = new Map<string, string[]>();
  const cached = (words: string[]): string[] => {
    const out: string[] = [];
    for (const word of words) {
      let split = pieces.get(word);
      if (!split) {
        split = model([word]);
        if (pieces.size >= WORD_CACHE_LIMIT) pieces.clear();
        pieces.set(word, split);
      }
      for (const piece of split) out.push(piece);
    }
    return out;
  };
  // The tokenizer reads the vocabulary and the unknown token off the model object: keep them reachable.
  inner.model = new Proxy(cached, { get: (target, key) => (key in target ? Reflect.get(target, key) : Reflect.get(model, key)) }) as typeof model;
}

/** The median length of the vocabulary's tokens, as Model2Vec computes it (at least 1). */
function medianLength(vocabulary: Map<string, number>): number {
  const lengths = [...vocabulary.keys()].map((token) => token.length).sort((a, b) => a - b);
  return Math.max(1, lengths[Math.floor(lengths.length / 2)] ?? 1);
}
