/**
 * Upper bounds of the search latency buckets, in ms: tens of milliseconds are the norm, seconds
 * the outliers. The Prometheus histogram and the metrics history share them, so a percentile
 * read from either agrees.
 */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

/** Bucket counts: one per bound, plus the last for everything above the highest bound. */
export type BucketCounts = number[];

export function emptyBuckets(): BucketCounts {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

/** The index of the bucket `ms` falls in (each bound is inclusive, as Prometheus's `le`). */
export function bucketOf(ms: number): number {
  const index = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BUCKETS_MS.length : index;
}

/**
 * The p-th percentile of bucketed times, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does; the overflow bucket answers with the highest bound. Null when empty.
 * Buckets add up across samples, so this is right over any span, where averaging percentiles is not.
 */
export function bucketPercentile(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i] ?? 0;
    if (inBucket > 0 && below + inBucket >= rank) {
      if (i === LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[i - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      return lower + (LATENCY_BUCKETS_MS[i]! - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return LATENCY_BUCKETS_MS.at(-1)!;
}
