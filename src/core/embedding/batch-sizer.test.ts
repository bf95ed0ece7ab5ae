import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchSizer, type BatchSizerLimits } from './batch-sizer.js';

const LIMITS: BatchSizerLimits = { min: 4, initial: 16, max: 64, maxBatchMs: 10_000, minFreeBytes: 1000 };
const PLENTY = 1e12;

/** Feeds the sizer full batches whose speed (characters per ms) depends on the batch size. */
function run(sizer: BatchSizer, rateOf: (size: number) => number, batches: number): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < batches; i++) {
    const size = sizer.current;
    sizes.push(size);
    const chars = size * 500;
    sizer.record({ texts: size, chars, ms: chars / rateOf(size), freeBytes: PLENTY });
  }
  return sizes;
}

describe('BatchSizer', () => {
  it('grows while bigger batches embed faster, and settles where they stop helping', () => {
    const sizer = new BatchSizer(LIMITS);
    // Throughput rises up to 32 texts per batch, then falls.
    run(sizer, (size) => (size <= 32 ? size : 64 - size), 200);
    assert.equal(sizer.current, 32);
  });

  it('shrinks when smaller batches are faster', () => {
    const sizer = new BatchSizer(LIMITS);
    run(sizer, (size) => 100 / size, 200);
    assert.equal(sizer.current, 4);
  });

  it('halves at once after a batch slower than the limit', () => {
    const sizer = new BatchSizer(LIMITS);
    sizer.record({ texts: 16, chars: 8000, ms: 20_000, freeBytes: PLENTY });
    assert.equal(sizer.current, 8);
  });

  it('halves and lowers its ceiling when memory runs short', () => {
    const sizer = new BatchSizer(LIMITS);
    sizer.record({ texts: 16, chars: 8000, ms: 10, freeBytes: 10 });
    assert.equal(sizer.current, 8);
    // Even if bigger batches were faster, it never goes back above the new ceiling.
    run(sizer, (size) => size, 200);
    assert.equal(sizer.current, 8);
  });

  it('learns nothing from a short final batch', () => {
    const sizer = new BatchSizer(LIMITS);
    for (let i = 0; i < 8; i++) sizer.record({ texts: 3, chars: 1500, ms: 1, freeBytes: PLENTY });
    assert.equal(sizer.current, 16);
  });
});
