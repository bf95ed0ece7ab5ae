import { rename } from 'node:fs/promises';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { QuarryError } from '../../shared/errors.js';
import { openDuckDBFile } from '../store/open-database.js';
import { emptyBuckets, type BucketCounts } from './latency-histogram.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Resolution and retention of each tier, finest first: raw samples for about 2 hours, minutes for
 * about 7 days, hours for about 90 days. Each tier is rolled up from the one before it, so the
 * file's size is bounded by the retentions, whatever the uptime.
 */
export const HISTORY_TIERS = [
  { name: 'raw', resolutionMs: 0, retentionMs: 2 * HOUR },
  { name: 'minute', resolutionMs: MINUTE, retentionMs: 7 * DAY },
  { name: 'hour', resolutionMs: HOUR, retentionMs: 90 * DAY },
] as const;

/** Index runs kept for their spans and reports, and alert state changes: the newest, whatever their age. */
const RUNS_KEPT = 500;
const ALERT_EVENTS_KEPT = 1000;
/** Days of the query log kept for the result cache's warm-up (it looks back a week). */
const QUERY_DAYS_KEPT = 30;
/**
 * Distinct queries (with their mode) kept per day of the log, the most searched: the warm-up ranks
 * the week's top 20, and a day of generated queries (an agent's, say) must not grow the file.
 */
export const QUERIES_KEPT_PER_DAY = 1000;

/** One sample of the engine's metrics. */
export interface HistorySample {
  at: number;
  /** Events since the previous sample (searches, files, chunks, cache lookups): summed when rolled up. */
  counts: Record<string, number>;
  /** Values at the sample (memory, index size, coverage): averaged, with their maximum kept, when rolled up. */
  gauges: Record<string, number>;
  /** Latency bucket counts since the previous sample: added bucket by bucket when rolled up. */
  histograms: Record<string, BucketCounts>;
}

/** The history over one step of a chart: every sample whose time falls in [at, at + step). */
export interface HistoryStep {
  at: number;
  counts: Map<string, number>;
  gauges: Map<string, { mean: number; max: number }>;
  histograms: Map<string, BucketCounts>;
}

/** An index run as the history keeps it: its span, and its report as the service wrote it. */
export interface StoredRun {
  folder: string;
  startedAt: number;
  endedAt: number;
  report: unknown;
}

const SCHEMA = [
  // kind 0: a count (summed), kind 1: a gauge (sum and n give the mean). Raw rows have n = 1.
  'CREATE TABLE IF NOT EXISTS scalars (tier UTINYINT, at_ms BIGINT, series VARCHAR, kind UTINYINT, sum DOUBLE, n INTEGER, max DOUBLE)',
  'CREATE TABLE IF NOT EXISTS buckets (tier UTINYINT, at_ms BIGINT, series VARCHAR, bucket UTINYINT, count BIGINT)',
  // Rows of the tier below `tier` older than `until` have been rolled into it.
  'CREATE TABLE IF NOT EXISTS rollups (tier UTINYINT PRIMARY KEY, until BIGINT)',
  'CREATE TABLE IF NOT EXISTS runs (folder VARCHAR, started_at BIGINT, ended_at BIGINT, report VARCHAR)',
  // metric: the id of the metric the rule watched (its unit follows from it); NULL for rows kept before it was.
  'CREATE TABLE IF NOT EXISTS alert_events (at_ms BIGINT, rule_id VARCHAR, name VARCHAR, state VARCHAR, value DOUBLE, metric VARCHAR)',
  // A file from before the column: its old rows read NULL.
  'ALTER TABLE alert_events ADD COLUMN IF NOT EXISTS metric VARCHAR',
  'CREATE TABLE IF NOT EXISTS benchmarks (at_ms BIGINT, profile VARCHAR, commit VARCHAR, figures VARCHAR)',
  'CREATE TABLE IF NOT EXISTS queries (day BIGINT, query VARCHAR, mode VARCHAR, searches BIGINT, PRIMARY KEY (day, query, mode))',
];

/** A benchmark run as the history keeps it: its gated figures as the bench wrote them. */
export interface StoredBenchmark {
  at: number;
  profile: string;
  commit: string;
  figures: unknown;
}

