import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/fixtures.js';
import { bucketOf, bucketPercentile, emptyBuckets, type BucketCounts } from './latency-histogram.js';
import { HISTORY_TIERS, MetricsHistory, QUERIES_KEPT_PER_DAY, type HistorySample, type HistoryStep } from './metrics-history.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A fixed start on a day boundary, so roll-ups land where the test expects them. */
const START = Date.UTC(2026, 0, 5);
const SERIES = 'search.lexical';
const [RAW, MINUTES, HOURS] = HISTORY_TIERS.map((tier) => tier.retentionMs);

/**
 * The search times of the sample at `at`, periodic in days: quick searches every sample, a slow
 * one each sample of every fifth day, a middling one at noon of every fourth day, so days (and
 * hours) differ in p95. The pattern repeats every 20 days: a 100-day cycle ends as the one before.
 */
function searchesAt(at: number): number[] {
  const day = Math.floor((at - START) / DAY);
  const hour = Math.floor((at % DAY) / HOUR);
  const times = [2, 3, 4];
  if (day % 5 === 2) times.push(700);
  if (hour === 12 && day % 4 === 0) times.push(40);
  return times;
}

function sampleAt(at: number): HistorySample {
  const histogram = emptyBuckets();
  const times = searchesAt(at);
  for (const ms of times) histogram[bucketOf(ms)]!++;
  return { at, counts: { [SERIES]: times.length }, gauges: { 'memory.rss_mb': 100 }, histograms: { [SERIES]: histogram } };
}

/** Each step's buckets as the samples taken every `everyMs` since START would give them, for the steps the history returned. */
function expectedBuckets(steps: readonly HistoryStep[], stepMs: number, everyMs: number, last: number): BucketCounts[] {
  return steps.map((step) => {
    const buckets = emptyBuckets();
    const first = START + Math.ceil((step.at - START) / everyMs) * everyMs;
    for (let at = first; at < step.at + stepMs && at <= last; at += everyMs) for (const ms of searchesAt(at)) buckets[bucketOf(ms)]!++;
    return buckets;
  });
}

/** Asserts each step's histogram, and so its p95, is the samples' own: nothing lost or counted twice by the roll-ups. */
function assertBuckets(steps: readonly HistoryStep[], stepMs: number, everyMs: number, last: number): void {
  const expected = expectedBuckets(steps, stepMs, everyMs, last);
  steps.forEach((step, i) => {
    const got = step.histograms.get(SERIES)!;
    assert.deepEqual(got, expected[i], `the step at ${new Date(step.at).toISOString()} holds its samples' searches`);
    assert.equal(bucketPercentile(got, 95), bucketPercentile(expected[i]!, 95));
  });
}

