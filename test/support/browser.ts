import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/** Names the browser executable the browser tests run, ahead of any other. */
export const BROWSER_ENV = 'QUARRY_BROWSER';

/** Where Chromium and Chrome usually live, per platform. */
const SYSTEM_BROWSERS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome'],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
  ],
};

export const NO_BROWSER =
  `no Chromium or Chrome for the browser tests: run \`npx playwright install chromium\`, or install your system's package ` +
  `(\`sudo apt-get install chromium\` on Debian and Ubuntu), or set ${BROWSER_ENV} to a Chromium-based browser's executable`;

export interface BrowserLookup {
  env: Record<string, string | undefined>;
  /** The executable of Playwright's own Chromium, installed or not. */
  playwrightChromium: () => string;
  systemPaths: string[];
  exists: (file: string) => boolean;
}

const defaults: BrowserLookup = {
  env: process.env,
  playwrightChromium: () => chromium.executablePath(),
  systemPaths: SYSTEM_BROWSERS[process.platform] ?? [],
  exists: existsSync,
};

/**
 * The browser the browser tests run in: the one ${BROWSER_ENV} names, else Playwright's installed
 * Chromium, else a system Chromium or Chrome. Returns one line saying what to install when none is.
 */
export function findBrowser(lookup: Partial<BrowserLookup> = {}): { executable: string } | { error: string } {
  const { env, playwrightChromium, systemPaths, exists } = { ...defaults, ...lookup };
  const named = env[BROWSER_ENV];
  if (named) return exists(named) ? { executable: named } : { error: `${BROWSER_ENV} names ${named}, which does not exist` };
  let playwrights: string | undefined;
  try {
    playwrights = playwrightChromium();
  } catch {
    playwrights = undefined; // no build of Playwright's Chromium exists for this platform
  }
  const found = [playwrights, ...systemPaths].find((file): file is string => !!file && exists(file));
  return found ? { executable: found } : { error: NO_BROWSER };
}
