/**
 * Customer pyramid (客户金字塔): tier by 365-day value, by population percentile or fixed
 * thresholds (docs/relationship-model.md §4).
 */
import { emptyRecord } from './own-record';
import { Tier, TierPolicy, TIERS } from './segmentation.policy';

export interface TierInput {
  customerId: string;
  /** Value over TierPolicy.valueWindowDays, minor units. */
  value365: number;
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Percentile mode: rank by value descending, ties by customerId ascending (so the ranking is
 * total and does not depend on input order). With N customers, rank i (0-based) falls in the
 * first tier whose cumulative share s satisfies i < floor(N·s): top floor(N·1 %) diamond, up
 * to floor(N·5 %) gold, … A tier never holds more than its share, so small populations may
 * have no diamond. Customers with value ≤ 0 are lead whatever their rank.
 * Fixed mode: the highest tier whose threshold the value reaches; value ≤ 0 is lead.
 * The result is prototype-free (own-record.ts), so any customer id is an ordinary key.
 */
export function assignTiers(inputs: readonly TierInput[], policy: TierPolicy): Record<string, Tier> {
  const ranked = [...inputs].sort((u, v) => v.value365 - u.value365 || compareIds(u.customerId, v.customerId));
  const out = emptyRecord<Tier>();
  switch (policy.mode) {
    case 'percentile': {
      const n = ranked.length;
      const { diamond, gold, silver, iron } = policy.percentiles;
      // 1e-9 absorbs float error in the cumulative shares (0.01 + 0.04 + … on exact populations).
      const bound = (share: number): number => Math.floor(n * share + 1e-9);
      const limits: [Tier, number][] = [
        ['diamond', bound(diamond)],
        ['gold', bound(diamond + gold)],
        ['silver', bound(diamond + gold + silver)],
        ['iron', bound(diamond + gold + silver + iron)],
      ];
      ranked.forEach((c, i) => {
        const hit = c.value365 > 0 ? limits.find(([, limit]) => i < limit) : undefined;
        out[c.customerId] = hit ? hit[0] : 'lead';
      });
      break;
    }
    case 'fixed': {
      const t = policy.fixedThresholds;
      for (const c of ranked) {
        const v = c.value365;
        out[c.customerId] =
          v <= 0 ? 'lead' : v >= t.diamond ? 'diamond' : v >= t.gold ? 'gold' : v >= t.silver ? 'silver' : v >= t.iron ? 'iron' : 'lead';
      }
      break;
    }
    default: {
      const unhandled: never = policy.mode;
      throw new Error(`unknown tier mode ${String(unhandled)}`);
    }
  }
  return out;
}

/** Every tier with its count (zeros included), lowest first. */
export function countTiers(tiers: Record<string, Tier>): Record<Tier, number> {
  const counts = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
  for (const t of Object.values(tiers)) if (Object.prototype.hasOwnProperty.call(counts, t)) counts[t]++;
  return counts;
}
