/**
 * Retention per period (保留率, docs/relationship-model.md §7): of the customers active in a
 * period, the share still active in the next one.
 */
import type { CustomerViewState } from '../fold/fold-state.types';
import type { SegmentsPolicy } from './segmentation.policy';
import { isoInstantOf } from './utc-day';

const DAY_MS = 86_400_000;

export type RetentionPolicy = SegmentsPolicy['retention'];

export interface RetentionPeriod {
  /** The period (from, to], ISO instants; the next period is (to, to + periodDays]. */
  from: string;
  to: string;
  /** Customers active in the period. */
  active: number;
  /** Of those, the ones active in the next period too. */
  retained: number;
  /** retained / active; null when nobody was active. */
  rate: number | null;
}

export interface RetentionReport {
  periodDays: number;
  activity: RetentionPolicy['activity'];
  /** Oldest first; the last one is compared with the period that ends at asOf. */
  periods: RetentionPeriod[];
}

/**
 * The periods (0 = the one ending at asOf, k = (asOf − (k+1)·L, asOf − k·L]) in which the
 * customer was active, ascending, for the `periods + 1` periods the series needs. Reads the
 * fold state's activity times (purchases, or every interaction: both kept inside the fold
 * horizon, which covers the series) from their end; times after asOf do not count.
 */
export function activePeriods(
  view: { state: Pick<CustomerViewState, 'purchaseTimes' | 'interactionTimes'> },
  asOf: string,
  policy: RetentionPolicy,
): number[] {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new RangeError(`activePeriods: asOf is not an ISO 8601 instant: ${asOf}`);
  const length = policy.periodDays * DAY_MS;
  const oldest = policy.periods; // the series compares periods..1 with the one after each
  const since = at - (oldest + 1) * length;
  const times = policy.activity === 'purchase' ? view.state.purchaseTimes : view.state.interactionTimes;
  const seen = new Set<number>();
  for (let i = times.length - 1; i >= 0; i--) {
    const t = times[i];
    if (t > at) continue;
    if (t <= since) break; // ascending
    seen.add(Math.max(0, Math.ceil((at - t) / length) - 1));
  }
  return [...seen].filter((k) => k <= oldest).sort((a, b) => a - b);
}

/** The series of the report from each customer's active periods (see activePeriods). */
export function retentionSeries(
  inputs: Iterable<{ activePeriods?: readonly number[] }>,
  asOf: string,
  policy: RetentionPolicy,
): RetentionReport {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new RangeError(`retentionSeries: asOf is not an ISO 8601 instant: ${asOf}`);
  const n = policy.periods;
  const active = new Array<number>(n + 1).fill(0);
  const retained = new Array<number>(n + 1).fill(0);
  for (const input of inputs) {
    const set = new Set(input.activePeriods ?? []);
    for (const k of set) {
      if (!Number.isInteger(k) || k < 0 || k > n) continue;
      active[k]++;
      if (k >= 1 && set.has(k - 1)) retained[k]++;
    }
  }
  const length = policy.periodDays * DAY_MS;
  const periods: RetentionPeriod[] = [];
  for (let k = n; k >= 1; k--) {
    periods.push({
      from: isoInstantOf(at - (k + 1) * length),
      to: isoInstantOf(at - k * length),
      active: active[k],
      retained: retained[k],
      rate: active[k] > 0 ? retained[k] / active[k] : null,
    });
  }
  return { periodDays: policy.periodDays, activity: policy.activity, periods };
}
