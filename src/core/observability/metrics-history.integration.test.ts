import assert from 'node:assert/strict';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempDir } from '../../../test/support/fixtures.js';
import { bucketOf, bucketPercentile, emptyBuckets } from './latency-histogram.js';
import { HISTORY_TIERS, MetricsHistory, type HistorySample } from './metrics-history.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A fixed start on an hour boundary, so roll-ups land where the test expects them. */
const START = Date.UTC(2026, 0, 5, 10);

function sample(at: number, searchMs: number[], rssMb: number): HistorySample {
  const histogram = emptyBuckets();
  for (const ms of searchMs) histogram[bucketOf(ms)]!++;
  return { at, counts: { 'search.lexical': searchMs.length }, gauges: { 'memory.rss_mb': rssMb }, histograms: { 'search.lexical': histogram } };
}

describe('MetricsHistory', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  it('keeps samples across a reopen, and rolls minutes up so a long range reads the same totals', async () => {
    const file = path.join(dir, 'metrics.duckdb');
    let history = await MetricsHistory.open(file);
    // Ten minutes at one sample per 5 s: quiet searches, and one slow minute in the middle.
    for (let at = START; at < START + 10 * MINUTE; at += 5000) {
      const slow = at >= START + 4 * MINUTE && at < START + 5 * MINUTE;
      await history.record(sample(at, slow ? [800] : [2, 3], 100 + (at - START) / MINUTE));
    }
    await history.close();
    history = await MetricsHistory.open(file);
    try {
      const [raw, minutes] = await history.rowCounts();
      assert.equal(raw, 120 * 2, 'every raw sample is still there for two hours');
      assert.equal(minutes, 9 * 2, 'the nine finished minutes are rolled up; the tenth is not finished');

      const fine = await history.steps(START, START + 10 * MINUTE, 5000);
      const coarse = await history.steps(START, START + 10 * MINUTE, 2 * MINUTE);
      assert.equal(fine.length, 120);
      assert.equal(coarse.length, 5);
      const total = (steps: typeof fine) => steps.reduce((sum, step) => sum + (step.counts.get('search.lexical') ?? 0), 0);
      assert.equal(total(coarse), total(fine), 'the minute tier and the raw tail add up to the raw samples');
      assert.equal(total(fine), 108 * 2 + 12);

      const slowSteps = coarse[2]!; // minutes 4 and 5
      const p95 = bucketPercentile(slowSteps.histograms.get('search.lexical')!, 95)!;
      assert.ok(p95 > 500, `the slow minute shows in its step's p95 (${p95})`);
      assert.ok(bucketPercentile(coarse[0]!.histograms.get('search.lexical')!, 95)! <= 5, 'and not in the quiet ones');
      const memory = coarse[4]!.gauges.get('memory.rss_mb')!;
      assert.ok(memory.mean > 108 && memory.mean < 110 && memory.max > 109.9, `a gauge keeps its mean and maximum (${memory.mean}, ${memory.max})`);
    } finally {
      await history.close();
    }
  });

  it('drops each tier past its retention, so the file stays bounded', async () => {
    const history = await MetricsHistory.open(path.join(dir, 'bounded.duckdb'));
    try {
      // A sample each minute for three hours: raw keeps two hours, minutes all of it.
      for (let at = START; at <= START + 3 * HOUR; at += MINUTE) await history.record(sample(at, [4], 100));
      const [raw, minutes, hours] = await history.rowCounts();
      assert.ok(raw! <= (HISTORY_TIERS[0].retentionMs / MINUTE + 1) * 2, `raw pruned to two hours (${raw} rows)`);
      assert.equal(minutes, 180 * 2);
      assert.equal(hours, 3 * 2, 'three finished hours');
      const daily = await history.steps(START, START + 4 * HOUR, 12 * HOUR);
      assert.equal(daily[0]!.counts.get('search.lexical'), 181, 'hours, minutes and raw together count every search once');
    } finally {
      await history.close();
    }
  });

  it('keeps index runs as spans with their reports, newest first', async () => {
    const history = await MetricsHistory.open(path.join(dir, 'runs.duckdb'));
    try {
      await history.recordRun({ folder: 'a', startedAt: START, endedAt: START + 5000, report: { files: 3 } });
      await history.recordRun({ folder: 'b', startedAt: START + HOUR, endedAt: START + HOUR + 1000, report: { files: 1 } });
      assert.deepEqual((await history.runs(START, START + 2 * HOUR, 10)).map((run) => [run.folder, run.report]), [['b', { files: 1 }], ['a', { files: 3 }]]);
      assert.deepEqual((await history.runs(START + 10_000, START + 2 * HOUR, 10)).map((run) => run.folder), ['b'], 'only runs overlapping the range');
    } finally {
      await history.close();
    }
  });

  it('keeps each alert event with the metric its value was measured in, newest first', async () => {
    const file = path.join(dir, 'alerts.duckdb');
    let history = await MetricsHistory.open(file);
    await history.recordAlertEvent({ at: START, ruleId: 'high-memory', name: 'Memory is high', state: 'firing', value: 1700, metric: 'rssMb' });
    await history.recordAlertEvent({ at: START + MINUTE, ruleId: 'high-memory', name: 'Memory', state: 'resolved', value: 40, metric: 'rssBudgetShare' });
    await history.close();
    history = await MetricsHistory.open(file);
    try {
      assert.deepEqual((await history.alertEvents(10)).map((event) => [event.name, event.value, event.metric]), [
        ['Memory', 40, 'rssBudgetShare'],
        ['Memory is high', 1700, 'rssMb'],
      ]);
    } finally {
      await history.close();
    }
  });

  it('adds the metric to the alert events of a file from before it was kept: old events read null, new ones their metric', async () => {
    const file = path.join(dir, 'old-alerts.duckdb');
    // The table as older versions created it, with an event in it.
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    await db.run('CREATE TABLE alert_events (at_ms BIGINT, rule_id VARCHAR, name VARCHAR, state VARCHAR, value DOUBLE)');
    await db.run("INSERT INTO alert_events VALUES (?, 'high-memory', 'Memory is high', 'firing', 1700)", [START]);
    db.closeSync();
    instance.closeSync();

    for (let opening = 0; opening < 2; opening++) {
      const history = await MetricsHistory.open(file);
      try {
        if (opening === 0) await history.recordAlertEvent({ at: START + MINUTE, ruleId: 'high-memory', name: 'Memory', state: 'resolved', value: 40, metric: 'rssBudgetShare' });
        assert.deepEqual((await history.alertEvents(10)).map((event) => [event.at, event.value, event.metric]), [
          [START + MINUTE, 40, 'rssBudgetShare'],
          [START, 1700, null],
        ], opening === 0 ? 'migrated on opening' : 'and opens again as it is');
      } finally {
        await history.close();
      }
    }
  });

  it('moves an unreadable file aside and starts a new history rather than refusing to start', async () => {
    const garbage = path.join(dir, 'garbage.duckdb');
    await writeFile(garbage, 'this is not a DuckDB file, but a disk full of surprises'.repeat(100));
    // A real history file damaged in the middle, and one cut short.
    const damaged = path.join(dir, 'damaged.duckdb');
    const truncated = path.join(dir, 'truncated.duckdb');
    for (const file of [damaged, truncated]) {
      const history = await MetricsHistory.open(file);
      for (let i = 0; i < 50; i++) await history.record(sample(START + i * 5000, [1, 2], 100));
      await history.close();
    }
    const bytes = await readFile(damaged);
    bytes.fill(0xab, 4096, 12_288);
    await writeFile(damaged, bytes);
    await truncate(truncated, 6000);
    for (const file of [garbage, damaged, truncated]) {
      const history = await MetricsHistory.open(file);
      try {
        await history.record(sample(START, [1], 1));
        assert.equal((await history.steps(START, START + 1000, 1000)).length, 1, `a new history in place of ${path.basename(file)}`);
      } finally {
        await history.close();
      }
      assert.ok((await readdir(dir)).some((name) => name.startsWith(`${path.basename(file)}.unreadable-`)), `${path.basename(file)} moved aside`);
    }
  });
});
