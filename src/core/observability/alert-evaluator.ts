import type { AlertEvent, AlertRule, AlertStatus } from '../../shared/contract.js';
import { QuarryError } from '../../shared/errors.js';

/** Reads a rule's metric now (a windowed metric over the rule's window); null when it has no value. */
export type MetricReader = (rule: AlertRule) => number | null;

/**
 * How far back past the threshold a firing metric must come before it counts as clear: 10% of
 * the threshold, so a value hovering at the line does not fire and resolve on alternate samples.
 */
const HYSTERESIS = 0.1;
/** How long a firing metric must stay clear before the alert resolves: its own `forSeconds`, at most a minute. */
const MAX_CLEAR_SECONDS = 60;

interface RuleState {
  status: AlertStatus;
  /** While firing: since when the metric has been clear; null while it is not. */
  clearSince: number | null;
}

/**
 * Threshold rules over metric readings. A rule is pending while its metric is past the
 * threshold, fires once that has lasted `forSeconds`, and resolves once the metric has been
 * clear of the threshold by the hysteresis margin for a while (or has had no value for that
 * long). A firing alert can be acknowledged; resolving forgets the acknowledgement.
 */
export class AlertEvaluator {
  private states = new Map<string, RuleState>();

  constructor(rules: readonly AlertRule[], now: number) {
    this.setRules(rules, now);
  }

  /**
   * Replaces the rules; one that is unchanged keeps its state, so editing another does not re-fire
   * it. Returns the firing alerts this resolves: those whose rule was changed, disabled or removed
   * (a changed rule that still holds fires again once it has held for its duration).
   */
  setRules(rules: readonly AlertRule[], now: number): AlertStatus[] {
    const next = new Map<string, RuleState>();
    for (const rule of rules) {
      const kept = this.states.get(rule.id);
      next.set(rule.id, kept && sameRule(kept.status.rule, rule) ? kept : { status: initialStatus(rule, now), clearSince: null });
    }
    const resolved = [...this.states.values()]
      .filter((old) => old.status.state === 'firing' && next.get(old.status.rule.id)?.status.state !== 'firing')
      .map((old): AlertStatus => ({ ...old.status, state: 'resolved', since: now, acknowledgedAt: null }));
    this.states = next;
    return resolved;
  }

  /** Reads every enabled rule's metric; returns the statuses that changed state (pending, firing, resolved, back to ok). */
  evaluate(read: MetricReader, now: number): AlertStatus[] {
    const changed: AlertStatus[] = [];
    for (const state of this.states.values()) {
      const { rule } = state.status;
      if (!rule.enabled) continue;
      const next = this.step(state, read(rule), now);
      if (next.state !== state.status.state) changed.push(next);
      state.status = next;
    }
    return changed;
  }

  /** Marks a firing alert as seen. */
  acknowledge(id: string, now: number): AlertStatus {
    const state = this.states.get(id);
    if (!state) throw new QuarryError('UNKNOWN_ALERT', `No alert rule has the id "${id}"`);
    if (state.status.state === 'firing' && state.status.acknowledgedAt === null) state.status = { ...state.status, acknowledgedAt: now };
    return state.status;
  }

  all(): AlertStatus[] {
    return [...this.states.values()].map((state) => state.status);
  }

  private step(state: RuleState, value: number | null, now: number): AlertStatus {
    const { status } = state;
    const { rule } = status;
    const breached = value !== null && (rule.when === 'above' ? value > rule.threshold : value < rule.threshold);
    switch (status.state) {
      case 'firing': {
        const margin = Math.abs(rule.threshold) * HYSTERESIS;
        const clear = value === null || (rule.when === 'above' ? value <= rule.threshold - margin : value >= rule.threshold + margin);
        if (!clear) {
          state.clearSince = null;
          return { ...status, value };
        }
        state.clearSince ??= now;
        const clearFor = Math.min(rule.forSeconds, MAX_CLEAR_SECONDS) * 1000;
        if (now - state.clearSince < clearFor) return { ...status, value };
        state.clearSince = null;
        return { ...status, state: 'resolved', value, since: now, acknowledgedAt: null };
      }
      case 'pending':
        if (!breached) return { ...status, state: 'ok', value, since: now };
        if (now - status.since >= rule.forSeconds * 1000) return { ...status, state: 'firing', value, since: now };
        return { ...status, value };
      default:
        if (!breached) return { ...status, value };
        // A zero duration fires on the first sample past the line.
        return rule.forSeconds === 0 ? { ...status, state: 'firing', value, since: now } : { ...status, state: 'pending', value, since: now };
    }
  }
}

/** The history's record of a status change, or null for a change the history does not keep (back to ok, disabled). */
export function alertEvent(status: AlertStatus, at: number): AlertEvent | null {
  const state = status.state === 'firing' && status.acknowledgedAt !== null ? 'acknowledged' : status.state;
  if (state === 'ok' || state === 'disabled') return null;
  return { at, ruleId: status.rule.id, name: status.rule.name, state, value: status.value, metric: status.rule.metric };
}

function initialStatus(rule: AlertRule, now: number): AlertStatus {
  return { rule, state: rule.enabled ? 'ok' : 'disabled', value: null, since: now, acknowledgedAt: null };
}

function sameRule(a: AlertRule, b: AlertRule): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
