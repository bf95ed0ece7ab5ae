import { useState } from 'react';
import { ALERT_METRICS, type AlertRule, type AlertStatus } from '../../shared/contract';
import { formatAlertValue } from '../../shared/format';
import { api, errorMessage } from '../api';

type NumberField = 'above' | 'forSeconds';

/** The alert rules, each with its state and the metric's latest value; thresholds and durations are editable. */
export function AlertsPage({ alerts, reload, notify }: { alerts: AlertStatus[]; reload(): void; notify(message: string): void }) {
  // The fields as typed, by rule id: a number is read from them only on saving.
  const [edits, setEdits] = useState<Record<string, Partial<Record<NumberField, string>>>>({});
  if (alerts.length === 0) return <div className="empty-state">No alert rules.</div>;
  const shown = (rule: AlertRule, field: NumberField): string => edits[rule.id]?.[field] ?? String(rule[field]);
  const dirty = Object.keys(edits).length > 0;
  const save = (): void => {
    const rules = alerts.map(({ rule }) => ({ ...rule, above: Number(shown(rule, 'above')), forSeconds: Number(shown(rule, 'forSeconds')) }));
    const bad = rules.find((r) => !Number.isFinite(r.above) || !Number.isFinite(r.forSeconds) || shown(r, 'above').trim() === '' || shown(r, 'forSeconds').trim() === '');
    if (bad) {
      notify(`${bad.name}: the threshold and the duration must be numbers`);
      return;
    }
    api.updateSettings({ alertRules: rules }).then(() => {
      setEdits({});
      reload();
    }, (e: unknown) => notify(errorMessage(e)));
  };
  const edit = (id: string, field: NumberField, text: string): void => setEdits((all) => ({ ...all, [id]: { ...all[id], [field]: text } }));
  return (
    <form className="alerts-page" onSubmit={(e) => { e.preventDefault(); save(); }}>
      <table className="table" aria-label="Alert rules">
        <thead><tr><th>State</th><th>Rule</th><th>Watches</th><th>Now</th><th>Fires above</th><th>For (s)</th><th>Since</th></tr></thead>
        <tbody>
          {alerts.map(({ rule, state, value, since }) => (
            <tr key={rule.id} className={`alert-${state}`}>
              <td>{state}</td>
              <td>{rule.name}</td>
              <td className="muted">{ALERT_METRICS[rule.metric]}</td>
              <td>{value === null ? '–' : formatAlertValue(rule.metric, value)}</td>
              <td><input type="number" aria-label={`${rule.name} threshold`} value={shown(rule, 'above')} onChange={(e) => edit(rule.id, 'above', e.target.value)} /></td>
              <td><input type="number" min={0} aria-label={`${rule.name} duration`} value={shown(rule, 'forSeconds')} onChange={(e) => edit(rule.id, 'forSeconds', e.target.value)} /></td>
              <td className="muted">{new Date(since).toLocaleTimeString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="submit" disabled={!dirty}>Save rules</button>
      <p className="muted">A rule fires when its metric stays above the threshold for the time given, and resolves when it is back at or below it. A firing alert shows at the top of the window and in the tray.</p>
    </form>
  );
}
