import { defineConfig } from '@playwright/test';
import { findBrowser } from './test/support/browser';

// Browser tests run the built app in browser mode, in the browser findBrowser picks (QUARRY_BROWSER,
// Playwright's own Chromium, or the system's). `scripts/run-tests.mjs` reads the JSON report.
const browser = findBrowser();
if ('error' in browser) {
  console.error(`browser tests: ${browser.error}`);
  process.exit(1);
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.e2e.ts',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  outputDir: 'test-results/e2e',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-report.json' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: browser.executable,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
