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
 * and it holds a second copy of the matrix in the session. Tokenizing is about two thirds of the
 * time on either route.
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
  ) {}

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
    return new StaticEmbedder(loaded, tokenizer, unknownId, STATIC_MAX_TOKENS * medianLength(vocabulary), staticInfo(pack));
  }

  get pack(): StaticPack {
    return this.loaded.pack;
  }

  async info(): Promise<EmbedderInfo> {
    return this.details;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i % ABORT_CHECK_EVERY === 0) signal?.throwIfAborted();
      vectors.push(this.pool(this.tokenIds(texts[i]!)));
    }
    return vectors;
  }

  /** The token ids a text is embedded from: no special tokens, no unknown token, at most 512. */
  tokenIds(text: string): number[] {
    const cut = text.length > this.maxChars ? text.slice(0, this.maxChars) : text;
    const ids = this.tokenizer.encode(cut, { add_special_tokens: false });
    const known = this.unknownId === null ? ids : ids.filter((id) => id !== this.unknownId);
    return known.length > STATIC_MAX_TOKENS ? known.slice(0, STATIC_MAX_TOKENS) : known;
  }

  /** The normalized mean of the tokens' rows. */
  pool(ids: number[]): Float32Array {
    const { embeddings, mapping, weights, rows, pack } = this.loaded;
    const dims = pack.dims;
    const tokens = mapping ? mapping.length : rows;
    // Summed in float64, four lanes a step: 1.6x faster than float32 one at a time here (V8 keeps
    // float64 unboxed and skips a rounding per add).
    const sum = new Float64Array(dims);
    const whole = dims - (dims % 4);
    for (const id of ids) {
      if (id >= tokens) continue; // an added token the matrix has no row for
      const base = (mapping ? mapping[id]! : id) * dims;
      const scale = weights ? weights[id]! : 1;
      let d = 0;
      for (; d < whole; d += 4) {
        sum[d]! += embeddings[base + d]! * scale;
        sum[d + 1]! += embeddings[base + d + 1]! * scale;
        sum[d + 2]! += embeddings[base + d + 2]! * scale;
        sum[d + 3]! += embeddings[base + d + 3]! * scale;
      }
      for (; d < dims; d++) sum[d]! += embeddings[base + d]! * scale;
    }
    // The mean's direction is the sum's: dividing by the count is folded into the normalization.
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += sum[d]! * sum[d]!;
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const out = new Float32Array(dims);
    for (let d = 0; d < dims; d++) out[d] = sum[d]! * inverse;
    return out;
  }
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
