/** Display helpers every front end shares (CLI and renderer). */
import { ALERT_METRICS, type AlertEvent, type AlertMetric, type AlertStatus, type IndexRunReport } from './contract.js';
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

/** A metric's value as alerts show it, in the metric's unit: milliseconds, megabytes and seconds whole. */
export function formatAlertValue(metric: AlertMetric, value: number): string {
  const { unit } = ALERT_METRICS[metric];
  if (unit === '%') return `${Math.round(value * 10) / 10}%`;
  if (unit === 'folders') return String(value);
  return `${Math.round(value)} ${unit}`;
}

/**
 * A past alert event's value in the unit of the metric it was measured in (kept with the event: the
 * rule may watch another metric now), and without a unit when that metric is not known.
 */
export function formatAlertEventValue(event: Pick<AlertEvent, 'metric' | 'value'>): string {
  if (event.value === null) return '–';
  return event.metric ? formatAlertValue(event.metric, event.value) : String(Math.round(event.value * 10) / 10);
}

/** An alert in one line, for banners, toasts and notifications: "hybrid search time p95 over the window: 320 ms, above 200 ms". */
export function formatAlertLine(status: AlertStatus): string {
  const { rule, value } = status;
  return `${ALERT_METRICS[rule.metric].label}: ${value === null ? '–' : formatAlertValue(rule.metric, value)}, ${rule.when} ${formatAlertValue(rule.metric, rule.threshold)}`;
}

/** One pass of an index run as reports show it: "parsing 20 files in 80 ms, 250 files/s" ("1 file", and no rate for nothing done). */
export function formatRunStage(stage: IndexRunReport['stages'][number]): string {
  const unit = stage.done === 1 ? stage.unit.slice(0, -1) : stage.unit;
  const rate = stage.done === 0 ? '' : `, ${stage.rate.toFixed(stage.rate < 10 ? 1 : 0)} ${stage.unit}/s`;
  return `${stage.phase} ${stage.done} ${unit} in ${formatDuration(stage.ms)}${rate}`;
}

/** What a cache invalidation dropped: "3 no longer valid entries dropped (generation 2, ttl 1)". */
export function formatInvalidated(dropped: number, byCause: Readonly<Record<string, number>>): string {
  const causes = Object.entries(byCause).filter(([, n]) => n > 0).map(([cause, n]) => `${cause} ${n}`);
  return `${dropped} no longer valid ${dropped === 1 ? 'entry' : 'entries'} dropped${causes.length > 0 ? ` (${causes.join(', ')})` : ''}`;
}
