import { useEffect, useState } from 'react';
import type { Settings } from '../../shared/contract';
import type { StatusReport } from '../../shared/types';
import { api, errorMessage } from '../api';
import { FastTier } from './FastTier';
import { ModelChoice } from './ModelChoice';
import { ModelDownload } from './ModelDownload';

/** Resource budget, editor command and tray behaviour; the model in use and where it runs. */
export function SettingsPage({ status, reloadStatus, notify }: { status: StatusReport | null; reloadStatus(): void; notify(message: string): void }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [saved, setSaved] = useState(false);
  // The text as typed (blank lines and all); the setting holds the patterns.
  const [rulesText, setRulesText] = useState('');
  useEffect(() => {
    api.settings({}).then((loaded) => {
      setSettings(loaded);
      setRulesText(loaded.ignoreRules.join('\n'));
    }, (e: unknown) => notify(errorMessage(e)));
  }, [notify]);
  if (!settings) return <div className="empty-state">Loading settings…</div>;
  const change = (patch: Partial<Settings>): void => {
    setSettings({ ...settings, ...patch });
    setSaved(false);
  };
  const save = (): void => {
    // Only what this form edits: the model and the alert rules have their own controls.
    const { budget, editorCommand, keepRunningInTray, ignoreRules } = settings;
    api.updateSettings({ budget, editorCommand, keepRunningInTray, ignoreRules }).then((next) => {
      setSettings(next);
      setSaved(true);
    }, (e: unknown) => notify(errorMessage(e)));
  };
  const model = status?.model;
  return (
    <form className="settings-page" onSubmit={(e) => { e.preventDefault(); save(); }}>
      <fieldset>
        <legend>Embedding</legend>
        {model ? (
          <p>
            In use: <strong>{model.modelId}</strong> ({model.dims} dimensions, {model.dtype}) on <strong>{model.device}</strong>
            {model.fallbackReason && <span className="muted"> · fell back: {model.fallbackReason}</span>}
          </p>
        ) : (
          <>
            <p className="warn-text">Semantic search is off: {status?.modelUnavailable ?? 'unknown'}.</p>
            <p className="muted">Download the embedding model (all-MiniLM-L6-v2, about 23 MB; resumable and verified), or run <code>quarry models download</code>.</p>
            <ModelDownload onDone={reloadStatus} />
          </>
        )}
        <ModelChoice onChanged={reloadStatus} notify={notify} />
        <FastTier settings={settings} onChanged={reloadStatus} notify={notify} />
        {status && Object.keys(status.embeddingLeftOut).length > 0 && (
          <p className="muted" aria-label="Left to the fast tier">
            Left to {status.fastModel ? 'the fast tier' : 'lexical search'}: {Object.entries(status.embeddingLeftOut).map(([reason, n]) => `${reason} ${n}`).join(', ')} chunks.
          </p>
        )}
        <label>
          <input type="radio" name="budget" checked={settings.budget === 'economy'} onChange={() => change({ budget: 'economy' })} /> Economy: leave the machine usable
        </label>
        <label>
          <input type="radio" name="budget" checked={settings.budget === 'full'} onChange={() => change({ budget: 'full' })} /> Full speed: use every core
        </label>
        <p className="muted">The budget applies from the next start.</p>
      </fieldset>
      <fieldset>
        <legend>Opening results</legend>
        <label>
          Editor command <input value={settings.editorCommand} onChange={(e) => change({ editorCommand: e.target.value })} placeholder="code -g {file}:{line}" spellCheck={false} />
        </label>
        <p className="muted">{'{file}'} and {'{line}'} are replaced. Empty: the system's default application.</p>
      </fieldset>
      <fieldset>
        <legend>Desktop</legend>
        <label>
          <input type="checkbox" checked={settings.keepRunningInTray} onChange={(e) => change({ keepRunningInTray: e.target.checked })} /> Keep indexing in the tray when the window is closed
        </label>
      </fieldset>
      <fieldset>
        <legend>Ignore rules</legend>
        <label>
          Left out of every folder, one pattern per line (gitignore syntax)
          <textarea
            rows={5}
            spellCheck={false}
            value={rulesText}
            placeholder={'*.generated.ts\nvendor/\nsnapshots/'}
            onChange={(e) => {
              setRulesText(e.target.value);
              change({ ignoreRules: e.target.value.split('\n').map((line) => line.trim()).filter((line) => line !== '') });
            }}
          />
        </label>
        <p className="muted">
          On top of the built-in defaults (dependencies, build output, lock files, binaries). Quarry also follows each folder's .gitignore files,
          .git/info/exclude and .quarryignore files (same syntax), which can re-include with <code>!pattern</code>. Saving new rules re-indexes every folder.
        </p>
      </fieldset>
      <div className="toolbar">
        <button type="submit">Save</button>
        {saved && <span className="muted" role="status">Saved</span>}
      </div>
    </form>
  );
}
