export interface BatchSizerLimits {
  min: number;
  initial: number;
  max: number;
  /** A batch slower than this makes the next ones smaller, so pause and cancel stay prompt. */
  maxBatchMs: number;
  /** Below this much free memory, batches shrink and the ceiling comes down with them. */
  minFreeBytes: number;
}

export const CPU_BATCH_LIMITS: BatchSizerLimits = { min: 4, initial: 16, max: 32, maxBatchMs: 3000, minFreeBytes: 512 * 1024 * 1024 };

/** Full batches between two tries of a neighbouring size. */
const EXPLORE_EVERY = 8;
/** Weight of the newest measurement in a size's running rate. */
const SMOOTHING = 0.3;

/**
 * Picks the embedding batch size from measurements: it tries the sizes next to the current one
 * now and then and keeps whichever embeds the most characters per millisecond; a slow batch or
 * short memory makes batches smaller at once.
 */
export class BatchSizer {
  private size: number;
  private ceiling: number;
  /** Per batch size: running characters per millisecond. */
  private readonly rates = new Map<number, number>();
  private fullBatches = 0;

  constructor(private readonly limits: BatchSizerLimits = CPU_BATCH_LIMITS) {
    this.size = limits.initial;
    this.ceiling = limits.max;
  }

  get current(): number {
    return this.size;
  }

  /** After each batch: how many texts, their characters, how long it took, and the free memory then. */
  record(batch: { texts: number; chars: number; ms: number; freeBytes: number }): void {
    // Only full batches say what a size does: a call's last batch is whatever was left.
    const full = batch.texts === this.size && batch.ms > 0;
    if (full) {
      const rate = batch.chars / batch.ms;
      const known = this.rates.get(this.size);
      this.rates.set(this.size, known === undefined ? rate : known * (1 - SMOOTHING) + rate * SMOOTHING);
    }
    if (batch.freeBytes < this.limits.minFreeBytes) {
      this.ceiling = Math.max(this.limits.min, Math.floor(this.size / 2));
      this.size = this.ceiling;
      return;
    }
    if (batch.ms > this.limits.maxBatchMs) {
      this.size = Math.max(this.limits.min, Math.floor(this.size / 2));
      return;
    }
    if (!full || ++this.fullBatches % EXPLORE_EVERY !== 0) return;
    const neighbours = [Math.min(this.ceiling, this.size * 2), Math.max(this.limits.min, Math.floor(this.size / 2))];
    const untried = neighbours.find((s) => s !== this.size && !this.rates.has(s));
    this.size = untried ?? [this.size, ...neighbours].reduce((best, s) => ((this.rates.get(s) ?? 0) > (this.rates.get(best) ?? 0) ? s : best));
  }
}
