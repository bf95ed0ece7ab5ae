import { useCallback, useEffect, useState } from 'react';
import { MAX_MEMORY_BUDGET_MB, MIN_MEMORY_BUDGET_MB, type Models, type Settings } from '../../shared/contract';
import type { StatusReport } from '../../shared/types';
import { api, errorMessage } from '../api';
import { FastTier } from './FastTier';
import type { TierSettings } from './tier-props';
import { TransformerTier } from './TransformerTier';

/** What semantic search runs on, tier by tier. */
function semanticSummary(status: StatusReport): { text: string; warn: boolean } | null {
  if (status.model && status.fastModel) return null;
  if (status.model) return { text: 'Semantic search uses the transformer tier alone.', warn: false };
  if (status.fastModel) return { text: 'Semantic search uses the fast tier alone.', warn: false };
  return { text: 'Semantic search is off: no embedding tier is on. Search is lexical until one is.', warn: true };
}

/** The embedding tiers (fast first), resource budgets (CPU for embedding, memory for alerts), editor command, tray behaviour and ignore rules. */
export function SettingsPage({ status, reloadStatus, notify }: { status: StatusReport | null; reloadStatus(): void; notify(message: string): void }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [saved, setSaved] = useState(false);
  // The text as typed (blank lines and all); the setting holds the patterns.
  const [rulesText, setRulesText] = useState('');
  // The memory budget as typed: read as a number on saving.
  const [memoryText, setMemoryText] = useState('');
  const [models, setModels] = useState<Models | null>(null);
  const [switching, setSwitching] = useState(false);
  useEffect(() => {
    api.settings({}).then((loaded) => {
      setSettings(loaded);
      setRulesText(loaded.ignoreRules.join('\n'));
      setMemoryText(String(loaded.memoryBudgetMb));
    }, (e: unknown) => notify(errorMessage(e)));
  }, [notify]);
  const loadModels = useCallback(() => {
    api.models({}).then(setModels, (e: unknown) => notify(errorMessage(e)));
  }, [notify]);
  useEffect(loadModels, [loadModels]);
  if (!settings) return <div className="empty-state">Loading settings…</div>;
  const tiersChanged = (): void => {
    loadModels();
    reloadStatus();
  };
  const applyTier = (changes: TierSettings, done: string): void => {
    setSwitching(true);
    api.updateSettings(changes).then(() => {
      // Only the tier's fields: the form may hold edits not saved yet.
      setSettings((current) => current && { ...current, ...changes });
      notify(done);
    }, (e: unknown) => notify(errorMessage(e))).finally(() => {
      setSwitching(false);
      tiersChanged();
    });
  };
  const onDownloaded = (message: string): void => {
    notify(message);
    tiersChanged();
  };
  const change = (patch: Partial<Settings>): void => {
    setSettings({ ...settings, ...patch });
    setSaved(false);
  };
  const save = (): void => {
    // Only what this form edits: the tiers and the alert rules have their own controls.
    const { budget, editorCommand, keepRunningInTray, ignoreRules } = settings;
    const memoryBudgetMb = Number(memoryText);
    if (memoryText.trim() === '' || !Number.isInteger(memoryBudgetMb) || memoryBudgetMb < MIN_MEMORY_BUDGET_MB || memoryBudgetMb > MAX_MEMORY_BUDGET_MB) {
      notify(`The memory budget must be a whole number of MB from ${MIN_MEMORY_BUDGET_MB} to ${MAX_MEMORY_BUDGET_MB}`);
      return;
    }
    api.updateSettings({ budget, memoryBudgetMb, editorCommand, keepRunningInTray, ignoreRules }).then((next) => {
      setSettings(next);
      setMemoryText(String(next.memoryBudgetMb));
      setSaved(true);
    }, (e: unknown) => notify(errorMessage(e)));
  };
  const summary = status && semanticSummary(status);
  const tier = { models, busy: switching, apply: applyTier, onDownloaded };
  return (
    <form className="settings-page" onSubmit={(e) => { e.preventDefault(); save(); }}>
      {summary && <p className={summary.warn ? 'warn-text' : 'muted'}>{summary.text}</p>}
      <FastTier {...tier} />
      <TransformerTier {...tier} status={status} settings={settings} />
      <fieldset>
        <legend>Embedding budget</legend>
        <label>
          <input type="radio" name="budget" checked={settings.budget === 'economy'} onChange={() => change({ budget: 'economy' })} /> Economy: leave the machine usable
        </label>
        <label>
          <input type="radio" name="budget" checked={settings.budget === 'full'} onChange={() => change({ budget: 'full' })} /> Full speed: use every core
        </label>
        <p className="muted">The embedding budget applies from the next start.</p>
      </fieldset>
      <fieldset>
        <legend>Memory budget</legend>
        <label>
          Memory budget{' '}
          <input
            type="number"
            min={MIN_MEMORY_BUDGET_MB}
            max={MAX_MEMORY_BUDGET_MB}
            step={1}
            value={memoryText}
            onChange={(e) => {
              setMemoryText(e.target.value);
              setSaved(false);
            }}
          />{' '}
          MB
        </label>
        <p className="muted">Alerts read Quarry's memory in use (RSS) as a share of it: by default one fires above 80% for five minutes. It limits nothing, and a change counts from the next sample.</p>
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
