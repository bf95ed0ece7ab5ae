import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { SkipReason } from '../../shared/types.js';
import type { Chunker } from '../chunk/chunker.js';
import type { Chunk } from '../chunk/types.js';
import { decodeSource } from '../files/decode.js';
import { languageOf, SYNTAX_LANGUAGES } from '../files/language.js';
import { chunkPostings } from '../lexical/tokenize.js';
import { skipFor } from '../walk/walker.js';

/** One file to (re)index; `knownHash` lets an mtime-only change cost a hash instead of a re-chunk. */
export interface FileJob {
  absPath: string;
  relPath: string;
  knownHash: string | null;
  /** Chunk along the syntax tree; false for the fast line-window pass of a large build. */
  syntax: boolean;
}

export interface IndexedChunk extends Chunk {
  hash: string;
  /** Postings of this chunk: parallel arrays of term hash and count. */
  terms: Int32Array;
  counts: Uint16Array;
  /** Term occurrences, the document length for BM25. */
  length: number;
}

export type FileOutcome =
  /** `ms`: the time this file took, from its read to its last chunk's postings. */
  | { type: 'indexed'; hash: string; language: string; size: number; chunks: IndexedChunk[]; provisional: boolean; ms: number }
  | { type: 'unchanged'; hash: string }
  | { type: 'skipped'; reason: SkipReason; detail: string };

/** A file whose processing threw: recorded, retried on the next run, and the rest go on. */
export function failedOutcome(error: unknown): FileOutcome {
  return { type: 'skipped', reason: 'failed', detail: error instanceof Error ? error.message : String(error) };
}

function contentHash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/**
 * Reads, decodes, chunks and tokenizes one file: all the CPU work of indexing, with no database.
 * Runs inside chunk workers; a file that vanished or cannot be read becomes a recorded skip.
 */
export async function processFile(job: FileJob, chunker: Chunker): Promise<FileOutcome> {
  const started = performance.now();
  let bytes: Buffer;
  try {
    // Synchronous on purpose: this runs on a worker thread, where an async read only adds
    // thread-pool round trips (measured: workers sat idle over half the time).
    bytes = fs.readFileSync(job.absPath);
  } catch (error) {
    const skip = skipFor(job.relPath, error);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { type: 'skipped', reason: 'not-a-file', detail: 'became a directory' };
    return { type: 'skipped', reason: skip.reason, detail: skip.detail };
  }
  const hash = contentHash(bytes);
  if (hash === job.knownHash) return { type: 'unchanged', hash };

  const decoded = decodeSource(bytes);
  if (!decoded.ok) return { type: 'skipped', reason: decoded.reason, detail: decoded.detail };

  const language = languageOf(job.relPath);
  const chunks = (await chunker.chunk(decoded.text, language, job.syntax)).map((chunk): IndexedChunk => {
    const { terms, counts, length } = chunkPostings(chunk);
    return { ...chunk, hash: contentHash(chunk.text), terms, counts, length };
  });
  // Chunked by lines where a grammar exists: to be re-chunked along the syntax tree.
  const provisional = !job.syntax && SYNTAX_LANGUAGES.has(language);
  return { type: 'indexed', hash, language, size: bytes.length, chunks, provisional, ms: performance.now() - started };
}
