import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../test/support/engine.js';
import { eventually } from '../../test/support/eventually.js';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { FILE_SKIPS, STORED_EMBEDDINGS } from '../core/caches.js';
import { LocalEmbedder } from '../core/embedding/local-embedder.js';
import { resolveModelPack } from '../core/embedding/model-pack.js';
import { Engine } from '../core/engine.js';
import { InProcessFileProcessor } from '../core/indexing/in-process.js';
import type { StatsSample } from '../shared/contract.js';
import type { IndexSummary } from '../shared/types.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

interface Lookups {
  hits: number;
  misses: number;
}

/** What the runs' summaries say each stored cache was asked, as `EngineCaches` and the index count it. */
function lookupsOf(summaries: readonly IndexSummary[]): Record<string, Lookups> {
  const add = (a: Lookups, hits: number, misses: number): Lookups => ({ hits: a.hits + hits, misses: a.misses + misses });
  let skips: Lookups = { hits: 0, misses: 0 };
  let vectors: Lookups = { hits: 0, misses: 0 };
  for (const s of summaries) {
    skips = add(skips, s.filesUnchangedByStamp, s.filesIndexed + s.filesUnchanged - s.filesUnchangedByStamp);
    vectors = add(vectors, s.embeddingCacheHits, s.embeddingsComputed);
  }
  return { [FILE_SKIPS]: skips, [STORED_EMBEDDINGS]: vectors };
}

const rate = ({ hits, misses }: Lookups): number => (hits / (hits + misses)) * 100;

describe('the stored caches sampled into the metrics history', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let service: QuarryService;
  let work: string;
  let earlier: Record<string, Lookups>;
  let serviceStarted: number;
  const samples: StatsSample[] = [];

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    const dataDir = path.join(work, 'data');
    const pack = resolveModelPack(TEST_MODELS_DIR, TEST_MODEL, 'q8');
    const embedder = await LocalEmbedder.create(pack, { devices: ['cpu'], threads: 1 });
    engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create(), embedding: { pack, embedder } });
    // Lookups before the service started: in the caches' totals, never in a window of its samples.
    const repo = await engine.addFolder(await copySampleRepo(path.join(work, 'repo')));
    earlier = lookupsOf([await drain(engine.index(repo))]);
    assert.ok(earlier[STORED_EMBEDDINGS]!.misses > 0 && earlier[FILE_SKIPS]!.misses > 0, JSON.stringify(earlier));
    serviceStarted = Date.now();
    service = new QuarryService(engine, new SettingsStore(dataDir), null, null, { sampleMs: 40 });
    service.on('stats', (sample) => samples.push(sample));
  });
  after(async () => {
    await service?.stop();
    engine?.close();
    await cleanup();
  });

  it('gives both stored caches a hit rate over the window: the lookups of the runs in it, not the ones before', async () => {
    // Unchanged files: every one skipped on its stamp.
    await service.reindexFolder({ folder: 'repo' });
    // The same texts again in another folder, plus one of its own: vectors from the store, but one.
    const copy = await copySampleRepo(path.join(work, 'copy'));
    await writeFile(copy, 'src/only-here.ts', 'export function onlyInTheCopy(): string {\n  return "a text no other folder has";\n}\n');
    await service.addFolder({ path: copy });
    await service.idle();
    const idleAt = Date.now();
    await eventually(() => samples.some((sample) => sample.at > idleAt), 'a sample after the runs');

    const reports = (await service.reports({})).filter((report) => report.startedAt >= serviceStarted);
    assert.deepEqual(reports.map((report) => [report.folder, report.outcome]).sort(), [['copy', 'done'], ['repo', 'done']]);
    const inWindow = lookupsOf(reports.map((report) => report.summary!));
    assert.ok(inWindow[FILE_SKIPS]!.hits > 0 && inWindow[FILE_SKIPS]!.misses > 0, `stamp hits (repo) and misses (copy): ${JSON.stringify(inWindow)}`);
    assert.ok(inWindow[STORED_EMBEDDINGS]!.hits > 0 && inWindow[STORED_EMBEDDINGS]!.misses > 0, `stored vectors reused (copy) and computed: ${JSON.stringify(inWindow)}`);

    const caches = await service.caches();
    for (const name of [FILE_SKIPS, STORED_EMBEDDINGS]) {
      const cache = caches.find((c) => c.name === name)!;
      assert.equal(cache.kind, 'stored');
      const expected = inWindow[name]!;
      assert.ok(cache.recentHitRate !== null && Math.abs(cache.recentHitRate - rate(expected)) < 1e-9, `${name}: window rate ${cache.recentHitRate}, the runs' lookups ${JSON.stringify(expected)} (${rate(expected)})`);
      // The totals hold the lookups from before the service too; the window does not.
      assert.deepEqual([cache.hits, cache.misses], [earlier[name]!.hits + expected.hits, earlier[name]!.misses + expected.misses]);
      assert.notEqual(rate({ hits: cache.hits, misses: cache.misses }), cache.recentHitRate, `${name}: the window is not the overall rate`);
    }
  });

  it('keeps their lookups in the history: each stored cache has a hit-rate series', async () => {
    const trends = await service.trends({ range: '15m' });
    for (const name of [FILE_SKIPS, STORED_EMBEDDINGS]) {
      const key = `cache.hit_rate.${name}`;
      assert.deepEqual(trends.series.find((series) => series.key === key), { key, label: name, unit: '%', chart: 'cache-hit-rate' });
      const rates = trends.points.flatMap((point) => point.values[key] ?? []);
      assert.ok(rates.length > 0 && rates.every((r) => r >= 0 && r <= 100), `${name}: ${JSON.stringify(rates)}`);
    }
  });
});
