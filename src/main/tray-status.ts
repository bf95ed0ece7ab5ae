import type { AlertStatus, IndexingState } from '../shared/contract.js';
import { formatDuration, formatPercent, PHASE_VERBS } from '../shared/format.js';
import type { IndexProgress } from '../shared/types.js';

export type TrayState = 'idle' | 'indexing' | 'paused' | 'error' | 'alert';

export interface TrayStatus {
  state: TrayState;
  /** One line for the tooltip and the menu's first item, e.g. "Quarry: indexing repo 42%, 1m05s left". */
  text: string;
}

/**
 * What the tray says: an unacknowledged alert firing above all, else indexing idle, under way
 * with percent and ETA, paused, or failed.
 */
export function trayStatus(indexing: IndexingState, progress: ReadonlyMap<string, IndexProgress>, alerts: readonly AlertStatus[]): TrayStatus {
  const firing = alerts.filter((alert) => alert.state === 'firing' && alert.acknowledgedAt === null);
  if (firing.length > 0) {
    const more = firing.length > 1 ? ` (+${firing.length - 1} more)` : '';
    return { state: 'alert', text: `Quarry: alert firing: ${firing[0]!.rule.name}${more}` };
  }
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

/** The tray icon's colour per state (idle keeps the icon as drawn). */
const STATE_COLOURS: Record<Exclude<TrayState, 'idle'>, [number, number, number]> = {
  indexing: [46, 160, 67],
  paused: [128, 128, 128],
  error: [198, 40, 40],
  alert: [230, 140, 0],
};

/**
 * The tray icon for a state: the idle icon's shape (its alpha) in the state's colour, so the
 * state shows at a glance. Bitmaps are 4 bytes per pixel, blue-green-red-alpha (Electron's order).
 */
export function tintTrayBitmap(idle: Uint8Array, state: TrayState): Uint8Array {
  if (state === 'idle') return idle;
  const [r, g, b] = STATE_COLOURS[state];
  const out = Uint8Array.from(idle);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = b;
    out[i + 1] = g;
    out[i + 2] = r;
  }
  return out;
}
