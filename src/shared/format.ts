/** Display helpers every front end shares (CLI and renderer). */
import type { AlertMetric, IndexRunReport } from './contract.js';
import type { IndexPhase } from './types.js';

/** What a folder's indexing is doing, as a verb for status lines. */
export const PHASE_VERBS: Record<IndexPhase, string> = {
  scanning: 'Scanning',
  indexing: 'Indexing',
  parsing: 'Parsing',
  embedding: 'Embedding',
  done: 'Indexed',
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A 0..1 share as a whole percentage, rounded down so 99.6% never reads as done. */
export function formatPercent(share: number): string {
  return `${Math.floor(share * 100)}%`;
}

/** A metric's value as alerts show it: milliseconds and megabytes rounded, counts as they are. */
export function formatAlertValue(metric: AlertMetric, value: number): string {
  if (metric === 'searchP95Ms') return `${Math.round(value)} ms`;
  if (metric === 'rssMb') return `${Math.round(value)} MB`;
  return String(value);
}

/** One pass of an index run as reports show it: "parsing 20 files in 80 ms, 250 files/s". */
export function formatRunStage(stage: IndexRunReport['stages'][number]): string {
  return `${stage.phase} ${stage.done} ${stage.unit} in ${formatDuration(stage.ms)}, ${stage.rate.toFixed(stage.rate < 10 ? 1 : 0)} ${stage.unit}/s`;
}
