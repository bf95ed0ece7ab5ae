import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../test/support/fixtures.js';
import { methods } from '../shared/contract.js';
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

  it('upgrades the memory rule saved in MB to a share of the default 2 GiB budget', async () => {
    const { dir: old, cleanup: remove } = await tempDir();
    try {
      const memoryRule = { id: 'high-memory', name: 'Memory above 80% of its 2 GiB budget', metric: 'rssMb', forSeconds: 300, windowSeconds: 60, minEvents: 0 };
      const mine = { ...memoryRule, id: 'my-memory', name: 'Over 3000 MB', when: 'above', threshold: 3000, enabled: true };
      await fs.writeFile(path.join(old, 'settings.json'), JSON.stringify({
        budget: 'economy',
        alertRules: [{ ...memoryRule, when: 'above', threshold: 1638, enabled: false }, mine],
      }));
      const store = new SettingsStore(old);
      const settings = await store.read();
      assert.equal(settings.memoryBudgetMb, 2048);
      assert.deepEqual(settings.alertRules.find((rule) => rule.id === 'high-memory'), {
        ...DEFAULT_ALERT_RULES.find((rule) => rule.id === 'high-memory'), enabled: false,
      }, '1638 MB of 2048 is the default 80%, under the default name; disabled as it was');
      assert.deepEqual(settings.alertRules.find((rule) => rule.id === 'my-memory'), mine, 'a rule of the user\'s own over MB is left alone');

      // A threshold of the user's, and the very first shape (`above: N`), convert the same way.
      await fs.writeFile(path.join(old, 'settings.json'), JSON.stringify({ alertRules: [{ ...memoryRule, name: 'Mine', above: 3072 }] }));
      const [upgraded] = (await store.read()).alertRules;
      assert.deepEqual(upgraded, { ...memoryRule, name: 'Mine', metric: 'rssBudgetShare', when: 'above', threshold: 150, enabled: true });

      // Saving anything writes the upgraded rule, which later reads leave as it is.
      await store.update({ memoryBudgetMb: 1024 });
      const saved = JSON.parse(await fs.readFile(path.join(old, 'settings.json'), 'utf8')) as { alertRules: Array<{ metric: string; threshold: number }> };
      assert.deepEqual([saved.alertRules[0]!.metric, saved.alertRules[0]!.threshold], ['rssBudgetShare', 150]);
      assert.equal((await store.read()).alertRules[0]!.threshold, 150);
    } finally {
      await remove();
    }
  });

  it('validates the memory budget: whole MB from 256 MB to 1 TiB; a bad saved value falls back to the default', async () => {
    const { dir: own, cleanup: remove } = await tempDir();
    try {
      const store = new SettingsStore(own);
      assert.equal((await store.read()).memoryBudgetMb, 2048, 'the default');
      for (const bad of [255, 0, -1024, 1024.5, 1_048_577, Number.NaN]) {
        await assert.rejects(store.update({ memoryBudgetMb: bad }), (error: Error) => error.name === 'ZodError', String(bad));
      }
      assert.equal((await store.read()).memoryBudgetMb, 2048, 'nothing saved by a refused update');
      // What every transport checks an `updateSettings` call against, before the store sees it.
      assert.equal(methods.updateSettings.input.safeParse({ memoryBudgetMb: 100 }).success, false);
      assert.equal(methods.updateSettings.input.safeParse({ memoryBudgetMb: 4096 }).success, true);
      assert.equal((await store.update({ memoryBudgetMb: 256 })).memoryBudgetMb, 256);
      assert.equal((await store.update({ memoryBudgetMb: 1_048_576 })).memoryBudgetMb, 1_048_576);
      assert.equal((await store.read()).memoryBudgetMb, 1_048_576);

      await fs.writeFile(path.join(own, 'settings.json'), JSON.stringify({ memoryBudgetMb: '4096', budget: 'full' }));
      const read = await store.read();
      assert.deepEqual([read.memoryBudgetMb, read.budget], [2048, 'full'], 'a string is no budget; the other fields are kept');
    } finally {
      await remove();
    }
  });

  it('keeps a disabled default rule disabled rather than bringing it back', async () => {
    const store = new SettingsStore(dir);
    const rules = (await store.read()).alertRules.map((rule) => (rule.id === 'stale-index' ? { ...rule, enabled: false } : rule));
    await store.update({ alertRules: rules });
    const read = (await store.read()).alertRules.filter((rule) => rule.id === 'stale-index');
    assert.deepEqual(read.map((rule) => rule.enabled), [false]);
  });
});
