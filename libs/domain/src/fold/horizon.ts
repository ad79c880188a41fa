/**
 * The fold horizon: the longest window any rule looks back over from the instant it evaluates
 * (never earlier than the fold's clock) — the two volume windows of the decline rule, the
 * expansion window, the commitment lookback, the value window of tiers and rfmSummary, the
 * retention series. Facts older than that can no longer change a rule, so the fold state's
 * windows drop them.
 */
import type { RelationshipPolicy } from '../policy';
import { DAY_MS } from './event-fact';

const cache = new WeakMap<RelationshipPolicy, number>();

export function foldHorizonMs(policy: RelationshipPolicy): number {
  let horizon = cache.get(policy);
  if (horizon === undefined) {
    const l = policy.lifecycle;
    const r = policy.segments.retention;
    const days = Math.max(
      2 * l.dissolution.volumeWindowDays,
      l.expansion.windowDays,
      l.commitment.lookbackDays,
      policy.tiers.valueWindowDays,
      (r.periods + 1) * r.periodDays,
    );
    horizon = days * DAY_MS;
    cache.set(policy, horizon);
  }
  return horizon;
}
