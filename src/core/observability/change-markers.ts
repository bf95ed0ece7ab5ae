import { median } from './metrics.js';

export interface SeriesPoint {
  at: number;
  value: number | null;
}

export interface ChangeMarker {
  at: number;
  /** The median of the trailing points the value is compared with. */
  baseline: number;
  value: number;
  /** (value - baseline) / baseline: 0.25 is 25% up. */
  change: number;
}

export interface ChangeRule {
  /** Trailing points whose median is the baseline. */
  window: number;
  /** Fewest trailing points a baseline needs. */
  minBaseline: number;
  /** The relative move that counts. */
  threshold: number;
  /** Consecutive points that must stay moved, so one noisy point marks nothing. */
  persist: number;
}

/** Over 10% against the median of the last dozen points, held for two points in a row. */
export const DEFAULT_CHANGE_RULE: ChangeRule = { window: 12, minBaseline: 6, threshold: 0.1, persist: 2 };

/**
 * Where a series moved more than the threshold against its trailing baseline: one marker where
 * each move begins, not one per point it lasts. Gaps (null) are skipped; a zero baseline has no
 * relative change, so a series rising from nothing is left to what it measures (runs are spans).
 */
export function changeMarkers(points: readonly SeriesPoint[], rule: ChangeRule = DEFAULT_CHANGE_RULE): ChangeMarker[] {
  const present = points.filter((point): point is { at: number; value: number } => point.value !== null && Number.isFinite(point.value));
  const markers: ChangeMarker[] = [];
  let movedRun = 0;
  // The baseline the current move is measured against: the one where it began.
  let startBaseline = 0;
  for (let i = 0; i < present.length; i++) {
    // The baseline follows the series: once a move has lasted half the window it is the new normal.
    const trailing = present.slice(Math.max(0, i - rule.window), i).map((point) => point.value);
    const baseline = trailing.length >= rule.minBaseline ? median(trailing) : 0;
    const { value } = present[i]!;
    const moved = baseline !== 0 && Math.abs(value - baseline) / Math.abs(baseline) > rule.threshold;
    movedRun = moved ? movedRun + 1 : 0;
    if (movedRun === 1) startBaseline = baseline;
    if (movedRun === rule.persist) {
      const start = present[i - rule.persist + 1]!;
      markers.push({ at: start.at, baseline: startBaseline, value: start.value, change: (start.value - startBaseline) / startBaseline });
    }
  }
  return markers;
}
