import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeProfiledFolders } from '../test/support/generated-code';
import { serveApp, type ServedApp } from './serve';

test.describe.configure({ mode: 'serial' });

let work: string;
let app: ServedApp;
let page: Page;

test.beforeAll(async ({ browser }) => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-e2e-profile-'));
  const folders = await writeProfiledFolders(work);
  app = await serveApp(path.join(work, 'data'));
  page = await browser.newPage();
  await page.goto(app.url);
  for (const folder of folders) {
    await page.getByRole('button', { name: 'Folders', exact: true }).click();
    await page.getByLabel('Folder path').fill(folder);
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    await expect(page.getByRole('listitem', { name: path.basename(folder), exact: true })).toHaveAttribute('data-state', 'done', { timeout: 80_000 });
  }
  await page.getByRole('button', { name: 'Search', exact: true }).click();
});

test.afterAll(async () => {
  await page?.close();
  await app?.stop();
  await fs.rm(work, { recursive: true, force: true });
});

test('the timings pane names the dominant stage and suggests a filter that would cut the candidates', async () => {
  await page.getByRole('radio', { name: 'Lexical' }).click();
  await page.getByLabel('Search query').fill('handler.run dispatch');
  await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toBeVisible();
  await page.getByRole('button', { name: /^timings \(1 suggestion\)$/ }).click();
  const pane = page.getByLabel('Timings');
  await expect(pane).toContainText(/dominant: lexical [\d.]+ ms \(\d+% of the stages\)/);
  await expect(pane).toContainText('1,200 lexical candidates');
  const advice = page.getByRole('list', { name: 'Search advice' }).locator('[data-code="filter-would-narrow"]');
  await expect(advice).toContainText(/scored 1,200 chunks .* (repo:(api|tools)|lang:(typescript|python)) \(\d+ of \d+ hits\)/);
});

test('a cached answer says its figures are of an earlier search', async () => {
  await page.getByLabel('Search query').fill('');
  await expect(page.getByText('Type to search')).toBeVisible();
  await page.getByLabel('Search query').fill('handler.run dispatch');
  await expect(page.getByLabel('Timings')).toContainText(/from cache in [\d.]+ ms: the figures are of the search that ranked it/);
});

test('a regex with no literal the index can use is explained', async () => {
  await page.getByRole('radio', { name: 'Regex' }).click();
  await page.getByLabel('Search query').fill('[a-z]+_[0-9]+\\(');
  await expect(page.getByLabel('Timings')).toContainText('regex: no index prefilter');
  await expect(page.getByRole('list', { name: 'Search advice' }).locator('[data-code="regex-without-literal"]')).toContainText('has no literal every match must contain');
});
