import { QuarryError } from '../../shared/errors.js';
import type { FolderInfo, IndexProgress } from '../../shared/types.js';
import type { Embedder } from '../embedding/embedder.js';
import type { ModelPack } from '../embedding/model-pack.js';
import type { Store } from '../store/store.js';

/** Chunk texts read from the store per round; embedded in sub-batches, one in flight while one is stored. */
const FETCH = 2048;
const BATCH = 64;

export interface EmbedOutcome {
  computed: number;
}

/**
 * Phase 2: fills in vectors for a folder's chunks that have none for the model, one per distinct
 * text, most useful first (source before tests, recent and small files first). Vectors are
 * stored as each batch finishes, so search sees coverage grow, and an interruption loses at most
 * the batch in flight.
 */
export async function* embedFolder(
  store: Store,
  folder: FolderInfo,
  embedder: Embedder,
  pack: Pick<ModelPack, 'key' | 'dims'>,
  signal?: AbortSignal,
): AsyncGenerator<IndexProgress, EmbedOutcome> {
  const started = performance.now();
  await store.vectors(pack.key, pack.dims); // loaded so that stored vectors reach the search index
  const total = await store.countChunksWithoutVectors(pack.key, folder.id);
  let done = 0;
  const progress = (): IndexProgress => {
    const elapsedMs = performance.now() - started;
    const rate = done / Math.max(elapsedMs / 1000, 1e-3);
    return {
      folder: folder.name, phase: 'embedding', unit: 'chunks', total, done, bytesDone: 0, elapsedMs, rate,
      etaMs: rate > 0 ? ((total - done) / rate) * 1000 : null,
    };
  };
  yield progress();
  for (;;) {
    const missing = await store.chunksWithoutVectors(pack.key, folder.id, FETCH);
    if (missing.length === 0) break;
    let inFlight = embedder.embed(missing.slice(0, BATCH).map((m) => m.text));
    for (let from = 0; from < missing.length; from += BATCH) {
      const vectors = await inFlight;
      if (signal?.aborted) throw new QuarryError('CANCELLED', 'Embedding was cancelled; the vectors stored so far are kept');
      const next = from + BATCH;
      if (next < missing.length) inFlight = embedder.embed(missing.slice(next, next + BATCH).map((m) => m.text));
      const batch = missing.slice(from, next);
      await store.putVectors(pack.key, batch.map((m, i) => ({ hash: m.hash, vector: vectors[i]! })));
      done += batch.length;
      yield progress();
    }
  }
  return { computed: done };
}
