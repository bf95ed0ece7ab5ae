import type { AlertMetric, AlertRule, AlertStatus } from '../../shared/contract.js';

/** One reading of every metric; a metric without a value yet (no searches, say) is left out. */
export type MetricSample = Partial<Record<AlertMetric, number>>;

/**
 * Threshold rules over metric samples: a rule is pending while its metric is above the threshold,
 * fires once that has lasted `forSeconds`, and resolves as soon as a sample is back at or below
 * it (or has no value).
 */
export class AlertEvaluator {
  private statuses = new Map<string, AlertStatus>();

  constructor(rules: readonly AlertRule[], now: number) {
    this.setRules(rules, now);
  }

  /**
   * Replaces the rules; one that is unchanged keeps its state, so editing another does not re-fire
   * it. Returns the firing alerts this resolves: those whose rule was changed or removed (a
   * changed rule that still holds fires again at the next sample).
   */
  setRules(rules: readonly AlertRule[], now: number): AlertStatus[] {
    const next = new Map<string, AlertStatus>();
    for (const rule of rules) {
      const kept = this.statuses.get(rule.id);
      next.set(rule.id, kept && sameRule(kept.rule, rule) ? kept : { rule, state: 'ok', value: null, since: now });
    }
    const resolved = [...this.statuses.values()]
      .filter((old) => old.state === 'firing' && next.get(old.rule.id)?.state !== 'firing')
      .map((old): AlertStatus => ({ ...old, state: 'ok', since: now }));
    this.statuses = next;
    return resolved;
  }

  /** Applies a sample; returns the statuses that started firing or resolved. */
  evaluate(sample: MetricSample, now: number): AlertStatus[] {
    const changed: AlertStatus[] = [];
    for (const [id, status] of this.statuses) {
      const value = sample[status.rule.metric] ?? null;
      const over = value !== null && value > status.rule.above;
      let next: AlertStatus;
      if (!over) next = status.state === 'ok' ? { ...status, value } : { ...status, state: 'ok', value, since: now };
      else if (status.state === 'ok') next = { ...status, state: 'pending', value, since: now };
      else next = { ...status, value };
      if (next.state === 'pending' && now - next.since >= next.rule.forSeconds * 1000) next = { ...next, state: 'firing', since: now };
      if ((next.state === 'firing') !== (status.state === 'firing')) changed.push(next);
      this.statuses.set(id, next);
    }
    return changed;
  }

  all(): AlertStatus[] {
    return [...this.statuses.values()];
  }
}

function sameRule(a: AlertRule, b: AlertRule): boolean {
  return a.name === b.name && a.metric === b.metric && a.above === b.above && a.forSeconds === b.forSeconds;
}
