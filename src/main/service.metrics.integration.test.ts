import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { eventually } from '../../test/support/eventually.js';
import { tempDir, writeFile } from '../../test/support/fixtures.js';
import { openTestService, type TestService } from '../../test/support/service.js';
import { Engine } from '../core/engine.js';
import { InProcessFileProcessor } from '../core/indexing/in-process.js';
import type { AlertRule, AlertStatus, StatsSample } from '../shared/contract.js';
import { formatAlertEventValue } from '../shared/format.js';
import { QuarryService } from './service.js';
import { HISTORY_FILE } from './service/metrics.js';
import { DEFAULT_ALERT_RULES, SettingsStore } from './settings-store.js';

describe('QuarryService metrics, and alert rules over them', () => {
  let opened: TestService;
  let service: QuarryService;
  let repo: string;
  const events: AlertStatus[] = [];
  const samples: StatsSample[] = [];

  before(async () => {
    opened = await openTestService({ sampleMs: 40 });
    service = opened.service;
    service.on('alert', (status) => events.push(status));
    service.on('stats', (sample) => samples.push(sample));
    repo = path.join(opened.dir, 'repo');
    await writeFile(repo, 'src/search.ts', 'export function findNeedle(haystack: string[]): number {\n  return haystack.indexOf("needle");\n}\n');
    await service.addFolder({ path: repo });
    await service.idle();
  });
  after(() => opened.close());

  const state = async (id: string): Promise<AlertStatus | undefined> => (await service.alerts()).find((s) => s.rule.id === id);

  it('starts with the default rules, none firing', async () => {
    const all = await service.alerts();
    assert.deepEqual(all.map((s) => s.rule.id), DEFAULT_ALERT_RULES.map((rule) => rule.id));
    assert.ok(all.every((s) => s.state === 'ok'), JSON.stringify(all.filter((s) => s.state !== 'ok')));
    assert.equal((await state('slow-searches'))?.value ?? null, null, 'no searches, no latency yet');
  });

  it('samples search times, memory and the caches as they are', async () => {
    await eventually(() => samples.length > 0, 'a first sample');
    assert.equal(samples.at(-1)!.searchesLastMinute, 0);
    assert.equal(samples.at(-1)!.searchP95Ms, null);
    for (let i = 0; i < 3; i++) await service.search({ requestId: `s${i}`, query: 'findNeedle', mode: 'lexical' });
    await service.search({ requestId: 'r', query: '/find\\w+/', mode: 'regex' });
    const searched = Date.now();
    await eventually(() => samples.at(-1)!.at > searched, 'a sample after the searches');
    const latest = samples.at(-1)!;
    assert.equal(latest.searchesLastMinute, 4);
    assert.deepEqual(latest.searchByMode.map((m) => [m.mode, m.searches]).sort(), [['lexical', 3], ['regex', 1]], 'per mode too');
    assert.ok(latest.searchP50Ms! > 0 && latest.searchP95Ms! >= latest.searchP50Ms!);
    assert.ok(latest.rssMb > latest.heapMb && latest.heapMb > 0);
    const results = latest.caches.find((c) => c.name === 'search results')!;
    assert.equal(results.misses, 2, 'the first lexical search and the regex search missed the result cache');
    assert.equal(results.hits, 2, 'the lexical repeats hit it');

    // The same searches in Prometheus's form.
    const { text, json } = await service.prometheusMetrics();
    assert.match(text, /^quarry_search_duration_seconds_count\{mode="lexical",stage="total"\} 3$/m);
    assert.match(text, /^quarry_search_duration_seconds_count\{mode="regex",stage="lexical"\} 1$/m);
    assert.match(text, /^quarry_cache_requests_total\{cache="search results",result="hit"\} 2$/m);
    assert.match(text, /^quarry_cache_requests_total\{cache="search results",result="miss"\} 2$/m);
    assert.match(text, /^quarry_index_files_total\{phase="lexical",outcome="indexed"\} [1-9]\d*$/m);
    assert.match(text, /^quarry_index_files_total\{phase="syntax",outcome="indexed"\} [1-9]\d*$/m);
    assert.match(text, /^quarry_cache_bytes\{cache="search results"\} [1-9]\d*$/m);
    assert.match(text, /^quarry_cache_entries\{cache="unchanged-file skips"\} [1-9]\d*$/m);
    assert.match(text, /^quarry_cache_evictions_total\{cache="search results",reason="generation"\} \d+$/m);
    assert.match(text, /^quarry_index_bytes [1-9]\d*$/m);
    assert.match(text, /^quarry_process_resident_memory_bytes [1-9]/m);
    assert.ok(json.some((metric) => metric.name === 'quarry_search_duration_seconds' && metric.type === 'histogram'));
  });

  it('keeps the history for trends: work per phase, search times per mode, cache hit rates, runs as spans', async () => {
    const more = path.join(opened.dir, 'more');
    for (let i = 0; i < 20; i++) await writeFile(more, `m${i}.ts`, `export const trendModule${i} = ${i};\n`);
    await service.addFolder({ path: more });
    await service.idle();
    for (let i = 0; i < 3; i++) await service.search({ requestId: `t${i}`, query: 'trendModule7', mode: 'lexical' });
    const searched = Date.now();
    await eventually(() => samples.at(-1)!.at > searched, 'a sample after the searches');

    const trends = await service.trends({ range: '15m' });
    assert.equal(trends.stepMs, 5000);
    const total = (key: string) => trends.points.reduce((sum, point) => sum + (point.values[key] ?? 0) * (trends.stepMs / 1000), 0);
    assert.equal(Math.round(total('throughput.indexing')), 21, 'the fast pass: 20 files here and the first folder\'s one');
    assert.equal(Math.round(total('throughput.parsing')), 21, 'and the syntax pass again');
    const lexicalP95 = trends.points.flatMap((point) => point.values['search.p95.lexical'] ?? []);
    assert.ok(lexicalP95.length > 0 && lexicalP95.every((ms) => ms > 0), 'lexical search times');
    assert.ok(trends.points.some((point) => point.values['search.p95.regex'] !== undefined), 'regex search times, per mode');
    const hitRates = trends.points.flatMap((point) => point.values['cache.hit_rate.search results'] ?? []);
    assert.ok(hitRates.some((rate) => rate > 0) && hitRates.every((rate) => rate >= 0 && rate <= 100), JSON.stringify(hitRates));
    assert.ok(trends.points.every((point) => point.values['memory.rss']! > 0));
    assert.deepEqual(trends.series.find((series) => series.key === 'search.p95.lexical'), { key: 'search.p95.lexical', label: 'lexical', unit: 'ms', chart: 'search-p95' });
    assert.deepEqual(trends.runs.map((run) => [run.folder, run.outcome]).sort(), [['more', 'done'], ['repo', 'done']]);
    assert.ok(trends.runs.every((run) => run.endedAt >= run.startedAt && run.startedAt >= trends.from));

    await service.recordBenchmark({ profile: 'quick:generated', commit: 'abc1234', figures: { 'search.lexical': { ratio: 1.2, noise: 0.05 } } });
    const benchmarks = (await service.trends({ range: '15m' })).benchmarks;
    assert.deepEqual(benchmarks.map((run) => [run.profile, run.commit, run.figures['search.lexical']?.ratio]), [['quick:generated', 'abc1234', 1.2]]);
  });

  it('stores a report of each index run: stages, throughput, skips and the slowest files', async () => {
    await eventually(async () => (await service.reports({ folder: 'more' })).length > 0, 'the report is stored');
    const [report] = await service.reports({ folder: 'more' });
    assert.equal(report!.outcome, 'done');
    assert.equal(report!.summary!.filesIndexed, 20);
    assert.deepEqual(report!.stages.map((stage) => stage.phase), ['indexing', 'parsing']);
    assert.ok(report!.stages.every((stage) => stage.done === 20 && stage.ms > 0 && stage.rate > 0));
    const slowest = report!.summary!.slowestFiles;
    assert.equal(slowest.length, 10, 'the ten slowest of twenty');
    assert.ok(slowest.every((file, i) => file.path.startsWith('m') && file.bytes > 0 && (i === 0 || slowest[i - 1]!.ms >= file.ms)), 'slowest first');
    assert.deepEqual((await service.reports({})).map((r) => r.folder).slice(0, 2), ['more', 'repo'], 'every folder\'s, newest first');
  });

  /** Saves the rules with one changed. */
  const setRule = async (id: string, change: Partial<AlertRule>) => {
    const rules = (await service.settings()).alertRules.map((rule) => (rule.id === id ? { ...rule, ...change } : rule));
    await service.updateSettings({ alertRules: rules });
  };

  it('fires when searches are slower than the rule allows, is acknowledged, and resolves when the rule is relaxed', async () => {
    await setRule('slow-searches', { threshold: 0, forSeconds: 0 });
    await service.search({ requestId: 'a', query: 'findNeedle', mode: 'lexical' });
    await eventually(() => events.some((e) => e.rule.id === 'slow-searches' && e.state === 'firing'), 'the slow-search alert fires');
    const firing = await state('slow-searches');
    assert.equal(firing?.state, 'firing');
    assert.ok(firing!.value! > 0, 'it carries the measured p95');

    const acknowledged = await service.acknowledgeAlert({ id: 'slow-searches' });
    assert.equal(acknowledged.state, 'firing');
    assert.ok(acknowledged.acknowledgedAt !== null);
    await assert.rejects(service.acknowledgeAlert({ id: 'nope' }), /No alert rule has the id "nope"/);

    await setRule('slow-searches', { threshold: 60_000 });
    await eventually(() => events.some((e) => e.rule.id === 'slow-searches' && e.state === 'resolved'), 'it resolves');
    const history = (await service.alertHistory({})).filter((e) => e.ruleId === 'slow-searches').map((e) => e.state);
    assert.deepEqual(history.slice(0, 3), ['resolved', 'acknowledged', 'firing'], 'the history, newest first');
  });

  it("keeps each alert event in its own metric's unit after the rule is renamed and watches another metric", async () => {
    const measured = async () => (await service.alertHistory({})).filter((e) => e.ruleId === 'slow-searches').map((e) => [e.name, e.state, formatAlertEventValue(e)]);
    const searchEvents = await measured();
    assert.ok(searchEvents.length >= 3 && searchEvents.every(([name, , value]) => name === 'Searches are slow' && / ms$/.test(value!)), JSON.stringify(searchEvents));
    // Renamed, and over memory in MB: it fires at once.
    await setRule('slow-searches', { name: 'Memory in MB', metric: 'rssMb', threshold: 0, forSeconds: 0 });
    await eventually(async () => (await measured()).some(([name, state]) => name === 'Memory in MB' && state === 'firing'), 'the renamed rule fires over MB');
    // Renamed again, and over memory as a share of the budget: the change resolves it, as it was measured.
    await setRule('slow-searches', { name: 'Memory as a share', metric: 'rssBudgetShare', threshold: 60_000 });
    await eventually(async () => (await measured()).some(([name, state]) => name === 'Memory in MB' && state === 'resolved'), 'the change resolves it');
    const events = await measured();
    const newer = events.slice(0, events.length - searchEvents.length);
    assert.deepEqual(newer.map(([name, state]) => [name, state]), [['Memory in MB', 'resolved'], ['Memory in MB', 'firing']]);
    assert.ok(newer.every(([, , value]) => /^\d+ MB$/.test(value!)), `in MB, not as a share: ${JSON.stringify(newer)}`);
    assert.deepEqual(events.slice(newer.length), searchEvents, 'the search events still in ms, under their old name');
    const slow = DEFAULT_ALERT_RULES.find((rule) => rule.id === 'slow-searches')!;
    await setRule('slow-searches', { name: slow.name, metric: slow.metric, threshold: 60_000 });
  });

  it('fires when the result cache stops hitting over its window, and resolves once repeats hit again', async () => {
    await setRule('low-hit-rate', { windowSeconds: 5, minEvents: 4, forSeconds: 0 });
    for (let i = 0; i < 4; i++) await service.search({ requestId: `miss${i}`, query: `neverBefore${i}`, mode: 'lexical' });
    await eventually(async () => (await state('low-hit-rate'))?.state === 'firing', 'the hit-rate alert fires');
    assert.ok((await state('low-hit-rate'))!.value! < 40, 'four new searches missed');
    for (let i = 0; i < 40; i++) await service.search({ requestId: `hit${i}`, query: 'neverBefore0', mode: 'lexical' });
    await eventually(async () => (await state('low-hit-rate'))?.state === 'resolved', 'it resolves when repeats hit');
    assert.ok((await state('low-hit-rate'))!.value! >= 44, 'past the threshold by the hysteresis margin');
  });

  it('counts a watched folder whose HEAD moved as current, and fires when the index outgrows its share of the disk', async () => {
    const checkout = path.join(opened.dir, 'checkout');
    await writeFile(checkout, '.git/HEAD', 'ref: refs/heads/main\n');
    await writeFile(checkout, '.git/refs/heads/main', `${'a'.repeat(40)}\n`);
    await writeFile(checkout, 'main.ts', 'export const checkedOut = 1;\n');
    await service.addFolder({ path: checkout });
    await service.idle();
    assert.equal((await service.folders()).find((f) => f.name === 'checkout')?.gitHead, 'a'.repeat(40));
    await setRule('stale-index', { forSeconds: 0 });
    // A commit: HEAD moves, no file changes, and the watcher vouches for the files.
    await writeFile(checkout, '.git/refs/heads/main', `${'b'.repeat(40)}\n`);
    const later = samples.length + 8; // past a slow read (every 6th sample)
    await eventually(() => samples.length > later, 'samples after the commit');
    assert.equal((await state('stale-index'))?.value, 0);
    assert.equal((await state('stale-index'))?.state, 'ok');

    await setRule('disk-share', { threshold: 0 });
    await eventually(async () => (await state('disk-share'))?.state === 'firing', 'any index is over 0% of the free space');
    assert.ok((await state('disk-share'))!.value! > 0);
  });

  it('reads the memory rule against the budget saved now: a quarter of the budget fires it, the default resolves it', async () => {
    await eventually(async () => (await state('high-memory'))?.value != null, 'a memory reading');
    const { memoryBudgetMb } = await service.settings();
    assert.equal(memoryBudgetMb, 2048);
    const share = (await state('high-memory'))!.value!;
    assert.ok(share > 0 && share < 40, `this process's RSS as a share of 2 GiB: ${share}%`);
    // A line at twice the share today: a budget a quarter the size puts memory at four times it.
    const threshold = Math.ceil(share * 2);
    await setRule('high-memory', { threshold, forSeconds: 0 });
    await service.updateSettings({ memoryBudgetMb: 512 });
    await eventually(() => events.some((e) => e.rule.id === 'high-memory' && e.state === 'firing'), 'the memory alert fires');
    const firing = events.find((e) => e.rule.id === 'high-memory' && e.state === 'firing')!;
    assert.ok(firing.value! > threshold, `${firing.value}% of 512 MB, over ${threshold}%`);

    await service.updateSettings({ memoryBudgetMb: 2048 });
    await eventually(() => events.some((e) => e.rule.id === 'high-memory' && e.state === 'resolved'), 'it resolves');
    assert.ok((await state('high-memory'))!.value! <= threshold * 0.9, 'back under the line by the margin');
  });

  it('fires the default rule when a folder fails to index', async () => {
    await fs.rm(repo, { recursive: true });
    await service.reindexFolder({ folder: 'repo' }).catch(() => undefined);
    await service.idle();
    await eventually(() => events.some((e) => e.rule.id === 'indexing-failed' && e.state === 'firing'), 'the indexing-failed alert fires');
    assert.equal((await state('indexing-failed'))?.value, 1);
  });
});