/** Searches of one query in one mode since the last write. */
export interface QueryCount {
  query: string;
  /** The mode asked for, or 'default' for none. */
  mode: string;
  searches: number;
  /** When the last of them ran: the day it is counted under. */
  at: number;
}

/** An alert's change of state as the history keeps it. */
export interface StoredAlertEvent {
  at: number;
  ruleId: string;
  name: string;
  state: string;
  value: number | null;
  /** The id of the metric the rule watched when the state changed (a rule's metric can change later); null when unknown (kept before the history stored it). */
  metric: string | null;
}

/**
 * The metrics history: a DuckDB file of its own, beside the index and never inside it, since every
 * index transaction bumps the generation that keys the result cache and the cursors. One
 * connection, one statement at a time.
 */
export class MetricsHistory {
  private queue: Promise<unknown> = Promise.resolve();
  /** Per tier above raw: how far its tier below has been rolled into it. */
  private readonly rolledUntil: number[];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    rolledUntil: number[],
  ) {
    this.rolledUntil = rolledUntil;
  }

  /**
   * Opens (or creates) the history file. A file DuckDB cannot read is moved aside with a warning
   * and a new one started: history is worth keeping, not worth refusing to start over.
   */
  static async open(path: string): Promise<MetricsHistory> {
    let instance: DuckDBInstance;
    try {
      instance = await openHistoryFile(path);
    } catch (error) {
      if ((error as QuarryError).code !== 'DATABASE_ERROR') throw error; // locked or unwritable: not the file's fault
      const aside = `${path}.unreadable-${Date.now()}`;
      console.warn(`quarry: ${(error as Error).message}; moved it to ${aside} and started a new history`);
      await rename(path, aside);
      // Its write-ahead log belongs to it, not to the new file that would replay it.
      await rename(`${path}.wal`, `${aside}.wal`).catch(() => undefined);
      instance = await openHistoryFile(path);
    }
    try {
      const db = await instance.connect();
      for (const statement of SCHEMA) await db.run(statement);
      const rows = (await db.runAndReadAll('SELECT tier, until FROM rollups')).getRowObjects();
      const rolledUntil = HISTORY_TIERS.map(() => 0);
      for (const row of rows) rolledUntil[Number(row.tier)] = Number(row.until);
      return new MetricsHistory(instance, db, rolledUntil);
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * Appends a sample, then rolls finished minutes and hours up and drops what outlived its tier, in
   * one transaction: a roll-up is never half written (counted twice after a crash), and the file
   * takes one commit per sample rather than one per statement.
   */
  record(sample: HistorySample): Promise<void> {
    return this.exclusive(() => this.atomically(async () => {
      const scalars: DuckDBValue[] = [];
      for (const [series, value] of Object.entries(sample.counts)) scalars.push(sample.at, series, 0, value, 1, value);
      for (const [series, value] of Object.entries(sample.gauges)) scalars.push(sample.at, series, 1, value, 1, value);
      const buckets: DuckDBValue[] = [];
      for (const [series, counts] of Object.entries(sample.histograms)) {
        counts.forEach((count, bucket) => {
          if (count > 0) buckets.push(sample.at, series, bucket, count);
        });
      }
      if (scalars.length > 0) await this.db.run(`INSERT INTO scalars VALUES ${rowsOf(scalars.length / 6, '(0, ?, ?, ?, ?, ?, ?)')}`, scalars);
      if (buckets.length > 0) await this.db.run(`INSERT INTO buckets VALUES ${rowsOf(buckets.length / 4, '(0, ?, ?, ?, ?)')}`, buckets);
      await this.rollUp(sample.at);
    }));
  }

  /**
   * The history between `from` and `to` in steps of `stepMs`, oldest first, with steps that have no
   * sample left out. It reads the coarsest tier fine enough for the step, and the finer tiers for
   * the recent time not yet rolled into it.
   */
  steps(from: number, to: number, stepMs: number): Promise<HistoryStep[]> {
    return this.exclusive(async () => {
      let tier = 0;
      while (tier + 1 < HISTORY_TIERS.length && HISTORY_TIERS[tier + 1]!.resolutionMs <= stepMs) tier++;
      // Tier t holds everything before rolledUntil[t]; each finer tier the time after the next one's mark.
      const parts = ['(tier = ? AND at_ms < ?)'];
      const params: DuckDBValue[] = [tier, tier === 0 ? Number.MAX_SAFE_INTEGER : this.rolledUntil[tier]!];
      for (let finer = tier - 1; finer >= 0; finer--) {
        parts.push('(tier = ? AND at_ms >= ?)');
        params.push(finer, this.rolledUntil[finer + 1]!);
      }
      const where = `(${parts.join(' OR ')}) AND at_ms >= ? AND at_ms < ?`;
      params.push(from, to);
      const step = Math.max(1, Math.round(stepMs));
      const scalarRows = (await this.db.runAndReadAll(
        `SELECT ?::BIGINT + (at_ms - ?::BIGINT) // ${step} * ${step} AS step, series, any_value(kind) AS kind, sum(sum) AS sum, sum(n) AS n, max(max) AS max
         FROM scalars WHERE ${where} GROUP BY ALL`,
        [from, from, ...params],
      )).getRowObjects();
      const bucketRows = (await this.db.runAndReadAll(
        `SELECT ?::BIGINT + (at_ms - ?::BIGINT) // ${step} * ${step} AS step, series, bucket, sum(count) AS count FROM buckets WHERE ${where} GROUP BY ALL`,
        [from, from, ...params],
      )).getRowObjects();
      const byStep = new Map<number, HistoryStep>();
      const stepAt = (at: number): HistoryStep => {
        let found = byStep.get(at);
        if (!found) byStep.set(at, (found = { at, counts: new Map(), gauges: new Map(), histograms: new Map() }));
        return found;
      };
      for (const row of scalarRows) {
        const target = stepAt(Number(row.step));
        const series = String(row.series);
        if (Number(row.kind) === 0) target.counts.set(series, Number(row.sum));
        else target.gauges.set(series, { mean: Number(row.sum) / Number(row.n), max: Number(row.max) });
      }
      for (const row of bucketRows) {
        const target = stepAt(Number(row.step));
        const series = String(row.series);
        let counts = target.histograms.get(series);
        if (!counts) target.histograms.set(series, (counts = emptyBuckets()));
        counts[Number(row.bucket)] = Number(row.count);
      }
      return [...byStep.values()].sort((a, b) => a.at - b.at);
    });
  }

  /** Keeps an index run: its span on the charts and its report. */
  recordRun(run: StoredRun): Promise<void> {
    return this.exclusive(async () => {
      await this.db.run('INSERT INTO runs VALUES (?, ?, ?, ?)', [run.folder, run.startedAt, run.endedAt, JSON.stringify(run.report)]);
      await this.keepNewest('runs', 'started_at', RUNS_KEPT);
    });
  }

  /** Runs that overlap [from, to], newest first, at most `limit`. */
  runs(from: number, to: number, limit: number): Promise<StoredRun[]> {
    return this.exclusive(async () => {
      const rows = (await this.db.runAndReadAll(
        'SELECT folder, started_at, ended_at, report FROM runs WHERE ended_at >= ? AND started_at <= ? ORDER BY started_at DESC LIMIT ?',
        [from, to, limit],
      )).getRowObjects();
      return rows.map((row) => ({
        folder: String(row.folder),
        startedAt: Number(row.started_at),
        endedAt: Number(row.ended_at),
        report: JSON.parse(String(row.report)) as unknown,
      }));
    });
  }

  recordAlertEvent(event: StoredAlertEvent): Promise<void> {
    return this.exclusive(async () => {
      await this.db.run(
        'INSERT INTO alert_events (at_ms, rule_id, name, state, value, metric) VALUES (?, ?, ?, ?, ?, ?)',
        [event.at, event.ruleId, event.name, event.state, event.value, event.metric],
      );
      await this.keepNewest('alert_events', 'at_ms', ALERT_EVENTS_KEPT);
    });
  }

  /** The latest alert events, newest first. */
  alertEvents(limit: number): Promise<StoredAlertEvent[]> {
    return this.exclusive(async () => {
      const rows = (await this.db.runAndReadAll('SELECT at_ms, rule_id, name, state, value, metric FROM alert_events ORDER BY at_ms DESC LIMIT ?', [limit])).getRowObjects();
      return rows.map((row) => ({
        at: Number(row.at_ms),
        ruleId: String(row.rule_id),
        name: String(row.name),
        state: String(row.state),
        value: row.value === null ? null : Number(row.value),
        metric: row.metric === null ? null : String(row.metric),
      }));
    });
  }

  /** Keeps a benchmark run (the newest RUNS_KEPT, as index runs). */
  recordBenchmark(run: StoredBenchmark): Promise<void> {
    return this.exclusive(async () => {
      await this.db.run('INSERT INTO benchmarks VALUES (?, ?, ?, ?)', [run.at, run.profile, run.commit, JSON.stringify(run.figures)]);
      await this.keepNewest('benchmarks', 'at_ms', RUNS_KEPT);
    });
  }

  /** Benchmark runs between `from` and `to`, oldest first. */
  benchmarks(from: number, to: number): Promise<StoredBenchmark[]> {
    return this.exclusive(async () => {
      const rows = (await this.db.runAndReadAll('SELECT at_ms, profile, commit, figures FROM benchmarks WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms', [from, to])).getRowObjects();
      return rows.map((row) => ({ at: Number(row.at_ms), profile: String(row.profile), commit: String(row.commit), figures: JSON.parse(String(row.figures)) as unknown }));
    });
  }

  /**
   * Adds searches to the query log (what the result cache is warmed from), counted per day. Days
   * past QUERY_DAYS_KEPT are dropped, and a day that has ended keeps its QUERIES_KEPT_PER_DAY most
   * searched queries, so the log is bounded by count as well as by age. The day in progress is
   * trimmed only once it is over: trimmed as it went, a query first searched after a flood of
   * one-off queries would tie with them at one search and drop out before it could count up.
   */
  recordQueries(counts: readonly QueryCount[]): Promise<void> {
    if (counts.length === 0) return Promise.resolve();
    return this.exclusive(async () => {
      const dayOf = (at: number) => Math.floor(at / DAY) * DAY;
      const values = counts.flatMap((c) => [dayOf(c.at), c.query, c.mode, c.searches]);
      await this.db.run(
        `INSERT INTO queries VALUES ${rowsOf(counts.length, '(?, ?, ?, ?)')}
         ON CONFLICT (day, query, mode) DO UPDATE SET searches = searches + excluded.searches`,
        values,
      );
      const today = Math.max(...counts.map((c) => dayOf(c.at)));
      if (today > this.queriesTrimmedBefore) {
        await this.db.run(
          `DELETE FROM queries WHERE rowid IN (
             SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY day ORDER BY searches DESC, query, mode) AS rank FROM queries WHERE day < ?) WHERE rank > ?)`,
          [today, QUERIES_KEPT_PER_DAY],
        );
        await this.db.run('DELETE FROM queries WHERE day < ?', [today - QUERY_DAYS_KEPT * DAY]);
        this.queriesTrimmedBefore = today;
      }
    });
  }

  /** The days before this one have been trimmed (in this opening). */
  private queriesTrimmedBefore = -Infinity;

  /** The queries searched most in the days since `since`, most first (their searches in that span summed). */
  topQueries(since: number, limit: number): Promise<Array<{ query: string; mode: string; searches: number }>> {
    return this.exclusive(async () => {
      const rows = (await this.db.runAndReadAll(
        'SELECT query, mode, sum(searches) AS searches FROM queries WHERE day >= ? GROUP BY query, mode ORDER BY searches DESC, max(day) DESC LIMIT ?',
        [Math.floor(since / DAY) * DAY, limit],
      )).getRowObjects();
      return rows.map((row) => ({ query: String(row.query), mode: String(row.mode), searches: Number(row.searches) }));
    });
  }

  /** Rows per tier of the scalars (counts and gauges) or of the histograms' buckets, for tests and diagnostics. */
  rowCounts(table: 'scalars' | 'buckets' = 'scalars'): Promise<number[]> {
    return this.exclusive(async () => {
      const rows = (await this.db.runAndReadAll(`SELECT tier, count(*) AS n FROM ${table} GROUP BY tier`)).getRowObjects();
      const counts = HISTORY_TIERS.map(() => 0);
      for (const row of rows) counts[Number(row.tier)] = Number(row.n);
      return counts;
    });
  }

  /** Rows of the query log per day kept, oldest first, for tests and diagnostics. */
  queryLogRows(): Promise<Array<{ day: number; rows: number }>> {
    return this.exclusive(async () => {
      const rows = (await this.db.runAndReadAll('SELECT day, count(*) AS n FROM queries GROUP BY day ORDER BY day')).getRowObjects();
      return rows.map((row) => ({ day: Number(row.day), rows: Number(row.n) }));
    });
  }

  /** Waits for the writes under way, then closes the file. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.db.closeSync();
    this.instance.closeSync();
  }

  /** Rolls each tier's finished periods into the next, then prunes every tier to its retention. */
  private async rollUp(now: number): Promise<void> {
    const marks: number[] = [];
    for (let tier = 1; tier < HISTORY_TIERS.length; tier++) {
      const resolution = HISTORY_TIERS[tier]!.resolutionMs;
      // Only finished periods, and only what the tier below already holds.
      const until = Math.floor(Math.min(now, tier === 1 ? now : this.rolledUntil[tier - 1]!) / resolution) * resolution;
      if (until <= this.rolledUntil[tier]!) continue;
      const range = [tier - 1, this.rolledUntil[tier]!, until];
      await this.db.run(
        `INSERT INTO scalars SELECT ${tier}, at_ms // ${resolution} * ${resolution}, series, any_value(kind), sum(sum), sum(n), max(max)
         FROM scalars WHERE tier = ? AND at_ms >= ? AND at_ms < ? GROUP BY ALL`,
        range,
      );
      await this.db.run(
        `INSERT INTO buckets SELECT ${tier}, at_ms // ${resolution} * ${resolution}, series, bucket, sum(count)
         FROM buckets WHERE tier = ? AND at_ms >= ? AND at_ms < ? GROUP BY ALL`,
        range,
      );
      this.rolledUntil[tier] = until;
      marks.push(tier, until);
    }
    if (marks.length === 0) return;
    await this.db.run(`INSERT OR REPLACE INTO rollups VALUES ${rowsOf(marks.length / 2, '(?, ?)')}`, marks);
    // One scan per table for all tiers.
    const expired = HISTORY_TIERS.map(() => '(tier = ? AND at_ms < ?)').join(' OR ');
    const cutoffs = HISTORY_TIERS.flatMap(({ retentionMs }, tier) => [tier, now - retentionMs]);
    for (const table of ['scalars', 'buckets']) await this.db.run(`DELETE FROM ${table} WHERE ${expired}`, cutoffs);
  }

  /** Deletes a table's rows older than its `kept` newest by `column` (inside the caller's turn). */
  private async keepNewest(table: string, column: string, kept: number): Promise<void> {
    await this.db.run(`DELETE FROM ${table} WHERE ${column} < (SELECT min(${column}) FROM (SELECT ${column} FROM ${table} ORDER BY ${column} DESC LIMIT ${kept}))`);
  }

  /** Runs `work` in a transaction (inside the caller's turn); on failure rolls it back, roll-up marks included. */
  private async atomically(work: () => Promise<void>): Promise<void> {
    const marks = [...this.rolledUntil];
    await this.db.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.db.run('COMMIT');
    } catch (error) {
      this.rolledUntil.splice(0, marks.length, ...marks);
      // A failed COMMIT has already ended the transaction: the rollback may fail too, and must not hide why.
      await this.db.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function openHistoryFile(path: string): Promise<DuckDBInstance> {
  // A few rows every few seconds: little memory, one thread, and no competition with the index.
  return openDuckDBFile(path, { memory_limit: '32MB', threads: '1' }, 'metrics history');
}

function rowsOf(count: number, row: string): string {
  return new Array<string>(count).fill(row).join(', ');
}
