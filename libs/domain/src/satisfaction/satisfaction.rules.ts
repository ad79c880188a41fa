/**
 * Satisfaction (客户满意度, docs/relationship-model.md §7) as the other rules use it: the
 * threshold test of commitment and identification on the normalised 0–1 average.
 */
import type { CustomerView } from '../customer/customer-view.types';

/** The average rating is at least `min` (normalised 0–1), or the customer never rated. */
export function satisfactionAtLeast(v: CustomerView, min: number): boolean {
  const n = v.satisfaction.ratings;
  // A sum of normalised ratings is not exact: the same tolerance for every threshold.
  return n === 0 || v.state.ratingSum / n >= min - 1e-9;
}
