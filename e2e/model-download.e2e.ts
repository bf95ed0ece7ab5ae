import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { DEFAULT_FAST_MODEL_SOURCE } from '../src/core/embedding/model-download';
import { startModelHub, type ModelHub } from '../test/support/model-hub';
import { testModelsDir } from '../test/models/cache';
import { serveApp, type ServedApp } from './serve';

const SAMPLE_REPO = fileURLToPath(new URL('../test/fixtures/sample-repo', import.meta.url));

test.describe.configure({ mode: 'serial' });

let work: string;
let hub: ModelHub;
let app: ServedApp;
let page: Page;

test.beforeAll(async ({ browser }) => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-e2e-model-'));
  await fs.cp(SAMPLE_REPO, path.join(work, 'sample'), { recursive: true });
  // One hub, as huggingface.co is: the transformer under the repo the app is told, the static pack under the fast tier's default.
  const packs = await testModelsDir();
  hub = await startModelHub(path.join(packs, 'bert-tiny-random'), 'test-org/tiny', { moreRepos: { [DEFAULT_FAST_MODEL_SOURCE.repo]: path.join(packs, 'potion-code-random') } });
  app = await serveApp(path.join(work, 'data'), { modelsDir: path.join(work, 'models'), id: 'tiny', endpoint: hub.endpoint, repo: 'test-org/tiny' });
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await app?.stop();
  await hub?.close();
  await fs.rm(work, { recursive: true, force: true });
});

test('downloads the fast model from Settings, and the tier covers a folder without a restart', async () => {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await page.getByLabel('Folder path').fill(path.join(work, 'sample'));
  await page.getByRole('button', { name: 'Add folder', exact: true }).click();
  const folder = page.getByRole('listitem', { name: 'sample', exact: true });
  await expect(folder).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(folder).toContainText('embedded 0%');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Semantic' })).toBeDisabled();
  await expect(page.getByRole('radio', { name: 'Lexical' })).toHaveAttribute('aria-checked', 'true');

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.getByText('Semantic search is off: no embedding tier is on.', { exact: false })).toBeVisible();
  // The fast tier first: it is small and covers a folder in seconds.
  await expect(page.locator('.settings-page legend')).toHaveText(['Fast tier', 'Transformer tier', 'Embedding budget', 'Memory budget', 'Opening results', 'Desktop', 'Ignore rules']);
  await expect(page.getByLabel('Fast tier model')).toHaveValue('none');
  await page.getByRole('button', { name: 'Download the fast model' }).click();
  await expect(page.getByLabel('Fast tier model')).toHaveValue('potion-code-16M', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Download the fast model' })).toBeHidden();
  expect(hub.requests.some((r) => r.url === `/${DEFAULT_FAST_MODEL_SOURCE.repo}/resolve/main/model.safetensors`)).toBe(true);

  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await expect(folder).toContainText('embedded 100%', { timeout: 30_000 });

  // The fast tier alone serves semantic and hybrid search, hybrid first as in the engine.
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Semantic' })).toBeEnabled();
  await expect(page.getByRole('radio', { name: 'Hybrid' })).toHaveAttribute('aria-checked', 'true');
  await expectSemanticResults();
});

/** A semantic search on the Search page returns hits. */
async function expectSemanticResults(): Promise<void> {
  await page.getByRole('radio', { name: 'Semantic' }).click();
  const query = page.getByLabel('Search query');
  await query.fill('');
  await query.fill('draw the widget on a canvas');
  await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toBeVisible();
  await expect(page.locator('.search-meta')).toContainText('semantic');
  await page.getByRole('radio', { name: 'Hybrid' }).click();
}

test('downloads the model from Settings, semantic search comes on without a restart, and both tiers cover the folder', async () => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.getByText('Semantic search uses the fast tier alone.')).toBeVisible();
  await expect(page.getByText(/^Off: No usable model "tiny"/)).toBeVisible();
  await page.getByRole('button', { name: 'Download the model', exact: true }).click();
  await expect(page.getByText(/In use: tiny \(128 dimensions, q8\) on cpu/)).toBeVisible({ timeout: 30_000 });
  expect(hub.requests.some((r) => r.url.endsWith('/onnx/model_quantized.onnx'))).toBe(true);

  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Semantic' })).toBeEnabled();
  await expect(page.getByRole('radio', { name: 'Hybrid' })).toHaveAttribute('aria-checked', 'true');

  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await expect(page.getByLabel('sample coverage per tier')).toHaveText(/^fast 100% · transformer 100%$/, { timeout: 30_000 });
});

test('turns the transformer tier off in Settings: semantic search goes on with the fast tier, and it turns on again', async () => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const transformer = page.getByRole('combobox', { name: /^Switch to/ });
  await expect(transformer).toHaveValue('tiny');
  await transformer.selectOption('none');
  await expect(page.getByRole('status')).toContainText('The transformer tier is off');
  await expect(page.getByText('Off: the transformer tier is turned off.')).toBeVisible();
  await expect(page.getByText('Semantic search uses the fast tier alone.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Download the model', exact: true })).toBeHidden();

  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await expect(page.getByRole('listitem', { name: 'sample', exact: true })).toContainText('embedded 100%');
  await expect(page.getByLabel('sample coverage per tier')).toBeHidden();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Semantic' })).toBeEnabled();
  await expect(page.getByRole('radio', { name: 'Hybrid' })).toHaveAttribute('aria-checked', 'true');
  await expectSemanticResults();

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await transformer.selectOption('tiny');
  await expect(page.getByText(/In use: tiny \(128 dimensions, q8\) on cpu/)).toBeVisible();
  await page.getByRole('button', { name: 'Folders', exact: true }).click();
  await expect(page.getByLabel('sample coverage per tier')).toHaveText(/^fast 100% · transformer 100%$/, { timeout: 30_000 });
});
