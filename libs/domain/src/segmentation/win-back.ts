/**
 * Win-back priorities (赢返, 重生终身价值; docs/relationship-model.md §7): the lost customers ranked
 * by the value they would bring back, grouped by churn reason, for win-back campaigns.
 */
import { evenFlowDiscountFactor } from '../value/quadrature';
import { DISSOLUTION_STAGE, UNSPECIFIED_CHURN_REASON, WIN_BACK_REASONS } from './churn-reasons';
import type { ClvPolicy, SegmentsPolicy } from './segmentation.policy';

const DAY_MS = 86_400_000;

export interface WinBackInput {
  customerId: string;
  lifecycleStage: string;
  churnReason?: string | null;
  /** Purchases minus refunds up to asOf, minor units. */
  historicalValue: number;
  firstPurchaseAt?: string | null;
  /** When the customer entered dissolution (the transition's occurredAt). */
  dissolvedAt?: string | null;
}

export interface WinBackEntry {
  customerId: string;
  reason: string;
  /** 1-based rank within its reason. */
  rank: number;
  dissolvedAt: string | null;
  historicalValue: number;
  /** Days from the first purchase to the dissolution; null without a purchase or a dissolution instant. */
  relationshipDays: number | null;
  /** max(0, historicalValue) per year of max(relationshipDays, winBack.minRelationshipDays), minor units. */
  valuePerYear: number;
  /** valuePerYear over the CLV horizon, discounted like the forward value; the ranking value, whole minor units. */
  winBackValue: number;
}

export interface WinBackGroup {
  reason: string;
  customers: number;
  /** Σ winBackValue of the group. */
  winBackValue: number;
  /** Ranked: winBackValue descending, then customerId ascending. */
  entries: WinBackEntry[];
}

export interface WinBackBasis {
  /** What the ranking value is (see winBackPriorities). */
  value: 'historical-value-rate';
  minRelationshipDays: number;
  horizonDays: number;
  annualDiscountRate: number;
}

/** The total order of a ranked list, also the paging cursor: value descending, then id ascending. */
export interface WinBackKey {
  winBackValue: number;
  customerId: string;
}

export function compareWinBack(a: WinBackKey, b: WinBackKey): number {
  if (a.winBackValue !== b.winBackValue) return b.winBackValue - a.winBackValue;
  return a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0;
}

const reasonOrder = (reason: string): number => {
  const i = (WIN_BACK_REASONS as readonly string[]).indexOf(reason);
  return i === -1 ? WIN_BACK_REASONS.length : i;
};

/**
 * Lost = lifecycle stage `dissolution` as of asOf (the same customers as churn.byReason),
 * grouped by churn reason (`unspecified` for a time-rule dissolution).
 *
 * Ranked by their historical value rate, not by a predicted lifetime value: the BG/NBD
 * forecast of a lost customer is mostly its low probability of being alive, which is exactly
 * what a win-back campaign sets out to change, while the rate at which the customer brought
 * value while it was one is observed. So: valuePerYear = max(0, historicalValue) × 365 /
 * max(relationshipDays, minRelationshipDays), and the value it would bring back if won back at
 * that rate for the CLV horizon, discounted continuously like the forward value:
 * winBackValue = round(valuePerYear × H × (1 − (1+d)^−H) / (H · ln(1+d))), H = horizonDays/365.
 */
export function winBackPriorities(
  inputs: readonly WinBackInput[],
  policy: { clv: ClvPolicy; segments: SegmentsPolicy },
): { basis: WinBackBasis; groups: WinBackGroup[] } {
  const years = policy.clv.horizonDays / 365;
  const horizonValue = years * evenFlowDiscountFactor(policy.clv.annualDiscountRate, years);
  const minDays = policy.segments.winBack.minRelationshipDays;
  const byReason = new Map<string, Omit<WinBackEntry, 'rank'>[]>();
  for (const c of inputs) {
    if (c.lifecycleStage !== DISSOLUTION_STAGE) continue;
    const reason = c.churnReason ?? UNSPECIFIED_CHURN_REASON;
    const first = c.firstPurchaseAt ? Date.parse(c.firstPurchaseAt) : NaN;
    const lost = c.dissolvedAt ? Date.parse(c.dissolvedAt) : NaN;
    const relationshipDays = Number.isFinite(first) && Number.isFinite(lost) ? Math.max(0, (lost - first) / DAY_MS) : null;
    const valuePerYear = (Math.max(0, c.historicalValue) * 365) / Math.max(minDays, relationshipDays ?? 0);
    let list = byReason.get(reason);
    if (!list) byReason.set(reason, (list = []));
    list.push({
      customerId: c.customerId,
      reason,
      dissolvedAt: c.dissolvedAt ?? null,
      historicalValue: c.historicalValue,
      relationshipDays,
      valuePerYear,
      winBackValue: Math.round(valuePerYear * horizonValue),
    });
  }
  const groups = [...byReason.entries()]
    .sort(([a], [b]) => reasonOrder(a) - reasonOrder(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, list]) => {
      const entries = list.sort(compareWinBack).map((e, i) => ({ ...e, rank: i + 1 }));
      return { reason, customers: entries.length, winBackValue: entries.reduce((s, e) => s + e.winBackValue, 0), entries };
    });
  return {
    basis: { value: 'historical-value-rate', minRelationshipDays: minDays, horizonDays: policy.clv.horizonDays, annualDiscountRate: policy.clv.annualDiscountRate },
    groups,
  };
}
