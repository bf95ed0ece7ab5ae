/**
 * A static (Model2Vec-layout) pack whose vectors carry signal because it was built from the answers:
 * an ORACLE-BUILT pack. It exists to test that hybrid fusion lets real semantic signal through (a
 * model that knows nothing must not sink lexical; one that knows something must lift it). It says
 * nothing about the quality of any real model and must never be quoted as one.
 *
 * How it is built, from a labelled set and the texts of the folder it labels:
 * - every WordPiece token's row is random noise, as in the random-weight packs (static.ts), scaled
 *   down for tokens frequent in the folder as Model2Vec's Zipf weighting scales them;
 * - each labelled query gets a random "topic" direction of its own;
 * - the topic is added to the rows of the query's content words' tokens, weighed by how rare each
 *   token is among the files (a token in every file carries nothing), and to the rows of the tokens
 *   most distinctive of the query's relevant files (frequent there, rare elsewhere), weighed by how
 *   distinctive they are.
 * The topic is only a few rows' worth of each text's tokens, so a text's vector stays mostly noise
 * and shared or common tokens blur the topics: semantic search with it ranks well, not perfectly.
 * It is generated at run time from a seed; nothing derived from a real repository is committed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { decodeSource } from '../../src/core/files/decode.js';
import type { LabelledQuery } from '../../src/core/evaluation/labelled-queries.js';
import { walkFolder } from '../../src/core/walk/walker.js';
import { SeededRandom } from './seeded-random.js';
import { safetensors } from './static.js';
import { assembleVocabulary, tokenizerJson } from './wordpiece.js';

export interface SignalPackOptions {
  seed: number;
  /** A topic's length in rows' lengths (the rarest tokens' noise rows are about sqrt(dims) long). */
  strength?: number;
  /** How many of the relevant files' most distinctive tokens carry each topic. */
  distinctiveTokens?: number;
  /** potion-code-16M's width and BERT's vocabulary by default, like potion-code-random. */
  dims?: number;
  vocabSize?: number;
}

export interface FolderText {
  /** Relative to the folder, forward slashes (as labelled queries name files). */
  path: string;
  text: string;
}

/** English function words: a query's words that name no topic. */
const STOPWORDS = new Set(
  'a an the of to in on at by for from with without into over under and or not no is are be it its this that these those as one all each some any when what where how which who via than then'.split(' '),
);

