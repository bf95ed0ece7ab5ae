import type { EmbedderInfo } from '../../shared/types.js';

/** Turns chunk texts into unit-length vectors: embed workers in the app, in-process in tools. */
export interface Embedder {
  /** Loads the model if needed and says where it runs. */
  info(): Promise<EmbedderInfo>;
  /** One vector per text, in order, each of `info().dims` floats; gives up when `signal` aborts. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Starts loading the model wherever it runs, so the first batch does not wait for it; errors surface at `embed`. */
  warm?(): void;
}
