import { useCallback, useEffect, useState } from 'react';
import type { AlertStatus } from '../../shared/contract';
import { api, subscribe } from '../api';

/** Every alert rule with its state: firing and resolving arrive as `alert` events, the latest values with each metrics sample. */
export function useAlerts(): { alerts: AlertStatus[]; reload(): void } {
  const [alerts, setAlerts] = useState<AlertStatus[]>([]);
  const reload = useCallback(() => {
    void api.alerts({}).then(setAlerts, () => undefined);
  }, []);
  useEffect(() => {
    reload();
    const offSamples = subscribe('stats', reload);
    const offAlerts = subscribe('alert', (changed) => setAlerts((all) => all.map((a) => (a.rule.id === changed.rule.id ? changed : a))));
    return () => {
      offSamples();
      offAlerts();
    };
  }, [reload]);
  return { alerts, reload };
}
