/** The p-th percentile (nearest rank) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The middle value (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Search times of the last `windowMs`, for their percentiles now. */
export class LatencyWindow {
  private readonly samples: Array<{ at: number; ms: number }> = [];

  constructor(private readonly windowMs = 60_000) {}

  record(ms: number, now: number): void {
    this.samples.push({ at: now, ms });
  }

  /** The p-th percentile of the window, or null when nothing happened in it. */
  percentile(p: number, now: number): number | null {
    this.forgetBefore(now);
    return this.samples.length === 0 ? null : percentile(this.samples.map((s) => s.ms), p);
  }

  count(now: number): number {
    this.forgetBefore(now);
    return this.samples.length;
  }

  private forgetBefore(now: number): void {
    while (this.samples.length > 0 && now - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }
}
