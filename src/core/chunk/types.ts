import type { ChunkKind } from '../../shared/types.js';

/** A piece of a file sized for search and embedding, covering whole lines. */
export interface Chunk {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  /** The definition this chunk is, or the one it is a part of. */
  symbol: string | null;
  /** Every definition name inside the chunk. */
  symbols: string[];
  /** Signature lines of the enclosing definitions, outermost first. */
  context: string | null;
  text: string;
}

export interface ChunkLimits {
  /** A chunk grows by whole lines up to about this many characters. */
  maxChars: number;
}

/** About 1,500 characters keeps a chunk near 400 WordPiece tokens of code (docs/architecture.md). */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxChars: 1500 };
