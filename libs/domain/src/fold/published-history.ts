/**
 * The published history a view carries (docs/relationship-model.md §9): the lifecycle and trust
 * stage changes and the trust violations. The view keeps those of the fold horizon before its
 * clock, and at least the last few of each list (so a customer stable for years still shows how
 * it got there); the rest are counted, and GET …/timeline re-folds the customer's stream with
 * every one of them (`keepPublishedHistory`). So the stored view does not grow with the
 * customer's history, and it stays a function of the events: every fold runs the same steps.
 */
import type { CustomerView } from '../customer/customer-view.types';

/** Entries of each list kept whatever their age. */
export const PUBLISHED_HISTORY_MIN_ENTRIES = 10;

/** Drops, oldest first, the entries at or before `cutoffMs` beyond the last PUBLISHED_HISTORY_MIN_ENTRIES of each list. */
export function trimPublishedHistory(v: CustomerView, cutoffMs: number): void {
  const lc = v.lifecycle;
  const tr = v.trust;
  lc.earlierTransitions += trim(lc.transitions, cutoffMs);
  tr.earlierTransitions += trim(tr.transitions, cutoffMs);
  tr.earlierViolations += trim(tr.violations, cutoffMs);
}

function trim(list: { occurredAt: string }[], cutoffMs: number): number {
  const excess = list.length - PUBLISHED_HISTORY_MIN_ENTRIES;
  if (excess <= 0) return 0;
  let n = 0;
  while (n < excess && Date.parse(list[n].occurredAt) <= cutoffMs) n++;
  if (n > 0) list.splice(0, n);
  return n;
}
