/**
 * The purchase history the lifecycle windows search (docs/relationship-model.md §2): the
 * ascending purchase times (and values) of the fold state, read by binary search. Expansion
 * counts purchases in its window, commitment counts distinct periods of its lookback, the
 * volume-decline rule and the assessment's development compare the last two volume windows,
 * the value dimension counts the purchases of the value window.
 */
import type { RelationshipPolicy } from '../policy';
import type { CustomerView } from '../customer/customer-view.types';
import { DAY_MS } from '../fold/event-fact';

/** Number of ascending `ts` entries ≤ x (binary search). */
export function countAtOrBefore(ts: readonly number[], x: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (ts[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Index of the first ascending `ts` entry ≥ x. */
export function firstAtOrAfter(ts: readonly number[], x: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (ts[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Purchases in (from, at]. */
export function purchasesSince(v: CustomerView, from: number, at: number): number {
  const ts = v.state.purchaseTimes;
  return countAtOrBefore(ts, at) - countAtOrBefore(ts, from);
}

/** Purchases of the current episode in (from, at]. */
export function episodePurchasesSince(v: CustomerView, from: number, at: number): number {
  const s = v.state;
  if (s.episodeStartMs === null) return 0;
  const ts = s.purchaseTimes;
  const lo = Math.max(countAtOrBefore(ts, from), firstAtOrAfter(ts, s.episodeStartMs));
  return Math.max(0, countAtOrBefore(ts, at) - lo);
}

/** Volumes of the last window (τ-W, τ] and the one before (τ-2W, τ-W], from `fromMs` on. */
export function windowVolumes(
  v: CustomerView,
  at: number,
  policy: RelationshipPolicy,
  fromMs: number,
): { last: number; prior: number; lastCount: number } {
  const d = policy.lifecycle.dissolution;
  const w = d.volumeWindowDays * DAY_MS;
  const ts = v.state.purchaseTimes;
  const hi = countAtOrBefore(ts, at);
  const lo = Math.max(countAtOrBefore(ts, at - 2 * w), firstAtOrAfter(ts, fromMs));
  const mid = Math.min(hi, Math.max(lo, countAtOrBefore(ts, at - w)));
  const lastCount = hi - mid;
  if (d.volumeMeasure === 'count') return { last: lastCount, prior: Math.max(0, mid - lo), lastCount };
  const values = v.state.purchaseValues;
  let last = 0;
  let prior = 0;
  for (let i = lo; i < mid; i++) prior += values[i];
  for (let i = mid; i < hi; i++) last += values[i];
  return { last, prior, lastCount };
}

/** Trend of the volume windows as of `at` over the whole history: windowVolumes without the object. */
export function volumeDevelopment(v: CustomerView, at: number, policy: RelationshipPolicy): 'up' | 'flat' | 'down' {
  const d = policy.lifecycle.dissolution;
  const w = d.volumeWindowDays * DAY_MS;
  const ts = v.state.purchaseTimes;
  const hi = countAtOrBefore(ts, at);
  const lo = countAtOrBefore(ts, at - 2 * w);
  const mid = Math.min(hi, Math.max(lo, countAtOrBefore(ts, at - w)));
  let last = hi - mid;
  let prior = Math.max(0, mid - lo);
  if (d.volumeMeasure !== 'count') {
    const values = v.state.purchaseValues;
    last = 0;
    prior = 0;
    for (let i = lo; i < mid; i++) prior += values[i];
    for (let i = mid; i < hi; i++) last += values[i];
  }
  return last > prior ? 'up' : last < prior ? 'down' : 'flat';
}

/**
 * Distinct periods with a purchase of the current episode, as of `at`: period k is
 * (at − (k+1)·periodDays, at − k·periodDays], consecutive periods back from `at` inside the
 * lookback (at − lookbackDays, at]. Stops counting at `enough`.
 */
export function distinctPurchasePeriods(v: CustomerView, at: number, policy: RelationshipPolicy, enough = Infinity): number {
  const c = policy.lifecycle.commitment;
  const s = v.state;
  const period = c.periodDays * DAY_MS;
  const from = at - c.lookbackDays * DAY_MS;
  const start = s.episodeStartMs ?? Infinity;
  const ts = s.purchaseTimes;
  // Walking the ascending times backwards, the period index never decreases: a change is a new period.
  let distinct = 0;
  let previous = -1;
  for (let i = countAtOrBefore(ts, at) - 1; i >= 0; i--) {
    const t = ts[i];
    if (t <= from || t < start) break;
    const k = Math.floor((at - t) / period);
    if (k !== previous) {
      previous = k;
      if (++distinct >= enough) break;
    }
  }
  return distinct;
}

/** The next instant after `clock` at which a purchase of the lookback moves into an older period. */
export function nextPeriodEdge(v: CustomerView, clock: number, policy: RelationshipPolicy): number {
  const c = policy.lifecycle.commitment;
  const s = v.state;
  const period = c.periodDays * DAY_MS;
  const lookback = c.lookbackDays * DAY_MS;
  const start = s.episodeStartMs ?? Infinity;
  const ts = s.purchaseTimes;
  let next = Infinity;
  for (let i = countAtOrBefore(ts, clock) - 1; i >= 0; i--) {
    const t = ts[i];
    if (t <= clock - lookback || t < start) break;
    const edge = t + (Math.floor((clock - t) / period) + 1) * period;
    // Still inside the lookback there (leaving it never adds a period).
    if (edge - t < lookback && edge < next) next = edge;
  }
  return next;
}
