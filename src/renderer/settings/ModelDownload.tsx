import { useEffect, useState } from 'react';
import type { ModelDownload as Progress, ModelTier } from '../../shared/contract';
import { formatBytes, formatPercent } from '../../shared/format';
import { api, errorMessage, subscribe } from '../api';

/** Fetches a tier's model with a progress bar; the tier turns on when it is done. */
export function ModelDownload({ tier = 'transformer', label = 'Download the model', onDone }: { tier?: ModelTier; label?: string; onDone(): void }) {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  // Both tiers may download at once, on one event stream.
  useEffect(() => subscribe('modelDownload', (p) => {
    if (p.tier === tier) setProgress(p);
  }), [tier]);
  const start = (): void => {
    setRunning(true);
    setError(null);
    api.downloadModel({ tier }).then(onDone, (e: unknown) => setError(errorMessage(e))).finally(() => setRunning(false));
  };
  const cancel = (): void => {
    api.cancelModelDownload({ tier }).catch((e: unknown) => setError(errorMessage(e)));
  };
  const share = progress && progress.total > 0 ? progress.bytes / progress.total : 0;
  return (
    <div className="model-download">
      <button type="button" onClick={start} disabled={running}>
        {running ? 'Downloading…' : label}
      </button>
      {running && <button type="button" onClick={cancel}>Cancel</button>}
      {running && progress?.state === 'downloading' && (
        <span className="muted" role="status">
          <progress max={1} value={share} /> {formatPercent(share)} · {formatBytes(progress.bytes)} of {formatBytes(progress.total)} · {progress.file}
        </span>
      )}
      {error && (
        <span className="warn-text" role="alert">
          {progress?.state === 'cancelled' ? 'Cancelled' : `Download failed: ${error}`}. Download again: it continues where it stopped.
        </span>
      )}
    </div>
  );
}
