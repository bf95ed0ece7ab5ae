import { useEffect, useState } from 'react';
import type { IndexingState } from '../../shared/contract';
import type { IndexProgress } from '../../shared/types';
import { api, subscribe } from '../api';

export interface IndexingView extends IndexingState {
  /** The latest progress of each folder, by name. */
  progress: Record<string, IndexProgress>;
  /** Whether any folder is queued or being indexed. */
  busy: boolean;
}

/** Indexing jobs and their live progress, kept current by push events. */
export function useIndexing(): IndexingView {
  const [state, setState] = useState<IndexingState>({ paused: false, jobs: [] });
  const [progress, setProgress] = useState<Record<string, IndexProgress>>({});
  useEffect(() => {
    let live = true;
    void api.indexing({}).then((initial) => live && setState(initial), () => undefined);
    const offJobs = subscribe('indexing', setState);
    const offProgress = subscribe('progress', (p) => setProgress((all) => ({ ...all, [p.folder]: p })));
    return () => {
      live = false;
      offJobs();
      offProgress();
    };
  }, []);
  const busy = state.jobs.some((job) => job.state === 'queued' || job.state === 'running' || job.state === 'paused');
  return { ...state, progress, busy };
}
