import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOf, bucketPercentile, emptyBuckets, LATENCY_BUCKETS_MS } from './latency-histogram.js';
import { percentile } from './metrics.js';

function bucketsOf(times: number[]): number[] {
  const counts = emptyBuckets();
  for (const ms of times) counts[bucketOf(ms)]!++;
  return counts;
}

describe('latency histogram', () => {
  it('puts a time in the first bucket whose bound it does not exceed, and overflow last', () => {
    assert.equal(bucketOf(0.2), 0);
    assert.equal(bucketOf(1), 1, 'bounds are inclusive, as Prometheus le');
    assert.equal(bucketOf(1.01), 2);
    assert.equal(bucketOf(60_000), LATENCY_BUCKETS_MS.length);
  });

  it('reads a percentile within its bucket, so it lands between the bounds around the true value', () => {
    const times = Array.from({ length: 1000 }, (_, i) => 1 + (i % 100) * 0.4); // 1..40.6 ms, uniform
    const exact = percentile(times, 95);
    const estimate = bucketPercentile(bucketsOf(times), 95)!;
    const bucket = bucketOf(exact);
    assert.ok(estimate > (LATENCY_BUCKETS_MS[bucket - 1] ?? 0) && estimate <= LATENCY_BUCKETS_MS[bucket]!, `${estimate} in the bucket of ${exact}`);
    assert.equal(bucketPercentile(emptyBuckets(), 50), null);
  });

  it('adds up across samples: the p95 of two periods together is not the mean of their p95s', () => {
    const quiet = bucketsOf(Array.from({ length: 950 }, () => 3));
    const burst = bucketsOf(Array.from({ length: 50 }, () => 900));
    const together = quiet.map((n, i) => n + burst[i]!);
    const p95 = bucketPercentile(together, 95)!;
    const meanOfP95s = (bucketPercentile(quiet, 95)! + bucketPercentile(burst, 95)!) / 2;
    assert.ok(p95 <= 5, `the day's p95 is a quiet search's time (${p95})`);
    assert.ok(meanOfP95s > 400, 'where averaging percentiles would claim half a second');
    assert.equal(bucketPercentile(together, 99), 1000 - (1000 - 500) * (1 - ((0.99 * 1000 - 950) / 50)), 'p99 interpolates inside the 500–1000 ms bucket');
  });
});
