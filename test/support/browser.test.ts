import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BROWSER_ENV, findBrowser, NO_BROWSER } from './browser.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('findBrowser', () => {
  const present = (...files: string[]) => (file: string) => files.includes(file);
  const lookup = { playwrightChromium: () => '/pw/chrome', systemPaths: ['/usr/bin/chromium', '/usr/bin/google-chrome'] };

  it('takes the environment variable first, then Playwright’s Chromium, then the system’s', () => {
    const all = present('/custom/chrome', '/pw/chrome', '/usr/bin/chromium', '/usr/bin/google-chrome');
    assert.deepEqual(findBrowser({ ...lookup, env: { [BROWSER_ENV]: '/custom/chrome' }, exists: all }), { executable: '/custom/chrome' });
    assert.deepEqual(findBrowser({ ...lookup, env: {}, exists: all }), { executable: '/pw/chrome' });
    assert.deepEqual(findBrowser({ ...lookup, env: {}, exists: present('/usr/bin/google-chrome') }), { executable: '/usr/bin/google-chrome' });
  });

  it('says what to install when there is none, and names a missing file the variable points to', () => {
    assert.deepEqual(findBrowser({ ...lookup, env: {}, exists: present() }), { error: NO_BROWSER });
    assert.match(NO_BROWSER, /npx playwright install chromium/);
    assert.match(NO_BROWSER, /apt-get install chromium/);
    const missing = findBrowser({ ...lookup, env: { [BROWSER_ENV]: '/nowhere/chrome' }, exists: present('/pw/chrome') });
    assert.deepEqual(missing, { error: `${BROWSER_ENV} names /nowhere/chrome, which does not exist` });
  });

  it('skips Playwright when it has no Chromium build for the platform', () => {
    const throwing = () => {
      throw new Error('unsupported platform');
    };
    assert.deepEqual(findBrowser({ env: {}, playwrightChromium: throwing, systemPaths: ['/usr/bin/chromium'], exists: present('/usr/bin/chromium') }), {
      executable: '/usr/bin/chromium',
    });
  });

  it('makes the Playwright run fail fast with that one line and no stack trace', () => {
    const cli = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
    const run = spawnSync(process.execPath, [cli, 'test', '--list'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, [BROWSER_ENV]: '/nowhere/chrome' } });
    assert.notEqual(run.status, 0);
    assert.equal(run.stdout.trim(), '');
    assert.equal(run.stderr.trim(), `browser tests: ${BROWSER_ENV} names /nowhere/chrome, which does not exist`);
  });
});
