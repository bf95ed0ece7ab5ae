import type { Embedder } from '../core/embedding/embedder.js';
import { StaticEmbedder, staticInfo } from '../core/embedding/static-embedder.js';
import type { StaticPack } from '../core/embedding/static-pack.js';
import type { EmbedderInfo } from '../shared/types.js';
import { EmbedPool } from './embed-pool.js';

/** How long a burst of calls runs in this process before the workers take over. */
const HANDOFF_MS = 400;
/** A pause this long between calls ends a burst: the next one starts in this process again. */
const BURST_GAP_MS = 1000;

/**
 * The fast tier's embedder: a static pack's lookups and means, in this process for short work
 * (a query, a small folder: no worker to boot, about 7,000 chunks/s on one core since the ASCII
 * tokenizing path) and on worker threads for long passes (a large folder: every core). A burst of
 * calls that has run for HANDOFF_MS in this process starts the workers, and its later calls go to
 * them once they are ready. Measured on babel-core (374 files) and all of babel in BENCHMARKS.md.
 * With the ASCII path, storing the vectors rather than computing them sets the pace of babel's
 * pass: never handing off covered babel in 2.09-2.37x its lexical build, handing off at 400 ms in
 * 2.13-2.20x (bench:tiers, alternating runs), so the handoff stays as it was.
 */
export class StaticTierEmbedder implements Embedder {
  private local: Promise<StaticEmbedder> | null = null;
  private workersReady = false;
  private workersStarted = false;
  private burstStart = 0;
  private lastEnd = -Infinity;

  private readonly pool: EmbedPool;

  constructor(private readonly pack: StaticPack) {
    this.pool = new EmbedPool({ static: { modelsDir: pack.modelsDir, modelId: pack.modelId } }, 'full');
  }

  /** From the pack's config and header: status asks without loading the matrix. */
  async info(): Promise<EmbedderInfo> {
    return staticInfo(this.pack);
  }

  /** Loads the pack in this process (about a tenth of a second); the workers start only for long work. */
  warm(): void {
    this.inProcess().catch(() => undefined);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const now = performance.now();
    if (now - this.lastEnd > BURST_GAP_MS) {
      // A new burst starts here; the workers, idle since the last, may have exited.
      this.burstStart = now;
      this.workersStarted = false;
      this.workersReady = false;
    }
    if (now - this.burstStart > HANDOFF_MS && !this.workersStarted) {
      this.workersStarted = true;
      this.pool.warm();
      void this.pool.info().then(() => (this.workersReady = true), () => undefined);
    }
    try {
      return this.workersReady ? await this.pool.embed(texts, signal) : await (await this.inProcess()).embed(texts, signal);
    } finally {
      this.lastEnd = performance.now();
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private inProcess(): Promise<StaticEmbedder> {
    this.local ??= StaticEmbedder.create(this.pack.modelsDir, this.pack.modelId);
    return this.local;
  }
}
