import { useCallback, useEffect, useState } from 'react';
import type { Models, Settings } from '../../shared/contract';
import { api, errorMessage } from '../api';
import { ModelDownload } from './ModelDownload';

/**
 * The fast tier: which static model covers folders in seconds (or none), and whether the
 * transformer also embeds vendored, generated and fixture files instead of leaving them to it.
 */
export function FastTier({ settings, onChanged, notify }: { settings: Settings; onChanged(): void; notify(message: string): void }) {
  const [models, setModels] = useState<Models | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api.models({}).then(setModels, (e: unknown) => notify(errorMessage(e)));
  }, [notify]);
  useEffect(load, [load]);
  const apply = (changes: Partial<Pick<Settings, 'fastModelId' | 'embedEverything'>>, done: string): void => {
    setBusy(true);
    api.updateSettings(changes).then(() => {
      notify(done);
      onChanged();
    }, (e: unknown) => notify(errorMessage(e))).finally(() => {
      setBusy(false);
      load();
    });
  };
  const installed = models?.fast.installed ?? [];
  const active = models?.fast.active ?? 'none';
  return (
    <>
      <label>
        Fast tier{' '}
        <select aria-label="Fast tier model" value={active} disabled={busy || !models} onChange={(e) => apply({ fastModelId: e.target.value }, e.target.value === 'none' ? 'The fast tier is off' : `Folders are being covered by ${e.target.value}`)}>
          <option value="none">off</option>
          {installed.map((m) => <option key={m.modelId} value={m.modelId}>{m.modelId} ({m.dims} dimensions, static)</option>)}
        </select>
      </label>
      {installed.length === 0 && (
        <>
          <p className="muted">
            A static model makes a folder semantically searchable seconds after its lexical pass, while the model above fills in behind it.
            Download potion-code-16M (resumable and verified), or run <code>quarry models download fast</code>.
          </p>
          <ModelDownload tier="fast" label="Download the fast model" onDone={() => {
            notify('The fast tier is on: folders are being covered by it');
            load();
            onChanged();
          }} />
        </>
      )}
      <label>
        <input type="checkbox" aria-label="Embed every file with the transformer" checked={settings.embedEverything} disabled={busy}
          onChange={(e) => apply({ embedEverything: e.target.checked }, e.target.checked ? 'The transformer now embeds every file' : 'Vendored, generated and fixture files are left to the fast tier')} />
        {' '}Embed every file with the model above
      </label>
      <p className="muted">
        Otherwise it leaves vendored (vendor/, third_party/), generated (dist/, *.min.js, *.pb.go, *_pb2.py, *.generated.*) and fixture
        files (fixtures/, testdata/, __snapshots__/) to the fast tier, or to lexical search without one: on a large repository that is most
        of the work. Status says how many chunks each rule left out.
      </p>
    </>
  );
}
