import type { IndexingState } from '../shared/contract.js';
import { formatDuration, formatPercent, PHASE_VERBS } from '../shared/format.js';
import type { IndexProgress } from '../shared/types.js';

export type TrayState = 'idle' | 'indexing' | 'paused' | 'error';

export interface TrayStatus {
  state: TrayState;
  /** One line for the tooltip and the menu's first item, e.g. "Quarry: indexing repo 42%, 1m05s left". */
  text: string;
}

/** What the tray says about indexing: idle, indexing with percent and ETA, paused, or a failure. */
export function trayStatus(indexing: IndexingState, progress: ReadonlyMap<string, IndexProgress>): TrayStatus {
  const failed = indexing.jobs.find((job) => job.state === 'failed');
  if (indexing.paused) return { state: 'paused', text: 'Quarry: indexing paused' };
  const running = indexing.jobs.find((job) => job.state === 'running');
  if (running) {
    const p = progress.get(running.folder);
    const verb = PHASE_VERBS[p?.phase ?? 'indexing'].toLowerCase();
    const share = p && p.total > 0 ? ` ${formatPercent(p.done / p.total)}` : '';
    const eta = p?.etaMs ? `, ${formatDuration(p.etaMs)} left` : '';
    const queued = indexing.jobs.filter((job) => job.state === 'queued').length;
    return { state: 'indexing', text: `Quarry: ${verb} ${running.folder}${share}${eta}${queued ? ` (+${queued} queued)` : ''}` };
  }
  if (failed) return { state: 'error', text: `Quarry: indexing ${failed.folder} failed: ${failed.error ?? 'unknown error'}` };
  return { state: 'idle', text: 'Quarry: up to date' };
}
