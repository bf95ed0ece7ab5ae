import { useCallback, useEffect, useState } from 'react';
import type { AlertStatus } from '../../shared/contract';
import { api, subscribe } from '../api';

/** How often the metrics' latest values are fetched; firing and resolving arrive at once as events. */
const REFRESH_MS = 5000;

/** Every alert rule with its state, kept current by `alert` events (fired, resolved) and a slow refresh. */
export function useAlerts(): { alerts: AlertStatus[]; reload(): void } {
  const [alerts, setAlerts] = useState<AlertStatus[]>([]);
  const reload = useCallback(() => {
    void api.alerts({}).then(setAlerts, () => undefined);
  }, []);
  useEffect(() => {
    reload();
    const timer = setInterval(reload, REFRESH_MS);
    const off = subscribe('alert', (changed) => setAlerts((all) => all.map((a) => (a.rule.id === changed.rule.id ? changed : a))));
    return () => {
      clearInterval(timer);
      off();
    };
  }, [reload]);
  return { alerts, reload };
}
