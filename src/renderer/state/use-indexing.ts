import { useEffect, useState } from 'react';
import type { IndexingState } from '../../shared/contract';
import type { IndexProgress } from '../../shared/types';
import { api, follow, subscribe } from '../api';

export interface IndexingView extends IndexingState {
  /** The latest progress of each folder, by name. */
  progress: Record<string, IndexProgress>;
  /** Whether any folder is queued or being indexed. */
  busy: boolean;
}

/**
 * Indexing jobs and their live progress, kept current by push events. The jobs are read again
 * whenever the event stream opens: a run that ended before it listened sends no event this page
 * receives, and its row would stay running.
 */
export function useIndexing(): IndexingView {
  const [state, setState] = useState<IndexingState>({ paused: false, jobs: [] });
  const [progress, setProgress] = useState<Record<string, IndexProgress>>({});
  useEffect(() => {
    const offJobs = follow('indexing', () => api.indexing({}), setState);
    const offProgress = subscribe('progress', (p) => setProgress((all) => ({ ...all, [p.folder]: p })));
    return () => {
      offJobs();
      offProgress();
    };
  }, []);
  const busy = state.jobs.some((job) => job.state === 'queued' || job.state === 'running' || job.state === 'paused');
  return { ...state, progress, busy };
}
