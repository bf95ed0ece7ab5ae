import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertRule } from '../../shared/contract.js';
import { AlertEvaluator } from './alert-evaluator.js';

const rule = (overrides: Partial<AlertRule>): AlertRule => ({
  id: 'slow', name: 'Hybrid searches are slow', metric: 'hybridSearchP95Ms', when: 'above', threshold: 100, forSeconds: 300, windowSeconds: 60, minEvents: 0, enabled: true, ...overrides,
});

/** Feeds a stream of readings, one every `everyMs`, and returns each transition as [time in s, state]. */
function drive(alerts: AlertEvaluator, readings: Array<number | null>, everyMs = 5000, start = 0): Array<[number, string]> {
  const transitions: Array<[number, string]> = [];
  readings.forEach((value, i) => {
    const now = start + i * everyMs;
    for (const status of alerts.evaluate(() => value, now)) transitions.push([now / 1000, status.state]);
  });
  return transitions;
}

describe('AlertEvaluator', () => {
  it('fires only once the metric has stayed past the threshold for the rule\'s duration (five minutes here)', () => {
    const alerts = new AlertEvaluator([rule({})], 0);
    const transitions = drive(alerts, [...Array(10).fill(80), ...Array(70).fill(150)]);
    assert.deepEqual(transitions, [[50, 'pending'], [350, 'firing']]);
    assert.equal(alerts.all()[0]!.value, 150);
  });

  it('a dip below the line before the duration resets the pending rule', () => {
    const alerts = new AlertEvaluator([rule({ forSeconds: 30 })], 0);
    assert.deepEqual(drive(alerts, [150, 150, 150, 90, 150, 150, 150, 150, 150, 150, 150]), [[0, 'pending'], [15, 'ok'], [20, 'pending'], [50, 'firing']]);
  });

  it('does not flap: a firing alert resolves only once the metric is 10% clear for a while', () => {
    const alerts = new AlertEvaluator([rule({ forSeconds: 20 })], 0);
    // Fires, then hovers around the threshold (95-105), then falls well clear.
    const hovering = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 95 : 105));
    const transitions = drive(alerts, [...Array(6).fill(150), ...hovering, ...Array(6).fill(50)]);
    assert.deepEqual(transitions, [[0, 'pending'], [20, 'firing'], [250, 'resolved']], 'no resolve while it hovers within the margin; resolved 20 s after it cleared');
  });

  it('watches a metric falling below its threshold: a cache hit rate that drops', () => {
    const alerts = new AlertEvaluator([rule({ id: 'hits', metric: 'resultCacheHitRate', when: 'below', threshold: 40, forSeconds: 600 })], 0);
    const transitions = drive(alerts, [...Array(20).fill(70), ...Array(130).fill(30), null, ...Array(20).fill(60)], 5000);
    assert.deepEqual(transitions.map(([, state]) => state), ['pending', 'firing', 'resolved']);
    assert.equal(transitions[1]![0] - transitions[0]![0], 600, 'ten minutes below 40%');
  });

  it('resolves a firing alert whose metric loses its value (no traffic left in the window)', () => {
    const alerts = new AlertEvaluator([rule({ forSeconds: 0 })], 0);
    assert.deepEqual(drive(alerts, [500, null, null]), [[0, 'firing'], [5, 'resolved']]);
  });

  it('acknowledges a firing alert until it resolves, and refuses an unknown id', () => {
    const alerts = new AlertEvaluator([rule({ forSeconds: 0 })], 0);
    drive(alerts, [500]);
    assert.equal(alerts.acknowledge('slow', 1000).acknowledgedAt, 1000);
    assert.equal(alerts.all()[0]!.state, 'firing');
    drive(alerts, [null, null], 5000, 5000);
    assert.equal(alerts.all()[0]!.state, 'resolved');
    assert.equal(alerts.all()[0]!.acknowledgedAt, null, 'the next firing calls for attention again');
    assert.throws(() => alerts.acknowledge('nope', 0), /No alert rule has the id "nope"/);
  });

  it('leaves a disabled rule alone, and resolves a firing rule when it is disabled', () => {
    const alerts = new AlertEvaluator([rule({ forSeconds: 0 })], 0);
    drive(alerts, [500]);
    const resolved = alerts.setRules([rule({ forSeconds: 0, enabled: false })], 10);
    assert.deepEqual(resolved.map((s) => s.state), ['resolved']);
    assert.deepEqual(drive(alerts, [500, 500]), []);
    assert.equal(alerts.all()[0]!.state, 'disabled');
  });

  it('keeps an unchanged rule\'s state when another is edited', () => {
    const other = rule({ id: 'mem', metric: 'rssMb', threshold: 1000, forSeconds: 0 });
    const alerts = new AlertEvaluator([rule({ forSeconds: 0 }), other], 0);
    alerts.evaluate((r) => (r.id === 'slow' ? 500 : 10), 0);
    assert.deepEqual(alerts.setRules([rule({ forSeconds: 0 }), { ...other, threshold: 2000 }], 1), []);
    assert.equal(alerts.all().find((s) => s.rule.id === 'slow')!.state, 'firing');
  });
});
