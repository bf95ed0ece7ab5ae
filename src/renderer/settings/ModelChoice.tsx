import { useCallback, useEffect, useState } from 'react';
import type { Models } from '../../shared/contract';
import { api, errorMessage } from '../api';

/** Switches between the installed models; every folder is then embedded with the one chosen. */
export function ModelChoice({ onChanged, notify }: { onChanged(): void; notify(message: string): void }) {
  const [models, setModels] = useState<Models | null>(null);
  const [switching, setSwitching] = useState(false);
  const load = useCallback(() => {
    api.models({}).then(setModels, (e: unknown) => notify(errorMessage(e)));
  }, [notify]);
  useEffect(load, [load]);
  if (!models || models.installed.length === 0) return null;
  const choose = (modelId: string): void => {
    setSwitching(true);
    api.updateSettings({ modelId }).then(
      () => {
        notify(`Now embedding with ${modelId}; folders are being embedded with it`);
        onChanged();
      },
      (e: unknown) => notify(errorMessage(e)),
    ).finally(() => {
      setSwitching(false);
      load();
    });
  };
  return (
    <label>
      Switch to{' '}
      <select value={models.active ?? ''} disabled={switching} onChange={(e) => choose(e.target.value)}>
        {models.active === null && <option value="">none in use</option>}
        {models.installed.map((m) => (
          <option key={m.modelId} value={m.modelId}>{m.modelId} ({m.dims} dimensions, {m.dtype})</option>
        ))}
      </select>
      <span className="muted"> from {models.modelsDir}</span>
    </label>
  );
}
