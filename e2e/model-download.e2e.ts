import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startModelHub, type ModelHub } from '../test/support/model-hub';
import { testModelsDir } from '../test/models/cache';
import { serveApp, type ServedApp } from './serve';

let work: string;
let hub: ModelHub;
let app: ServedApp;

test.beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'quarry-e2e-model-'));
  hub = await startModelHub(path.join(await testModelsDir(), 'bert-tiny-random'), 'test-org/tiny');
  app = await serveApp(path.join(work, 'data'), { modelsDir: path.join(work, 'models'), id: 'tiny', endpoint: hub.endpoint, repo: 'test-org/tiny' });
});

test.afterAll(async () => {
  await app?.stop();
  await hub?.close();
  await fs.rm(work, { recursive: true, force: true });
});

test('downloads the model from Settings, and semantic search comes on without a restart', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.getByText(/Semantic search is off: No usable model "tiny"/)).toBeVisible();
  await page.getByRole('button', { name: 'Download the model' }).click();
  await expect(page.getByText(/In use: tiny \(128 dimensions, q8\) on cpu/)).toBeVisible({ timeout: 30_000 });
  expect(hub.requests.some((r) => r.url.endsWith('/onnx/model_quantized.onnx'))).toBe(true);

  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Semantic' })).toBeEnabled();
  await expect(page.getByRole('radio', { name: 'Hybrid' })).toHaveAttribute('aria-checked', 'true');
});
