/**
 * The 80/20 check (docs/relationship-model.md §7): which share of the 365-day value the top
 * customers bring.
 */
import type { SegmentsPolicy } from './segmentation.policy';

export interface ValueConcentration {
  /** Policy: the top share of customers looked at (0.2). */
  topCustomerShare: number;
  /** Policy: the value share the check compares with (0.8). */
  referenceValueShare: number;
  population: number;
  /** ceil(population × topCustomerShare): the smallest head that is at least that share. */
  topCustomers: number;
  /** Σ value365 of the top customers (negative values count as 0), minor units. */
  topValue: number;
  /** Σ value365 of everyone (negative values count as 0). */
  totalValue: number;
  /** topValue / totalValue; null when nobody brought value. */
  valueShare: number | null;
  /** valueShare ≥ referenceValueShare; null with valueShare null. */
  meetsReference: boolean | null;
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Ranked like the tiers (value365 descending, ties by customerId) so the head is the same
 * whatever the input order. A refund-heavy customer's negative value counts as 0: the check is
 * about who brings the value, and a negative entry would make the shares exceed 1.
 */
export function valueConcentration(
  inputs: readonly { customerId: string; value365: number }[],
  policy: SegmentsPolicy['concentration'],
): ValueConcentration {
  const ranked = [...inputs].sort((u, v) => v.value365 - u.value365 || compareIds(u.customerId, v.customerId));
  const population = ranked.length;
  // 1e-9 absorbs float error (0.2 × 10 = 2.0000000000000004 must stay 2).
  const topCustomers = Math.min(population, Math.max(0, Math.ceil(population * policy.topCustomerShare - 1e-9)));
  let topValue = 0;
  let totalValue = 0;
  ranked.forEach((c, i) => {
    const v = Math.max(0, c.value365);
    totalValue += v;
    if (i < topCustomers) topValue += v;
  });
  const valueShare = totalValue > 0 ? topValue / totalValue : null;
  return {
    topCustomerShare: policy.topCustomerShare,
    referenceValueShare: policy.referenceValueShare,
    population,
    topCustomers,
    topValue,
    totalValue,
    valueShare,
    meetsReference: valueShare === null ? null : valueShare >= policy.referenceValueShare,
  };
}
