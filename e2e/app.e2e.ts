import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { IndexingState } from '../src/shared/contract';
import { readEvents } from '../test/support/sse';
import { serveApp, type ServedApp } from './serve';

const SAMPLE_REPO = fileURLToPath(new URL('../test/fixtures/sample-repo', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots', import.meta.url));
/** More files than one page of results holds, so "Load more" has something to load. */
const GENERATED_FILES = 45;

test.describe.configure({ mode: 'serial' });

let work: string;
let app: ServedApp;
let page: Page;

const folderRow = (name: string) => page.getByRole('listitem', { name, exact: true });
const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
/** The Stats page's caches table, column by column: a cache's figure is found by its column's header. */
const CACHE_COLUMNS = ['Cache', 'Hit rate', 'Last 15 min', 'Hits', 'Misses', 'Entries', 'Size', 'Dropped', 'TTL'];
const cacheCell = (row: Locator, column: string) => row.getByRole('cell').nth(CACHE_COLUMNS.indexOf(column));

/** Calls the API from the test, as the page does, with the token of the printed URL. */
async function callApi(method: string, input: object = {}): Promise<unknown> {
  const url = new URL(app.url);
  const response = await fetch(`${url.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${url.searchParams.get('token')}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

test.beforeAll(async ({ browser }) => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-e2e-'));
  await fs.cp(SAMPLE_REPO, path.join(work, 'sample'), { recursive: true });
  const generated = path.join(work, 'widgets');
  await fs.mkdir(generated, { recursive: true });
  for (let i = 0; i < GENERATED_FILES; i++) {
    await fs.writeFile(path.join(generated, `widget_${i}.py`), `def render_widget_${i}(canvas):\n    """Draws widget number ${i}."""\n    return canvas.draw_widget(${i})\n`);
  }
  app = await serveApp(path.join(work, 'data'));
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await app?.stop();
  await fs.rm(work, { recursive: true, force: true });
});

test('opens with the token from the printed URL and drops it from the address bar', async () => {
  await page.goto(app.url);
  await expect(page.getByText('No folders yet')).toBeVisible();
  expect(page.url()).not.toContain('token=');
  // A reload keeps working: the token lives in the tab's session.
  await page.reload();
  await expect(page.getByText('No folders yet')).toBeVisible();
});

test('adds a folder by path, as the drop zone does, and shows indexing to completion', async () => {
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await page.getByLabel('Folder path').fill(path.join(work, 'sample'));
  await page.getByRole('button', { name: 'Add folder', exact: true }).click();
  await expect(folderRow('sample')).toBeVisible();
  await expect(folderRow('sample')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(folderRow('sample')).toContainText(/\d+ files/);
  await expect(folderRow('sample')).toContainText('embedded 100%');
});

test('a real drop event adds a folder; a dropped file gets a clear message', async () => {
  const dropped = await page.evaluateHandle((uri) => {
    const data = new DataTransfer();
    data.setData('text/uri-list', uri);
    return data;
  }, `file://${path.join(work, 'widgets')}`);
  await page.dispatchEvent('.app', 'dragover', { dataTransfer: dropped });
  await expect(page.getByText('Drop folders to add them')).toBeVisible();
  await page.dispatchEvent('.app', 'drop', { dataTransfer: dropped });
  await expect(folderRow('widgets')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(folderRow('widgets')).toContainText(`${GENERATED_FILES} files`);

  const aFile = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    return data;
  });
  await page.dispatchEvent('.app', 'drop', { dataTransfer: aFile });
  await expect(page.getByRole('status').getByText(/notes\.txt/)).toBeVisible();

  const notAFolder = await page.evaluateHandle((uri) => {
    const data = new DataTransfer();
    data.setData('text/uri-list', uri);
    return data;
  }, `file://${path.join(work, 'widgets', 'widget_0.py')}`);
  await page.dispatchEvent('.app', 'drop', { dataTransfer: notAFolder });
  await expect(page.getByRole('status').getByText(/Not a folder/)).toBeVisible();
  await shot('folders');
});

test('lists skipped files with their reasons', async () => {
  await fs.writeFile(path.join(work, 'sample', 'blob.bin'), Buffer.from([0, 1, 2, 0, 0xff, 0]));
  await folderRow('sample').getByRole('button', { name: 'Re-index' }).click();
  await expect(folderRow('sample')).toContainText('1 skipped');
  await folderRow('sample').getByRole('button', { name: '1 skipped' }).click();
  await expect(page.getByRole('table', { name: 'sample skipped files' })).toContainText('blob.bin');
  await expect(page.getByRole('table', { name: 'sample skipped files' })).toContainText('binary');
});

test('searches in every mode, with results streaming in and a preview of the code', async () => {
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const query = page.getByLabel('Search query');
  await query.fill('parseHTTPRequest');
  const results = page.getByRole('list', { name: 'Results' });
  for (const mode of ['Hybrid', 'Lexical', 'Semantic']) {
    await page.getByRole('radio', { name: mode }).click();
    await expect(page.getByRole('radio', { name: mode })).toHaveAttribute('aria-checked', 'true');
    // The mode the result was ranked in (a hybrid search's partial result says "lexical first" too).
    await expect(page.locator('.search-meta > span').first()).toHaveText(new RegExp(` · ${mode.toLowerCase()}$`));
    await expect(results.getByRole('listitem').first()).toBeVisible();
    if (mode !== 'Semantic') await expect(results.getByRole('listitem').first()).toContainText('src/http/request-parser.ts');
  }
  await page.getByRole('radio', { name: 'Regex' }).click();
  await query.fill('parse\\w+Request\\(');
  await expect(results.getByRole('listitem').first()).toContainText('request-parser.ts');
  await expect(results.locator('mark').first()).toContainText(/parse\w+Request\(/);

  await query.fill('unbalanced(');
  await expect(page.getByRole('alert')).toContainText(/invalid regular expression/i);

  await page.getByRole('radio', { name: 'Hybrid' }).click();
  await query.fill('parseHTTPRequest');
  await expect(results.getByRole('listitem').first()).toHaveAttribute('aria-selected', 'true');
  const preview = page.getByLabel('Preview');
  await expect(preview).toContainText('parseHTTPRequest');
  await expect(preview.locator('.line.hit').first()).toBeVisible();
  await expect(preview.locator('.hljs-keyword').first()).toBeVisible();
  // Browser mode cannot reveal files, and with no editor command it says how to open one.
  await expect(preview.getByRole('button', { name: 'Reveal' })).toHaveCount(0);
  await preview.getByRole('button', { name: 'Open in editor' }).click();
  await expect(page.getByRole('status').getByText(/set an editor command in Settings/)).toBeVisible();
  await page.getByRole('button', { name: 'timings' }).click();
  await expect(page.getByLabel('Timings')).toContainText(/lexical \d/);

  // A plain-language question: the code the guide names comes first, the guide one click away beside it.
  await page.getByRole('radio', { name: 'Lexical' }).click();
  await query.fill('where are incoming bytes fed to the parser');
  const first = results.getByRole('listitem').first();
  await expect(first).toContainText('src/http/request-parser.ts');
  await expect(first.getByLabel(/^relevance 100 of 100: holds \d of \d words/)).toBeVisible();
  await first.getByRole('button', { name: 'explained in docs/guide.md:5' }).click();
  await expect(preview.locator('.preview-header')).toContainText('docs/guide.md');
  await expect(preview).toContainText('call `feed` with incoming bytes');
  // Snippets light whole words only: no stop word of the question is marked.
  await expect(results.locator('mark').filter({ hasText: /^(where|are|to|the)$/i })).toHaveCount(0);
  await shot('search');
});

test('keyboard: Ctrl+K focuses the query, arrows move the selection and the preview follows', async () => {
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('body').click({ position: { x: 5, y: 700 } });
  await page.keyboard.press('Control+K');
  await expect(page.getByLabel('Search query')).toBeFocused();
  await page.getByLabel('Search query').fill('render_widget');
  const items = page.getByRole('list', { name: 'Results' }).getByRole('listitem');
  // The previous query's results stay on screen until the new ones arrive: wait for those.
  await expect(items.nth(1)).toContainText('widget_');
  await expect(items.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toHaveAttribute('aria-selected', 'true');
  const secondPath = (await items.nth(1).locator('.path').textContent())!.replace(/^widgets\//, '');
  await expect(page.getByLabel('Preview').locator('.preview-header')).toContainText(secondPath);
});

test('loads the next page through the cursor, without repeats', async () => {
  await page.getByRole('radio', { name: 'Lexical' }).click();
  // Clear first, so the list that appears next belongs to the new query.
  await page.getByLabel('Search query').fill('');
  await expect(page.getByText('Type to search')).toBeVisible();
  await page.getByLabel('Search query').fill('draw_widget');
  const items = page.getByRole('list', { name: 'Results' }).getByRole('listitem');
  await expect(items).toHaveCount(30);
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(items).toHaveCount(GENERATED_FILES);
  const paths = await items.locator('.path').allTextContents();
  expect(new Set(paths).size).toBe(paths.length);
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
});

test('pauses and resumes all indexing; rebuilds a folder', async () => {
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await page.getByRole('button', { name: 'Pause all' }).click();
  await expect(page.getByLabel('Indexing status')).toContainText('Paused');
  await folderRow('widgets').getByRole('button', { name: 'Rebuild' }).click();
  await expect(folderRow('widgets')).toHaveAttribute('data-state', 'queued');
  await expect(folderRow('widgets')).toContainText('0 files');
  await page.getByRole('button', { name: 'Resume all' }).click();
  await expect(folderRow('widgets')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(folderRow('widgets')).toContainText(`${GENERATED_FILES} files`);
  await expect(page.getByLabel('Indexing status')).toContainText('Idle');
});

test('a run that ends before a reloaded page\'s event stream connects is shown ended: the page reads the jobs again once the stream listens', async () => {
  await expect(folderRow('widgets')).toHaveAttribute('data-state', 'done');
  // Indexing held, with a run of widgets waiting: the jobs a page reads as it loads.
  await callApi('pause');
  await callApi('reindexFolder', { folder: 'widgets', verify: true });
  // The reloaded page's event stream is held back until that run has ended, so no event of it can reach the page:
  // only a read of the jobs made once the stream listens can show the run ended. (Unheld, a page's stream still
  // connects after its first reads, on a connection of its own, and a dropped stream reconnects: a run can end in between.)
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const isEventStream = (url: URL) => url.pathname === '/api/events';
  await page.route(isEventStream, async (route) => {
    await held;
    await route.continue();
  });
  try {
    await page.reload();
    await page.getByRole('button', { name: 'Folders', exact: true }).click();
    await expect(folderRow('widgets')).toHaveAttribute('data-state', 'queued');
    await expect(page.getByLabel('Indexing status')).toContainText('Paused');
    await callApi('resume');
    await expect.poll(async () => ((await callApi('indexing')) as IndexingState).jobs.find((job) => job.folder === 'widgets')?.state, { timeout: 60_000 }).toBe('done');
  } finally {
    release();
  }
  await expect(folderRow('widgets')).toHaveAttribute('data-state', 'done');
  await expect(page.getByLabel('Indexing status')).toContainText('Idle');
  await page.unroute(isEventStream);
});

test('removes a folder after confirmation, leaving its files alone', async () => {
  await folderRow('widgets').getByRole('button', { name: 'Remove…' }).click();
  await folderRow('widgets').getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(folderRow('widgets')).toHaveCount(0);
  await expect(folderRow('sample')).toBeVisible();
  expect((await fs.readdir(path.join(work, 'widgets'))).length).toBe(GENERATED_FILES);
});

test('stats list every cache with its actions, live counts and the index runs; settings are saved', async () => {
  await page.getByRole('button', { name: 'Stats', exact: true }).click();
  const caches = page.getByRole('table', { name: 'Caches' });
  await expect(caches).toBeVisible();
  const results = caches.getByRole('row', { name: 'search results' });
  await expect(results).toContainText(/\d+%/);
  for (const name of ['query vectors', 'stored embeddings', 'unchanged-file skips']) await expect(caches.getByRole('row', { name })).toBeVisible();
  await results.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByRole('status')).toContainText('search results cleared');
  await expect(results).toContainText(/manual [1-9]/);
  const embeddings = caches.getByRole('row', { name: 'stored embeddings' });
  await embeddings.getByRole('button', { name: 'Collect unused…' }).click();
  // The folder removed above left its vectors behind, and no chunk uses them now.
  await expect(embeddings).toContainText(/[1-9]\d* unused \([\d.]+ KiB\)/);
  await embeddings.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toContainText(/Deleted [1-9]\d* unused vectors, [\d.]+ KiB freed/);
  await embeddings.getByRole('button', { name: 'Collect unused…' }).click();
  await expect(embeddings).toContainText('0 unused (0 B)');
  await expect(page.getByRole('table', { name: 'Index runs' }).getByRole('row').nth(1)).toContainText(/done in/);
  // Live metrics arrive with the service's next sample (every few seconds), the searches above among them.
  const now = page.getByRole('table', { name: 'Now' }).getByRole('row').nth(1);
  await expect(now).toContainText(/^\d+\d+\.\d ms\d+\.\d ms\d+ MB\d+ MB$/, { timeout: 15_000 });
  // The index on disk: the database of the one folder left, in the data directory it was served from.
  const onDisk = page.getByText(/^Index on disk:/);
  await expect(onDisk).toContainText(`in ${path.join(work, 'data')}.`);
  const [, size, unit] = /Index on disk: ([\d.]+) (B|KiB|MiB|GiB) /.exec((await onDisk.textContent())!)!;
  expect(Number(size) * 1024 ** ['B', 'KiB', 'MiB', 'GiB'].indexOf(unit!)).toBeGreaterThan(10 * 1024);
  expect(unit).not.toBe('GiB');
  await shot('stats');

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const editor = page.getByPlaceholder('code -g {file}:{line}');
  await editor.fill('vim +{line} {file}');
  const rules = page.getByLabel('Left out of every folder, one pattern per line (gitignore syntax)');
  await rules.fill('*.snap\n\nfixtures/big/');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved')).toBeVisible();
  await page.reload();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.getByPlaceholder('code -g {file}:{line}')).toHaveValue('vim +{line} {file}');
  await expect(rules).toHaveValue('*.snap\nfixtures/big/');
  await shot('settings');
});

test('caches: Warm fills the result cache from the query log, Invalidate drops only a past generation\'s rankings, size and time to live are set', async () => {
  // The rules saved above queued a run of every folder. Let it end: every run moves the index to a new generation,
  // and the rankings warmed below are only found in the generation they were ranked in.
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await expect(folderRow('sample')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.getByLabel('Indexing status')).toContainText('Idle');
  await page.getByRole('button', { name: 'Stats', exact: true }).click();
  const caches = page.getByRole('table', { name: 'Caches' });
  await expect(caches.getByRole('columnheader')).toHaveText([...CACHE_COLUMNS, '']);
  const results = caches.getByRole('row', { name: 'search results' });
  const vectors = caches.getByRole('row', { name: 'query vectors' });
  // Only the caches in memory can hold entries gone stale; the stored ones are cleared or collected instead.
  for (const [name, offered] of [['search results', 1], ['query vectors', 1], ['stored embeddings', 0], ['unchanged-file skips', 0]] as const) {
    await expect(caches.getByRole('row', { name }).getByRole('button', { name: 'Invalidate' })).toHaveCount(offered);
  }
  // Warm ranks the week's most frequent queries (the query log's 20 most searched) into the cache. Which of the
  // searches above are among them is a matter of ties, so one question is asked more often than any other query,
  // and the query log holds those searches once the service has taken its next sample (the `stats` event follows its write).
  const question = 'where are incoming bytes fed to the parser';
  const origin = new URL(app.url).origin;
  const samples = await readEvents(`${origin}/api/events?token=${new URL(app.url).searchParams.get('token')}`);
  try {
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('radio', { name: 'Lexical' }).click();
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Search query').fill('');
      await expect(page.getByText('Type to search')).toBeVisible();
      await page.getByLabel('Search query').fill(question);
      await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toContainText('src/http/request-parser.ts');
    }
    const searched = Date.now();
    await samples.waitFor((e) => e.event === 'stats' && (e.data as { at: number }).at > searched, 20_000);
  } finally {
    samples.close();
  }
  // Those searches filled the cache: empty it, so what is in it after Warm is what Warm put there.
  await page.getByRole('button', { name: 'Stats', exact: true }).click();
  await results.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByRole('status')).toContainText('search results cleared');
  await expect(cacheCell(results, 'Entries')).toHaveText(/^0 \//);
  await results.getByRole('button', { name: 'Warm' }).click();
  await expect(page.getByRole('status')).toContainText(/Warmed [1-9]\d* frequent queries/);
  await expect(cacheCell(results, 'Entries')).toHaveText(/^[1-9]\d* \//);
  // Warming is no lookup. The question, asked again, is answered from the cache the first time: a hit, no miss.
  const hits = Number(await cacheCell(results, 'Hits').textContent());
  const misses = Number(await cacheCell(results, 'Misses').textContent());
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: 'Lexical' }).click();
  await page.getByLabel('Search query').fill(question);
  await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toContainText('src/http/request-parser.ts');
  await page.getByRole('button', { name: 'timings' }).click();
  await expect(page.getByLabel('Timings')).toContainText('results cache hit');
  await page.getByRole('button', { name: 'Stats', exact: true }).click();
  await expect(cacheCell(results, 'Hits')).toHaveText(String(hits + 1));
  await expect(cacheCell(results, 'Misses')).toHaveText(String(misses));

  // A change re-indexed moves the index to a new generation: the warmed rankings belong to the past one.
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  const files = Number(/([\d,]+) files/.exec((await folderRow('sample').textContent())!)![1]!.replace(/,/g, ''));
  await fs.writeFile(path.join(work, 'sample', 'src', 'generation.ts'), 'export const generation = 2;\n');
  await folderRow('sample').getByRole('button', { name: 'Re-index' }).click();
  await expect(folderRow('sample')).toContainText(`${files + 1} files`, { timeout: 60_000 });
  await expect(folderRow('sample')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stats', exact: true }).click();
  await expect(cacheCell(vectors, 'Entries')).toHaveText(/^[1-9]\d* \//);
  await results.getByRole('button', { name: 'Invalidate' }).click();
  await expect(page.getByRole('status')).toContainText(/search results: [1-9]\d* no longer valid entr(y|ies) dropped \(generation [1-9]\d*\)/);
  await expect(cacheCell(results, 'Entries')).toHaveText(/^0 \//);
  await expect(cacheCell(results, 'Dropped')).toContainText(/generation [1-9]/);
  // The query vectors are all the model's in use: none is dropped.
  await vectors.getByRole('button', { name: 'Invalidate' }).click();
  await expect(page.getByRole('status')).toContainText('query vectors: 0 no longer valid entries dropped');
  await expect(cacheCell(vectors, 'Entries')).toHaveText(/^[1-9]\d* \//);

  // Two entries at most (and a ten-minute time to live, read back below): warming again evicts all but two, by size.
  await page.getByLabel('search results max entries').fill('2');
  await page.getByLabel('search results time to live').fill('600');
  await results.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toContainText('search results configured');
  await results.getByRole('button', { name: 'Warm' }).click();
  await expect(cacheCell(results, 'Entries')).toHaveText(/^2 \//);
  await expect(cacheCell(results, 'Dropped')).toContainText(/size [1-9]/);
  // The settings are the engine's: a reloaded page reads them back.
  await page.reload();
  await page.getByRole('button', { name: 'Stats', exact: true }).click();
  await expect(page.getByLabel('search results max entries')).toHaveValue('2');
  await expect(page.getByLabel('search results time to live')).toHaveValue('600');
  await expect(results.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  // Back to the defaults, for the tests after this one.
  await page.getByLabel('search results max entries').fill('64');
  await page.getByLabel('search results time to live').fill('');
  await results.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toContainText('search results configured');
  await expect(page.getByLabel('search results max entries')).toHaveValue('64');
  await expect(page.getByLabel('search results time to live')).toHaveValue('');
  await expect(results.getByRole('button', { name: 'Save settings' })).toBeDisabled();
});

test('trends draw search times, throughput, cache hit rates and memory from the history, with index runs as spans', async () => {
  await page.getByRole('button', { name: 'Trends', exact: true }).click();
  const figure = (title: string) => page.getByRole('figure', { name: title });
  for (const title of ['Search time p95 by mode', 'Search time p50 by mode', 'Indexing throughput by stage', 'Cache hit rate', 'Memory', 'Index size', 'Embedding coverage']) {
    await expect(figure(title)).toBeVisible({ timeout: 15_000 });
  }
  // Memory has a value in every sample: once two samples fall in different steps, its line is drawn.
  // The 15-minute range steps by the sampler's own 5 s; the hour's 20 s steps could hold the first samples in one point.
  await page.getByRole('radio', { name: '15 min' }).check();
  await expect(figure('Memory').locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[\d.,-]+[LC]/, { timeout: 15_000 });
  await expect(figure('Search time p95 by mode').locator('.recharts-legend-item')).toContainText(['lexical (ms)']);
  await expect(figure('Index size').locator('.recharts-legend-item')).toHaveText(['index on disk (MB)']);
  await expect(figure('Embedding coverage').locator('.recharts-legend-item')).toHaveText(['chunks with a vector (%)']);
  // The folders indexed earlier are shaded as runs.
  await expect(figure('Indexing throughput by stage').locator('.recharts-reference-area').first()).toBeAttached();
  // A benchmark run recorded as `npm run bench -- --record` does, through the API.
  const url = new URL(app.url);
  const recorded = await fetch(`${url.origin}/api/recordBenchmark`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${url.searchParams.get('token')}` },
    body: JSON.stringify({ profile: 'quick:generated', commit: 'e2e', figures: { 'search.lexical': { ratio: 1.3, noise: 0.1 }, 'cli.search': { ratio: 2, noise: 0.05 } } }),
  });
  expect(recorded.status).toBe(200);
  await page.getByRole('radio', { name: '24 h' }).check();
  await expect(figure('Memory')).toBeVisible();
  await expect(figure('Benchmark ratios')).toContainText('1 run, last at e2e');
  await page.getByRole('radio', { name: '15 min' }).check();
  await shot('trends');
});

test('an alert rule fires over real searches, shows above every page, and resolves when relaxed', async () => {
  await page.getByRole('button', { name: 'Alerts', exact: true }).click();
  const slow = page.getByRole('table', { name: 'Alert rules' }).getByRole('row', { name: /Searches are slow/ });
  // Its state before depends on the machine (a loaded one can be slow already): not asserted.
  await expect(slow).toBeVisible();
  await page.getByLabel('Searches are slow threshold').fill('0');
  await page.getByLabel('Searches are slow duration').fill('0');
  await page.getByRole('button', { name: 'Save rules' }).click();

  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: 'Lexical' }).click();
  await page.getByLabel('Search query').fill('render widget');
  const banner = page.getByRole('alert').filter({ hasText: 'Alert firing' });
  // The service samples its metrics every few seconds.
  await expect(banner).toContainText('Searches are slow', { timeout: 15_000 });
  // In a browser the firing also raises a toast with the rule's name and its reading; it goes by itself.
  const toast = page.getByRole('status').getByText(/^Alert firing: Searches are slow\. search time p95 over the window, every mode: [\d.]+ ms, above 0 ms$/);
  await expect(toast).toBeVisible();
  await expect(page.getByRole('button', { name: /^Alerts/ }).getByLabel(/alerts firing/)).toBeVisible();
  await banner.getByRole('button', { name: 'Show alerts' }).click();
  await expect(slow).toContainText('firing');
  await expect(page.getByRole('table', { name: 'Alert history' })).toContainText('Searches are slow');
  await shot('alerts');
  await slow.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(slow).toContainText('firing (acknowledged)');
  await expect(banner).toBeHidden();

  await page.getByLabel('Searches are slow threshold').fill('60000');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(slow).toContainText('ok');
  // Acknowledging stops the banner calling; the toast was a notice only, gone a few seconds after it came.
  await expect(toast).toBeHidden();
});

test('switches the embedding model in Settings, and semantic search goes on with it', async () => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const choice = page.getByRole('combobox', { name: /^Switch to/ });
  await expect(choice).toHaveValue('bert-tiny-random');
  await choice.selectOption('minilm-l6-random');
  await expect(page.locator('.settings-page')).toContainText('In use: minilm-l6-random (384 dimensions');
  await expect(choice).toHaveValue('minilm-l6-random');

  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: 'Semantic' }).click();
  const query = page.getByLabel('Search query');
  // The folders are embedded with the new model in the background: search again until they are.
  await expect(async () => {
    await query.fill('');
    await query.fill('draw the widget on a canvas');
    await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.locator('.search-meta')).toContainText('semantic');

  // The fast tier: a static model covers the folders, and Settings says what the transformer leaves to it.
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Fast tier model').selectOption('potion-code-random');
  await expect(page.getByRole('status')).toContainText('Folders are being covered by potion-code-random');
  await expect(page.getByLabel('Fast tier model')).toHaveValue('potion-code-random');
  await expect(page.getByLabel('Embed every file with the transformer')).not.toBeChecked();
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await expect(page.getByLabel('sample coverage per tier')).toHaveText(/^fast 100% · transformer 100%$/, { timeout: 30_000 });
});

test('the history outlives a restart of the engine: the trends of the last session are still drawn', async () => {
  await app.stop();
  app = await serveApp(path.join(work, 'data'));
  await page.goto(app.url);
  await page.getByRole('button', { name: 'Trends', exact: true }).click();
  const searchTimes = page.getByRole('figure', { name: 'Search time p95 by mode' });
  await expect(searchTimes).toBeVisible();
  await expect(searchTimes.locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[\d.,-]+/);
});

test('trends read the index size and embedding coverage from the engine: the index on disk, every chunk embedded', async () => {
  // Both are read with the status every 30 s, first at the engine's first sample: wait for a reading with every folder embedded.
  await page.getByRole('radio', { name: '15 min' }).check();
  // A line ends at its latest reading: hovering there shows that reading in the tooltip.
  const latest = async (title: string): Promise<string> => {
    const figure = page.getByRole('figure', { name: title });
    const line = (await figure.locator('path.recharts-line-curve').getAttribute('d')) ?? '';
    const [x, y] = (line.match(/-?\d+(?:\.\d+)?/g) ?? []).slice(-2).map(Number);
    await figure.locator('.recharts-wrapper').hover({ position: { x: x!, y: y! }, force: true });
    return (await figure.locator('.recharts-tooltip-wrapper').textContent()) ?? '';
  };
  await expect(async () => {
    expect(await latest('Embedding coverage')).toMatch(/chunks with a vector \(%\) : 100\.0$/);
    const [, megabytes] = /index on disk \(MB\) : ([\d.]+)$/.exec(await latest('Index size')) ?? [];
    expect(Number(megabytes)).toBeGreaterThan(0);
    expect(Number(megabytes)).toBeLessThan(1024);
  }).toPass({ timeout: 20_000 });
});
