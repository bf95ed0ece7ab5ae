import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../test/support/fixtures.js';
import { DEFAULT_ALERT_RULES, SettingsStore } from './settings-store.js';

describe('SettingsStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  it('upgrades alert rules saved by an older version and adds the default rules they lack', async () => {
    await fs.writeFile(path.join(dir, 'settings.json'), JSON.stringify({
      budget: 'full',
      alertRules: [{ id: 'slow-searches', name: 'Searches are slow', metric: 'searchP95Ms', above: 400, forSeconds: 30 }],
    }));
    const settings = await new SettingsStore(dir).read();
    assert.equal(settings.budget, 'full');
    assert.deepEqual(settings.alertRules[0], {
      id: 'slow-searches', name: 'Searches are slow', metric: 'searchP95Ms', when: 'above', threshold: 400, forSeconds: 30, windowSeconds: 60, minEvents: 0, enabled: true,
    });
    assert.deepEqual(settings.alertRules.map((rule) => rule.id).sort(), DEFAULT_ALERT_RULES.map((rule) => rule.id).sort(), 'the saved rule once, and every other default');
  });

  it('keeps a disabled default rule disabled rather than bringing it back', async () => {
    const store = new SettingsStore(dir);
    const rules = (await store.read()).alertRules.map((rule) => (rule.id === 'stale-index' ? { ...rule, enabled: false } : rule));
    await store.update({ alertRules: rules });
    const read = (await store.read()).alertRules.filter((rule) => rule.id === 'stale-index');
    assert.deepEqual(read.map((rule) => rule.enabled), [false]);
  });
});