/** The files of a static pack (config.json, model.safetensors, tokenizer.json, modules.json) carrying the set's topics. */
export function signalPackFiles(queries: readonly LabelledQuery[], files: readonly FolderText[], options: SignalPackOptions): Record<string, string | Uint8Array> {
  const { seed, strength = 1, distinctiveTokens = 24, dims = 256, vocabSize = 30522 } = options;
  const vocabulary = assembleVocabulary(vocabSize);
  const json = tokenizerJson(vocabulary) as Record<string, unknown>;
  const tokens = wordTokenizer(new PreTrainedTokenizer(json, {}));
  const counts = new Map(files.map((file) => [file.path, tokenCounts(file.text, tokens)]));
  const fileFrequency = new Map<number, number>();
  const folderCounts = new Map<number, number>();
  for (const perFile of counts.values()) {
    for (const [id, count] of perFile) {
      fileFrequency.set(id, (fileFrequency.get(id) ?? 0) + 1);
      folderCounts.set(id, (folderCounts.get(id) ?? 0) + count);
    }
  }
  // 0 for a token in every file, 1 for a token in one (or none: a query word the folder never uses).
  const rarity = (id: number) => Math.log(files.length / Math.max(1, fileFrequency.get(id) ?? 0)) / Math.log(Math.max(2, files.length));

  const random = new SeededRandom(seed);
  const matrix = random.normals(vocabSize * dims, 1);
  // Model2Vec's Zipf weighting (a row scaled by log(1 + its token's frequency rank)), with ranks from
  // the folder: without it, "(", "_" and "self" would make every text alike.
  const byFrequency = [...folderCounts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
  const rank = new Map(byFrequency.map((id, i) => [id, i + 1]));
  for (let id = 0; id < vocabSize; id++) {
    const scale = Math.log(1 + (rank.get(id) ?? vocabSize)) / Math.log(1 + vocabSize);
    for (let d = 0; d < dims; d++) matrix[id * dims + d]! *= scale;
  }
  const topicLength = strength * Math.sqrt(dims);
  const addTopic = (id: number, topic: Float32Array, weight: number) => {
    for (let d = 0; d < dims; d++) matrix[id * dims + d]! += weight * topic[d]!;
  };
  for (const query of queries) {
    const topic = unitVector(random, dims).map((x) => x * topicLength);
    const words = query.query.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word !== '' && !STOPWORDS.has(word));
    for (const id of new Set(words.flatMap(tokens))) addTopic(id, topic, rarity(id));
    for (const [id, weight] of distinctive(query.relevant.map((file) => counts.get(file)).filter((c) => c !== undefined), folderCounts, distinctiveTokens)) addTopic(id, topic, weight);
  }

  const modules = [
    { idx: 0, name: '0', path: '.', type: 'sentence_transformers.models.StaticEmbedding' },
    { idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
  return {
    'config.json': `${JSON.stringify({ normalize: true, embedding_dtype: 'float32' }, null, 4)}\n`,
    'model.safetensors': safetensors([{ name: 'embeddings', dtype: 'F32', shape: [vocabSize, dims], values: matrix }]),
    'tokenizer.json': `${JSON.stringify(json)}\n`,
    'modules.json': `${JSON.stringify(modules, null, 4)}\n`,
  };
}

/** Writes the pack as `<modelsDir>/<modelId>/`, where `StaticEmbedder.create(modelsDir, modelId)` loads it. */
export async function writeSignalPack(modelsDir: string, modelId: string, queries: readonly LabelledQuery[], files: readonly FolderText[], options: SignalPackOptions): Promise<string> {
  const dir = path.join(modelsDir, modelId);
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(signalPackFiles(queries, files, options))) await fs.writeFile(path.join(dir, name), content);
  return dir;
}

/** The texts of a folder as the index reads them: git's ignore rules, no binary or minified files. */
export async function folderTexts(root: string): Promise<FolderText[]> {
  const texts: FolderText[] = [];
  for await (const item of walkFolder(root, { maxFileBytes: 1 << 20 })) {
    if (item.type !== 'file') continue;
    const decoded = decodeSource(await fs.readFile(item.absPath));
    if (decoded.ok) texts.push({ path: item.relPath, text: decoded.text });
  }
  return texts;
}

/**
 * The tokens most distinctive of some files against the whole folder: the log of how much likelier
 * a token is there than in the folder at large, times the log of its count there, so a token must
 * be both concentrated in the files and not a one-off (punctuation and keywords that fill every
 * file score about nothing, however often they occur). The best `limit`, weighed against the best.
 */
function distinctive(relevant: ReadonlyArray<Map<number, number>>, folder: Map<number, number>, limit: number): Array<[number, number]> {
  const merged = new Map<number, number>();
  for (const perFile of relevant) for (const [id, count] of perFile) merged.set(id, (merged.get(id) ?? 0) + count);
  const total = (counts: Map<number, number>) => Math.max(1, [...counts.values()].reduce((sum, count) => sum + count, 0));
  const [here, everywhere] = [total(merged), total(folder)];
  const scored = [...merged]
    .map(([id, count]): [number, number] => [id, Math.log1p(count) * Math.log(count / here / ((folder.get(id) ?? count) / everywhere))])
    .filter(([, score]) => score > 0);
  const best = scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, limit);
  return best.map(([id, score]) => [id, score / best[0]![1]]);
}

/** Token ids per word, through the pack's own tokenizer, each distinct word tokenized once. */
function wordTokenizer(tokenizer: PreTrainedTokenizer): (word: string) => number[] {
  const cache = new Map<string, number[]>();
  return (word) => {
    let ids = cache.get(word);
    if (!ids) {
      ids = tokenizer.encode(word, { add_special_tokens: false });
      cache.set(word, ids);
    }
    return ids;
  };
}

/** How often each token occurs in a text, its words split as the BERT pre-tokenizer splits them (whitespace and punctuation). */
function tokenCounts(text: string, tokens: (word: string) => number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [word] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)) {
    for (const id of tokens(word)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function unitVector(random: SeededRandom, dims: number): Float32Array {
  const vector = random.normals(dims, 1);
  const length = Math.hypot(...vector);
  return vector.map((x) => x / length);
}