describe('MetricsHistory retention over synthetic time', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  it('past 7 days drops the minute tier\'s oldest rows, and what is kept still gives each span its p95', async () => {
    const history = await MetricsHistory.open(path.join(dir, 'week.duckdb'));
    const every = 30 * MINUTE;
    const last = START + 8 * DAY;
    try {
      for (let at = START; at <= last; at += every) await history.record(sampleAt(at));
      const [raw, minutes, hours] = await history.rowCounts();
      // Two scalar series per sample (a count and a gauge). Raw: the last two hours and the sample now.
      assert.equal(raw, (RAW! / every + 1) * 2);
      assert.equal(minutes, (MINUTES! / every) * 2, 'the minutes of the last 7 days (the current one not finished)');
      assert.equal(hours, (8 * DAY / HOUR) * 2, 'every finished hour: the hour tier keeps 90 days');
      const [rawBuckets, minuteBuckets] = await history.rowCounts('buckets');
      assert.ok(rawBuckets! > 0 && minuteBuckets! > 0 && minuteBuckets! <= (MINUTES! / every) * 4, `buckets pruned with their tier (${minuteBuckets})`);

      const pruned = { from: START, to: last - MINUTES! };
      assert.deepEqual(await history.steps(pruned.from, pruned.to, 30 * MINUTE), [], 'no minute rows older than 7 days');
      const hourly = await history.steps(pruned.from, pruned.to, HOUR);
      assert.equal(hourly.length, 24, 'the hour tier still has that first day');
      assertBuckets(hourly, HOUR, every, last);

      // Half hours over the kept week: minutes rolled up and the raw tail.
      const halfHours = await history.steps(last - MINUTES!, last + 1, 30 * MINUTE);
      assert.equal(halfHours.length, 7 * 48 + 1);
      assertBuckets(halfHours, 30 * MINUTE, every, last);
      const p95s = halfHours.map((step) => bucketPercentile(step.histograms.get(SERIES)!, 95)!);
      assert.ok(p95s.some((ms) => ms > 500) && p95s.some((ms) => ms <= 5), 'slow and quick spans stay apart');
    } finally {
      await history.close();
    }
  });

  it('past 90 days drops the hour tier\'s oldest rows, and cycle after cycle every tier, and the query log, stops growing', async () => {
    const history = await MetricsHistory.open(path.join(dir, 'quarter.duckdb'));
    // Twice a day, so three cycles of 100 days stay quick; each sample rolls a minute and an hour up.
    const every = 12 * HOUR;
    const cycle = 100 * DAY;
    const counts: Array<{ scalars: number[]; buckets: number[]; queries: number; days: number }> = [];
    let last = 0;
    try {
      for (let round = 0; round < 3; round++) {
        const from = START + round * cycle;
        for (let at = from; at < from + cycle; at += every) {
          await history.record(sampleAt(at));
          // A query of its own each sample, and one searched at every sample: 3 a day.
          await history.recordQueries([
            { query: `once ${at}`, mode: 'default', searches: 1, at },
            { query: 'every sample', mode: 'default', searches: 1, at },
          ]);
          last = at;
        }
        const log = await history.queryLogRows();
        counts.push({ scalars: await history.rowCounts(), buckets: await history.rowCounts('buckets'), queries: log.reduce((n, day) => n + day.rows, 0), days: log.length });
      }
      // The same span of time again: not a row more.
      assert.deepEqual(counts[1], counts[0]);
      assert.deepEqual(counts[2], counts[0]);
      const [raw, minutes, hours] = counts[0]!.scalars;
      assert.equal(raw, (Math.floor(RAW! / every) + 1) * 2, 'the sample now: raw samples are kept two hours');
      assert.equal(minutes, (MINUTES! / every) * 2);
      assert.equal(hours, (HOURS! / every) * 2, 'the hours of the last 90 days');
      assert.equal(counts[0]!.days, 31, 'the query log keeps 30 days before today');
      assert.equal(counts[0]!.queries, 31 * 3);

      assert.deepEqual(await history.steps(0, last - HOURS!, HOUR), [], 'no rows older than 90 days, in any tier');
      assert.deepEqual(await history.steps(0, last - MINUTES!, 30 * MINUTE), [], 'no minute rows older than 7 days');
      const daily = await history.steps(last - HOURS!, last + 1, DAY);
      assert.equal(daily.length, 91, '90 days of hours, the last one starting at the newest sample');
      assertBuckets(daily, DAY, every, last);
      const p95s = daily.map((step) => bucketPercentile(step.histograms.get(SERIES)!, 95)!);
      assert.ok(p95s.some((ms) => ms > 500) && p95s.some((ms) => ms <= 5), `slow days and quick days (${p95s.slice(0, 10).join(', ')})`);
      assert.deepEqual((await history.topQueries(last - 7 * DAY, 1)).map((q) => [q.query, q.searches]), [['every sample', 8 * 2]]);
    } finally {
      await history.close();
    }
  });

  it('keeps an ended day\'s most searched queries only, so a day of generated queries does not grow the log', async () => {
    const history = await MetricsHistory.open(path.join(dir, 'queries.duckdb'));
    const day = START + 30 * DAY;
    try {
      // A morning of an agent's one-off queries fills the day's allowance first...
      for (let batch = 0; batch < 11; batch++) {
        const at = day + batch * MINUTE;
        await history.recordQueries(Array.from({ length: 100 }, (_, i) => ({ query: `generated ${batch}-${i}`, mode: 'default', searches: 1, at })));
      }
      // ...then a person's queries arrive one search per sample, as the sampler writes them.
      for (let sample = 0; sample < 40; sample++) {
        const at = day + HOUR + sample * 5_000;
        await history.recordQueries([
          { query: 'zebra handler', mode: 'hybrid', searches: 1, at },
          ...(sample % 2 === 0 ? [{ query: 'also searched', mode: 'default', searches: 1, at }] : []),
        ]);
      }
      assert.deepEqual(await history.queryLogRows(), [{ day, rows: 1_102 }], 'the day in progress is not trimmed');
      // The next day trims the one before to its allowance, keeping the queries worth warming.
      await history.recordQueries([{ query: 'zebra handler', mode: 'hybrid', searches: 1, at: day + DAY }]);
      assert.deepEqual(await history.queryLogRows(), [{ day, rows: QUERIES_KEPT_PER_DAY }, { day: day + DAY, rows: 1 }]);
      assert.deepEqual(await history.topQueries(day, 2), [{ query: 'zebra handler', mode: 'hybrid', searches: 41 }, { query: 'also searched', mode: 'default', searches: 20 }]);
    } finally {
      await history.close();
    }
  });
});
