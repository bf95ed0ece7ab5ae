import { QuarryError } from '../../shared/errors.js';
import type { FolderInfo, IndexProgress } from '../../shared/types.js';
import type { Embedder } from '../embedding/embedder.js';
import type { ModelPack } from '../embedding/model-pack.js';
import type { Store } from '../store/store.js';
import type { PauseGate } from './pause-gate.js';

/** Chunk texts read from the store per round; embedded in sub-batches, one in flight while one is stored. */
const FETCH = 2048;
const BATCH = 64;

/** A batch that takes longer than this is stuck (a hung or crashed worker): it is abandoned and retried. */
const DEFAULT_BATCH_TIMEOUT_MS = 120_000;

export interface EmbedOptions {
  /** A path pattern (RE2) whose files this model leaves out: the transformer tier's LEFT_OUT_PATTERN. */
  exclude?: string;
  signal?: AbortSignal;
  gate?: PauseGate;
  batchTimeoutMs?: number;
}

export interface EmbedOutcome {
  computed: number;
  failed: number;
}

interface Pending {
  hash: string;
  text: string;
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
  options: EmbedOptions = {},
): AsyncGenerator<IndexProgress, EmbedOutcome> {
  const started = performance.now();
  await store.vectors(pack.key, pack.dims); // loaded so that stored vectors reach the search index
  const exclude = options.exclude ?? null;
  const total = await store.countChunksWithoutVectors(pack.key, folder.id, exclude);
  const timeout = options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS;
  let done = 0;
  let failed = 0;
  const progress = (): IndexProgress => {
    const elapsedMs = performance.now() - started;
    const rate = done / Math.max(elapsedMs / 1000, 1e-3);
    return {
      folder: folder.name, phase: 'embedding', unit: 'chunks', total, done, bytesDone: 0, elapsedMs, rate,
      etaMs: rate > 0 ? ((total - done) / rate) * 1000 : null,
    };
  };
  const attempt = (batch: Pending[]) => embedder.embed(batch.map((m) => m.text), AbortSignal.timeout(timeout));
  yield progress();
  for (;;) {
    const missing = await store.chunksWithoutVectors(pack.key, folder.id, FETCH, exclude);
    if (missing.length === 0) break;
    let inFlight = settle(attempt(missing.slice(0, BATCH)));
    for (let from = 0; from < missing.length; from += BATCH) {
      const batch = missing.slice(from, from + BATCH);
      const first = await inFlight;
      await options.gate?.wait(options.signal);
      if (options.signal?.aborted) throw new QuarryError('CANCELLED', 'Embedding was cancelled; the vectors stored so far are kept');
      const next = from + BATCH;
      if (next < missing.length) inFlight = settle(attempt(missing.slice(next, next + BATCH)));
      const { vectors, failures } = 'vectors' in first ? { vectors: first.vectors.map((v, i) => ({ hash: batch[i]!.hash, vector: v })), failures: [] } : await retry(batch, attempt);
      await store.putVectors(pack.key, vectors);
      await store.putEmbeddingFailures(pack.key, failures);
      done += batch.length;
      failed += failures.length;
      yield progress();
    }
  }
  return { computed: done - failed, failed };
}

type Settled = { vectors: Float32Array[] } | { error: unknown };

function settle(work: Promise<Float32Array[]>): Promise<Settled> {
  return work.then(
    (vectors) => ({ vectors }),
    (error: unknown) => ({ error }),
  );
}

/**
 * A failed batch is tried once more whole; if it fails again, each text alone, so that one bad
 * chunk cannot sink its neighbours. A text that fails alone is recorded with the reason.
 */
async function retry(
  batch: Pending[],
  attempt: (batch: Pending[]) => Promise<Float32Array[]>,
): Promise<{ vectors: Array<{ hash: string; vector: Float32Array }>; failures: Array<{ hash: string; reason: string }> }> {
  const again = await settle(attempt(batch));
  if ('vectors' in again) return { vectors: again.vectors.map((v, i) => ({ hash: batch[i]!.hash, vector: v })), failures: [] };
  const vectors: Array<{ hash: string; vector: Float32Array }> = [];
  const failures: Array<{ hash: string; reason: string }> = [];
  for (const item of batch) {
    const alone = await settle(attempt([item]));
    if ('vectors' in alone) vectors.push({ hash: item.hash, vector: alone.vectors[0]! });
    else failures.push({ hash: item.hash, reason: reasonOf(alone.error) });
  }
  return { vectors, failures };
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out (stuck or crashed worker)';
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
