import type { Settings } from '../../shared/contract';
import type { StatusReport } from '../../shared/types';
import { ModelDownload } from './ModelDownload';
import type { TierProps } from './tier-props';

/**
 * The transformer tier: the model that fills in better vectors behind the fast tier, or none; its
 * download, and whether it also embeds vendored, generated and fixture files.
 */
export function TransformerTier({ status, settings, models, busy, apply, onDownloaded }: TierProps & { status: StatusReport | null; settings: Settings }) {
  const model = status?.model;
  const installed = models?.installed ?? [];
  // Off by choice with a model to turn back on: the menu does that; otherwise the model is to download.
  const offerDownload = !model && (installed.length === 0 || settings.modelId !== 'none');
  const choose = (modelId: string): void => {
    apply({ modelId }, modelId === 'none' ? 'The transformer tier is off' : `Now embedding with ${modelId}; folders are being embedded with it`);
  };
  return (
    <fieldset>
      <legend>Transformer tier</legend>
      {model ? (
        <p>
          In use: <strong>{model.modelId}</strong> ({model.dims} dimensions, {model.dtype}) on <strong>{model.device}</strong>
          {model.fallbackReason && <span className="muted"> · fell back: {model.fallbackReason}</span>}
        </p>
      ) : (
        <p className="muted">Off: {status?.modelUnavailable ?? 'unknown'}.</p>
      )}
      {models && (
        <label>
          Switch to{' '}
          <select value={models.active ?? 'none'} disabled={busy} onChange={(e) => choose(e.target.value)}>
            <option value="none">off</option>
            {installed.map((m) => (
              <option key={m.modelId} value={m.modelId}>{m.modelId} ({m.dims} dimensions, {m.dtype})</option>
            ))}
          </select>
          {models.modelsDir && <span className="muted"> from {models.modelsDir}</span>}
        </label>
      )}
      {offerDownload && (
        <>
          <p className="muted">Download the embedding model (all-MiniLM-L6-v2, about 23 MB; resumable and verified), or run <code>quarry models download</code>.</p>
          <ModelDownload onDone={() => onDownloaded('The transformer tier is on: folders are being embedded with it')} />
        </>
      )}
      <label>
        <input type="checkbox" aria-label="Embed every file with the transformer" checked={settings.embedEverything} disabled={busy}
          onChange={(e) => apply({ embedEverything: e.target.checked }, e.target.checked ? 'The transformer now embeds every file' : 'Vendored, generated and fixture files are left to the fast tier')} />
        {' '}Embed every file with the transformer
      </label>
      <p className="muted">
        Otherwise it leaves vendored (vendor/, third_party/), generated (dist/, *.min.js, *.pb.go, *_pb2.py, *.generated.*) and fixture
        files (fixtures/, testdata/, __snapshots__/) to the fast tier, or to lexical search without one: on a large repository that is most
        of the work. Status says how many chunks each rule left out.
      </p>
      {status && Object.keys(status.embeddingLeftOut).length > 0 && (
        <p className="muted" aria-label="Left to the fast tier">
          Left to {status.fastModel ? 'the fast tier' : 'lexical search'}: {Object.entries(status.embeddingLeftOut).map(([reason, n]) => `${reason} ${n}`).join(', ')} chunks.
        </p>
      )}
    </fieldset>
  );
}
