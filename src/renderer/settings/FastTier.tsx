import { ModelDownload } from './ModelDownload';
import type { TierProps } from './tier-props';

/** The fast tier: the static model that covers a folder in seconds, or none; shown first, since it is small and comes first. */
export function FastTier({ models, busy, apply, onDownloaded }: TierProps) {
  const installed = models?.fast.installed ?? [];
  const active = models?.fast.active ?? 'none';
  return (
    <fieldset>
      <legend>Fast tier</legend>
      <label>
        Static model{' '}
        <select aria-label="Fast tier model" value={active} disabled={busy || !models} onChange={(e) => apply({ fastModelId: e.target.value }, e.target.value === 'none' ? 'The fast tier is off' : `Folders are being covered by ${e.target.value}`)}>
          <option value="none">off</option>
          {installed.map((m) => <option key={m.modelId} value={m.modelId}>{m.modelId} ({m.dims} dimensions, static)</option>)}
        </select>
      </label>
      {installed.length === 0 && (
        <>
          <p className="muted">
            A static model makes a folder semantically searchable seconds after its lexical pass, while the transformer tier fills in behind it.
            Download potion-code-16M (resumable and verified), or run <code>quarry models download fast</code>.
          </p>
          <ModelDownload tier="fast" label="Download the fast model" onDone={() => onDownloaded('The fast tier is on: folders are being covered by it')} />
        </>
      )}
    </fieldset>
  );
}
