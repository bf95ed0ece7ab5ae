import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertRule } from '../../shared/contract.js';
import { AlertEvaluator } from './alert-evaluator.js';

const slow: AlertRule = { id: 'slow', name: 'Searches are slow', metric: 'searchP95Ms', above: 100, forSeconds: 10 };
const failed: AlertRule = { id: 'failed', name: 'Indexing failed', metric: 'failedJobs', above: 0, forSeconds: 0 };

describe('AlertEvaluator', () => {
  it('fires only once the metric has stayed above the threshold for the rule\'s duration', () => {
    const alerts = new AlertEvaluator([slow], 0);
    assert.deepEqual(alerts.evaluate({ searchP95Ms: 150 }, 1_000), []);
    assert.equal(alerts.all()[0]!.state, 'pending');
    assert.deepEqual(alerts.evaluate({ searchP95Ms: 180 }, 6_000), []);
    const fired = alerts.evaluate({ searchP95Ms: 170 }, 11_000);
    assert.deepEqual(fired.map((s) => [s.rule.id, s.state, s.value, s.since]), [['slow', 'firing', 170, 11_000]]);
    assert.deepEqual(alerts.evaluate({ searchP95Ms: 190 }, 12_000), [], 'fires once, not on every sample');
  });

  it('resets a pending rule when the metric dips, and resolves a firing one', () => {
    const alerts = new AlertEvaluator([slow, failed], 0);
    alerts.evaluate({ searchP95Ms: 150, failedJobs: 0 }, 1_000);
    alerts.evaluate({ searchP95Ms: 90 }, 5_000);
    assert.deepEqual(alerts.evaluate({ searchP95Ms: 150 }, 12_000), [], 'the dip restarted the clock');
    assert.deepEqual(alerts.evaluate({ searchP95Ms: 150, failedJobs: 1 }, 22_500).map((s) => s.rule.id).sort(), ['failed', 'slow']);
    const resolved = alerts.evaluate({ failedJobs: 0 }, 30_000);
    assert.deepEqual(resolved.map((s) => [s.rule.id, s.state, s.value]).sort(), [['failed', 'ok', 0], ['slow', 'ok', null]], 'no value resolves too');
  });

  it('keeps the state of unchanged rules when the rules are edited', () => {
    const alerts = new AlertEvaluator([slow, failed], 0);
    alerts.evaluate({ failedJobs: 2 }, 1_000);
    alerts.evaluate({ searchP95Ms: 900, failedJobs: 2 }, 15_000);
    alerts.evaluate({ searchP95Ms: 900, failedJobs: 2 }, 30_000);
    const resolved = alerts.setRules([failed, { ...slow, above: 500 }], 31_000);
    assert.deepEqual(resolved.map((s) => [s.rule.id, s.state, s.since]), [['slow', 'ok', 31_000]], 'a firing rule that changed resolves');
    assert.equal(alerts.all().find((s) => s.rule.id === 'failed')!.state, 'firing');
    assert.deepEqual(alerts.evaluate({ failedJobs: 2 }, 32_000), [], 'not fired a second time');
    assert.equal(alerts.all().find((s) => s.rule.id === 'slow')!.rule.above, 500);
    assert.deepEqual(alerts.setRules([], 33_000).map((s) => s.rule.id), ['failed'], 'a removed rule resolves');
  });
});