describe('the metrics history across a restart', () => {
  it("opens a history file from before alert events kept their metric: its events show without a unit, new ones with their metric's", async () => {
    const { dir, cleanup } = await tempDir();
    const dataDir = path.join(dir, 'data');
    try {
      await fs.mkdir(dataDir, { recursive: true });
      // The alert events as an older version kept them: no metric column.
      const instance = await DuckDBInstance.create(path.join(dataDir, HISTORY_FILE));
      const db = await instance.connect();
      await db.run('CREATE TABLE alert_events (at_ms BIGINT, rule_id VARCHAR, name VARCHAR, state VARCHAR, value DOUBLE)');
      await db.run("INSERT INTO alert_events VALUES (?, 'high-memory', 'Memory is high', 'firing', 1700)", [Date.now() - 60_000]);
      db.closeSync();
      instance.closeSync();

      const engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
      const service = new QuarryService(engine, new SettingsStore(dataDir), null, null, { sampleMs: 40 });
      try {
        const [old] = await service.alertHistory({});
        assert.deepEqual([old?.name, old?.metric, formatAlertEventValue(old!)], ['Memory is high', null, '1700'], 'the old event, migrated, without a unit');
        // A rule of the user's own over memory in MB fires at once.
        await service.updateSettings({ alertRules: DEFAULT_ALERT_RULES.map((r) => (r.id === 'slow-searches' ? { ...r, metric: 'rssMb' as const, threshold: 0, forSeconds: 0 } : r)) });
        await eventually(async () => (await service.alertHistory({})).some((e) => e.ruleId === 'slow-searches'), 'a new event');
        const events = await service.alertHistory({});
        const fired = events.find((e) => e.ruleId === 'slow-searches')!;
        assert.deepEqual([fired.state, fired.metric], ['firing', 'rssMb']);
        assert.match(formatAlertEventValue(fired), /^\d+ MB$/);
        assert.equal(formatAlertEventValue(events.at(-1)!), '1700', 'the old event still without one');
      } finally {
        await service.stop();
        engine.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('shows the history, the runs and the alert history of the last session after the engine reopens, and warms the result cache from its queries', async () => {
    const { dir, cleanup } = await tempDir();
    const dataDir = path.join(dir, 'data');
    const open = async () => {
      const engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
      return { engine, service: new QuarryService(engine, new SettingsStore(dataDir), null, null, { sampleMs: 40 }) };
    };
    try {
      let { engine, service } = await open();
      await writeFile(path.join(dir, 'repo'), 'a.ts', 'export const restartNeedle = 1;\n');
      await service.addFolder({ path: path.join(dir, 'repo') });
      await service.idle();
      // An alert fires and resolves in this session, from the searches' own times.
      const slowRule = (threshold: number) => DEFAULT_ALERT_RULES.map((r) => (r.id === 'slow-searches' ? { ...r, threshold, forSeconds: 0 } : r));
      await service.updateSettings({ alertRules: slowRule(0) });
      await service.search({ requestId: 'x', query: 'restartNeedle', mode: 'lexical' });
      await service.search({ requestId: 'y', query: 'restartNeedle', mode: 'lexical' });
      const searched = Date.now();
      await eventually(async () => ((await service.stats())?.at ?? 0) > searched, 'a sample after the search');
      await eventually(async () => (await service.alerts()).some((s) => s.rule.id === 'slow-searches' && s.state === 'firing'), 'the slow-search alert fires');
      await service.updateSettings({ alertRules: slowRule(60_000) });
      await eventually(async () => (await service.alerts()).some((s) => s.rule.id === 'slow-searches' && s.state !== 'firing'), 'and resolves');
      const alertsBefore = (await service.alertHistory({})).filter((e) => e.ruleId === 'slow-searches');
      const before = await service.trends({ range: '1h' });
      await service.stop();
      engine.close();

      ({ engine, service } = await open());
      try {
        await service.start();
        assert.equal(await service.warmedAtStart(), 1, 'the query searched last session is ranked at start');
        const results = (await service.caches()).find((cache) => cache.name === 'search results')!;
        assert.deepEqual([results.entries, results.hits, results.misses], [1, 0, 0], 'warming is not counted as lookups');
        assert.equal((await service.search({ requestId: 'z', query: 'restartNeedle', mode: 'lexical' })).cache.results, true, 'the first search of the session hits');
        const after = await service.trends({ range: '1h' });
        assert.ok(after.points.some((point) => point.values['search.p95.lexical'] !== undefined), 'the search time from before the restart');
        for (const run of before.runs) assert.ok(after.runs.some((r) => r.startedAt === run.startedAt && r.folder === run.folder), 'and the index run');
        assert.equal((await service.reports({}))[0]?.folder, 'repo');
        assert.ok((await service.alerts()).every((status) => status.state !== 'firing'), 'alert states start over');
        const alertsAfter = (await service.alertHistory({})).filter((e) => e.ruleId === 'slow-searches');
        assert.ok(alertsBefore.some((e) => e.state === 'firing'), 'the alert fired before the restart');
        assert.deepEqual(alertsAfter.slice(-alertsBefore.length), alertsBefore, 'and its history is there after it');
      } finally {
        await service.stop();
        engine.close();
      }
    } finally {
      await cleanup();
    }
  });
});
