import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../test/support/eventually.js';
import { writeFile } from '../../test/support/fixtures.js';
import { openTestService, type TestService } from '../../test/support/service.js';
import type { AlertStatus, StatsSample } from '../shared/contract.js';
import type { QuarryService } from './service.js';

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
    assert.deepEqual(all.map((s) => s.rule.id), ['slow-searches', 'high-memory', 'indexing-failed']);
    assert.ok(all.every((s) => s.state === 'ok'));
    assert.equal((await state('slow-searches'))?.value ?? null, null, 'no searches, no latency yet');
  });

  it('samples search times, memory and the caches as they are', async () => {
    await eventually(() => samples.length > 0, 'a first sample');
    assert.equal(samples.at(-1)!.searchesLastMinute, 0);
    assert.equal(samples.at(-1)!.searchP95Ms, null);
    for (let i = 0; i < 3; i++) await service.search({ requestId: `s${i}`, query: 'findNeedle', mode: 'lexical' });
    await service.search({ requestId: 'r', query: '/find\\w+/', mode: 'regex' });
    const after = samples.length;
    await eventually(() => samples.length > after, 'a sample after the searches');
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
    assert.match(text, /^quarry_index_files_total\{outcome="indexed"\} [1-9]\d*$/m);
    assert.match(text, /^quarry_index_bytes [1-9]\d*$/m);
    assert.match(text, /^quarry_process_resident_memory_bytes [1-9]/m);
    assert.ok(json.some((metric) => metric.name === 'quarry_search_duration_seconds' && metric.type === 'histogram'));
  });

  it('keeps the samples for trends: files processed per second, and the result cache hit rate', async () => {
    const from = samples.length;
    const more = path.join(opened.dir, 'more');
    for (let i = 0; i < 20; i++) await writeFile(more, `m${i}.ts`, `export const trendModule${i} = ${i};\n`);
    await service.addFolder({ path: more });
    await service.idle();
    for (let i = 0; i < 3; i++) await service.search({ requestId: `t${i}`, query: 'trendModule7', mode: 'lexical' });
    const searched = Date.now();
    await eventually(() => samples.length > from && samples.at(-1)!.at > searched, 'a sample after the searches');

    const trends = await service.trends();
    assert.deepEqual(trends.slice(-5), samples.slice(-5), 'trends are the samples sent');
    const window = trends.slice(trends.indexOf(samples[from]!));
    const files = window.reduce((sum, s, i) => sum + s.filesPerSecond * ((s.at - (i === 0 ? samples[from - 1]!.at : window[i - 1]!.at)) / 1000), 0);
    assert.equal(Math.round(files), 40, 'each of 20 files, once by the fast pass and once by the syntax pass');
    const rates = window.map((s) => s.resultCacheHitRate).filter((r) => r !== null);
    assert.ok(rates.length > 0 && rates.every((r) => r >= 0 && r <= 1), JSON.stringify(rates));
    assert.ok(rates.some((r) => r > 0), 'the repeated searches hit the cache');
  });

  it('fires when searches are slower than the rule allows, and resolves when the rule is relaxed', async () => {
    const rules = (await service.settings()).alertRules.map((rule) => (rule.id === 'slow-searches' ? { ...rule, above: 0, forSeconds: 0 } : rule));
    await service.updateSettings({ alertRules: rules });
    await service.search({ requestId: 'a', query: 'findNeedle', mode: 'lexical' });
    await eventually(() => events.some((e) => e.rule.id === 'slow-searches' && e.state === 'firing'), 'the slow-search alert fires');
    const firing = await state('slow-searches');
    assert.equal(firing?.state, 'firing');
    assert.ok(firing!.value! > 0, 'it carries the measured p95');

    await service.updateSettings({ alertRules: rules.map((rule) => (rule.id === 'slow-searches' ? { ...rule, above: 60_000 } : rule)) });
    await eventually(() => events.some((e) => e.rule.id === 'slow-searches' && e.state === 'ok'), 'it resolves');
    assert.equal((await state('slow-searches'))?.state, 'ok');
  });

  it('fires the default rule when a folder fails to index', async () => {
    await fs.rm(repo, { recursive: true });
    await service.reindexFolder({ folder: 'repo' }).catch(() => undefined);
    await service.idle();
    await eventually(() => events.some((e) => e.rule.id === 'indexing-failed' && e.state === 'firing'), 'the indexing-failed alert fires');
    assert.equal((await state('indexing-failed'))?.value, 1);
  });
});
