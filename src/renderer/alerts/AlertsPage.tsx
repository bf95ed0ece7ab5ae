import { useEffect, useState } from 'react';
import { ALERT_METRICS, type AlertEvent, type AlertRule, type AlertStatus } from '../../shared/contract';
import { formatAlertEventValue, formatAlertValue } from '../../shared/format';
import { api, errorMessage, subscribe } from '../api';

type NumberField = 'threshold' | 'forSeconds' | 'windowSeconds' | 'minEvents';
type Edit = Partial<Record<NumberField, string>> & { when?: AlertRule['when']; enabled?: boolean };

const HISTORY_SHOWN = 50;

/**
 * The alert rules, each with its state and the metric's latest value: direction, threshold,
 * duration, window, minimum traffic and the switch are editable; a firing alert can be
 * acknowledged. Below, the history of state changes, kept across restarts.
 */
export function AlertsPage({ alerts, reload, acknowledge, notify }: {
  alerts: AlertStatus[];
  reload(): void;
  acknowledge(id: string): void;
  notify(message: string): void;
}) {
  // The fields as typed, by rule id: numbers are read from them only on saving.
  const [edits, setEdits] = useState<Record<string, Edit>>({});
  const history = useAlertHistory();
  if (alerts.length === 0) return <div className="empty-state">No alert rules.</div>;
  const shown = (rule: AlertRule, field: NumberField): string => edits[rule.id]?.[field] ?? String(rule[field]);
  const dirty = Object.keys(edits).length > 0;
  const save = (): void => {
    const rules = alerts.map(({ rule }): AlertRule => ({
      ...rule,
      when: edits[rule.id]?.when ?? rule.when,
      enabled: edits[rule.id]?.enabled ?? rule.enabled,
      threshold: Number(shown(rule, 'threshold')),
      forSeconds: Number(shown(rule, 'forSeconds')),
      windowSeconds: Number(shown(rule, 'windowSeconds')),
      minEvents: Number(shown(rule, 'minEvents')),
    }));
    const fields: NumberField[] = ['threshold', 'forSeconds', 'windowSeconds', 'minEvents'];
    const bad = rules.find((r) => fields.some((field) => shown(r, field).trim() === '' || !Number.isFinite(r[field])));
    if (bad) {
      notify(`${bad.name}: the threshold, durations and minimum must be numbers`);
      return;
    }
    api.updateSettings({ alertRules: rules }).then(() => {
      setEdits({});
      reload();
    }, (e: unknown) => notify(errorMessage(e)));
  };
  const edit = (id: string, change: Edit): void => setEdits((all) => ({ ...all, [id]: { ...all[id], ...change } }));
  const numberInput = (rule: AlertRule, field: NumberField, label: string, min?: number) => (
    <input type="number" min={min} aria-label={`${rule.name} ${label}`} value={shown(rule, field)} onChange={(e) => edit(rule.id, { [field]: e.target.value })} />
  );
  return (
    <form className="alerts-page" onSubmit={(e) => { e.preventDefault(); save(); }}>
      <table className="table" aria-label="Alert rules">
        <thead>
          <tr><th>On</th><th>State</th><th>Rule</th><th>Watches</th><th>Now</th><th>When</th><th>Threshold</th><th>For (s)</th><th>Window (s)</th><th>Min events</th><th>Since</th><th /></tr>
        </thead>
        <tbody>
          {alerts.map(({ rule, state, value, since, acknowledgedAt }) => (
            <tr key={rule.id} className={`alert-${state}`}>
              <td><input type="checkbox" aria-label={`${rule.name} enabled`} checked={edits[rule.id]?.enabled ?? rule.enabled} onChange={(e) => edit(rule.id, { enabled: e.target.checked })} /></td>
              <td>{state}{acknowledgedAt !== null && ' (acknowledged)'}</td>
              <td>{rule.name}</td>
              <td className="muted">{ALERT_METRICS[rule.metric].label}</td>
              <td>{value === null ? '–' : formatAlertValue(rule.metric, value)}</td>
              <td>
                <select aria-label={`${rule.name} direction`} value={edits[rule.id]?.when ?? rule.when} onChange={(e) => edit(rule.id, { when: e.target.value as AlertRule['when'] })}>
                  <option value="above">above</option>
                  <option value="below">below</option>
                </select>
              </td>
              <td>{numberInput(rule, 'threshold', 'threshold')}</td>
              <td>{numberInput(rule, 'forSeconds', 'duration', 0)}</td>
              <td>{numberInput(rule, 'windowSeconds', 'window', 5)}</td>
              <td>{numberInput(rule, 'minEvents', 'minimum events', 0)}</td>
              <td className="muted">{new Date(since).toLocaleTimeString()}</td>
              <td>{state === 'firing' && acknowledgedAt === null && <button type="button" className="link" onClick={() => acknowledge(rule.id)}>Acknowledge</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="submit" disabled={!dirty}>Save rules</button>
      <p className="muted">
        A rule is pending while its metric is past the threshold, fires once that has lasted its duration, and resolves once the
        metric has been 10% clear of the threshold for a while, so it does not flap. Search time and hit rate are read over the
        rule's window, and only with at least its minimum of searches or lookups in it. A firing alert shows above every page, in
        the tray and as a notification until it is acknowledged.
      </p>
      <h3>History</h3>
      <table className="table" aria-label="Alert history">
        <thead><tr><th>When</th><th>Rule</th><th>State</th><th>Value</th></tr></thead>
        <tbody>
          {history.length === 0 && <tr><td colSpan={4} className="muted">No alert has changed state yet.</td></tr>}
          {history.map((event) => (
            // Each value in the unit of the metric it was measured in, which the rule may no longer watch.
            <tr key={`${event.at}-${event.ruleId}-${event.state}`}>
              <td>{new Date(event.at).toLocaleString()}</td><td>{event.name}</td><td>{event.state}</td>
              <td>{formatAlertEventValue(event)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </form>
  );
}

/** The stored alert events, newest first, read again whenever an alert changes. */
function useAlertHistory(): AlertEvent[] {
  const [events, setEvents] = useState<AlertEvent[]>([]);
  useEffect(() => {
    const reload = () => void api.alertHistory({ limit: HISTORY_SHOWN }).then(setEvents, () => undefined);
    reload();
    return subscribe('alert', reload);
  }, []);
  return events;
}
