import { useState } from 'react';
import type { Capabilities, FolderJob } from '../../shared/contract';
import { formatBytes, formatDuration, formatPercent } from '../../shared/format';
import type { FolderStatus, IndexProgress, SkippedFile, StatusReport } from '../../shared/types';
import { api, errorMessage } from '../api';
import type { IndexingView } from '../state/use-indexing';

interface Props {
  status: StatusReport | null;
  indexing: IndexingView;
  capabilities: Capabilities | null;
  addFolder(path: string): void;
  notify(message: string): void;
}

/** Added folders with their indexing state and controls, and the ways to add more. */
export function FoldersPage({ status, indexing, capabilities, addFolder, notify }: Props) {
  const [path, setPath] = useState('');
  const act = (work: Promise<unknown>): void => {
    work.catch((e: unknown) => notify(errorMessage(e)));
  };
  const pick = (): void => act(api.pickFolder({}));
  return (
    <div className="folders-page">
      <section className="drop-zone" aria-label="Drop zone">
        <p>Drop repository folders anywhere on this window to add them.</p>
        <form
          className="add-folder"
          onSubmit={(e) => {
            e.preventDefault();
            if (path.trim()) addFolder(path.trim());
            setPath('');
          }}
        >
          {capabilities?.pickFolder && <button type="button" onClick={pick}>Choose folder…</button>}
          <input aria-label="Folder path" placeholder="/full/path/to/a/repository" value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} />
          <button type="submit" disabled={path.trim() === ''}>Add folder</button>
        </form>
      </section>
      <div className="toolbar">
        <span className="muted">{status ? `${status.folders.length} folders · index ${formatBytes(status.indexBytes)} on disk` : 'Loading…'}</span>
        <button onClick={() => act(indexing.paused ? api.resume({}) : api.pause({}))}>{indexing.paused ? 'Resume all' : 'Pause all'}</button>
      </div>
      {status && status.folders.length === 0 && <div className="empty-state">No folders yet.</div>}
      <ul className="folder-list" aria-label="Folders">
        {status?.folders.map((folder) => (
          <FolderRow
            key={folder.id}
            folder={folder}
            job={indexing.jobs.find((j) => j.folder === folder.name) ?? null}
            progress={indexing.progress[folder.name] ?? null}
            act={act}
          />
        ))}
      </ul>
    </div>
  );
}

function FolderRow({ folder, job, progress, act }: { folder: FolderStatus; job: FolderJob | null; progress: IndexProgress | null; act(work: Promise<unknown>): void }) {
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [skipped, setSkipped] = useState<SkippedFile[] | null>(null);
  const state = job?.state ?? (folder.lastIndexedAt ? 'done' : 'queued');
  const active = state === 'running' || state === 'paused';
  const ratio = progress && progress.total > 0 ? progress.done / progress.total : 0;
  const toggleSkipped = (): void => {
    if (skipped) setSkipped(null);
    else act(api.skipped({ folder: folder.name }).then(setSkipped));
  };
  return (
    <li className="folder" data-state={state} aria-label={folder.name}>
      <div className="folder-head">
        <strong className="folder-name">{folder.name}</strong>
        <span className="muted path">{folder.root}</span>
        <span className={`state state-${state}`}>{active && progress ? `${state === 'paused' ? 'paused' : progress.phase}` : state}</span>
      </div>
      <div className="folder-stats">
        <span>{folder.files.toLocaleString()} files</span>
        <span>{folder.chunks.toLocaleString()} chunks</span>
        <span>{formatBytes(folder.sourceBytes)}</span>
        <span title="chunks with a vector of a model in use">embedded {formatPercent(folder.embeddingCoverage)}</span>
        {folder.tiers.length > 1 && (
          <span className="muted" aria-label={`${folder.name} coverage per tier`}>
            {folder.tiers.map((t) => `${t.tier === 'fast' ? 'fast' : 'transformer'} ${formatPercent(folder.chunks === 0 ? 1 : t.embedded / folder.chunks)}`).join(' · ')}
          </span>
        )}
        <button className="link" onClick={toggleSkipped} aria-expanded={skipped !== null}>{folder.skipped} skipped</button>
        {job?.error && <span className="error-text">{job.error}</span>}
      </div>
      {active && progress && (
        <div className="progress" aria-label={`${folder.name} progress`}>
          <div className="bar"><div className="fill" style={{ width: `${Math.round(ratio * 100)}%` }} /></div>
          <span>
            {progress.phase} {progress.done.toLocaleString()}/{progress.total.toLocaleString()} {progress.unit} · {Math.round(progress.rate)} {progress.unit}/s
            {progress.etaMs !== null && ` · ETA ${formatDuration(progress.etaMs)}`}
          </span>
        </div>
      )}
      <div className="folder-actions">
        {active && state !== 'paused' && <button onClick={() => act(api.pause({ folder: folder.name }))}>Pause</button>}
        {state === 'paused' && <button onClick={() => act(api.resume({ folder: folder.name }))}>Resume</button>}
        <button onClick={() => act(api.reindexFolder({ folder: folder.name }))} disabled={active}>Re-index</button>
        <button onClick={() => act(api.reindexFolder({ folder: folder.name, rebuild: true }))}>Rebuild</button>
        {confirmRemove ? (
          <>
            <span>Forget this folder's index? Its files are not touched.</span>
            <button className="danger" onClick={() => act(api.removeFolder({ folder: folder.name }))}>Remove</button>
            <button onClick={() => setConfirmRemove(false)}>Keep</button>
          </>
        ) : (
          <button onClick={() => setConfirmRemove(true)}>Remove…</button>
        )}
      </div>
      {skipped && (
        <table className="skipped" aria-label={`${folder.name} skipped files`}>
          <tbody>
            {skipped.length === 0 && <tr><td className="muted">Nothing skipped.</td></tr>}
            {skipped.map((s) => (
              <tr key={s.path}><td className="path">{s.path}</td><td>{s.reason}</td><td className="muted">{s.detail}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}
