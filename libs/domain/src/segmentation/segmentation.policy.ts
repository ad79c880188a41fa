/**
 * Policy sections owned by the population pass (tiers, lifetime value). The customer
 * policy (libs/domain/src/policy) embeds them so that there is one versioned policy file.
 */

export const TIERS = ['lead', 'iron', 'silver', 'gold', 'diamond'] as const;
export type Tier = (typeof TIERS)[number];

export interface TierPolicy {
  /** 'percentile': rank the population by 365-day value; 'fixed': compare with thresholds. */
  mode: 'percentile' | 'fixed';
  /** Share of the population in each tier above lead, from the top (relationship-model.md §4). */
  percentiles: { diamond: number; gold: number; silver: number; iron: number };
  /** Minimum 365-day value in minor units for each tier above lead (mode 'fixed'). */
  fixedThresholds: { diamond: number; gold: number; silver: number; iron: number };
  /** Window of the value that ranks customers. */
  valueWindowDays: number;
}

export interface ClvPolicy {
  /** Length of one period of the BG/NBD model, in days (CDNOW uses weeks). */
  timeUnitDays: number;
  /** Horizon of the forward estimate, in days. */
  horizonDays: number;
  /** Annual discount rate applied to the forward estimate (0 = none). */
  annualDiscountRate: number;
  /** Below this many customers with repeat purchases the fit falls back to the average-based estimate. */
  minCustomersForFit: number;
}

export const DEFAULT_TIER_POLICY: TierPolicy = {
  mode: 'percentile',
  percentiles: { diamond: 0.01, gold: 0.04, silver: 0.15, iron: 0.3 },
  fixedThresholds: { diamond: 1_000_000, gold: 250_000, silver: 100_000, iron: 25_000 },
  valueWindowDays: 365,
};

export const DEFAULT_CLV_POLICY: ClvPolicy = {
  timeUnitDays: 7,
  horizonDays: 365,
  annualDiscountRate: 0,
  minCustomersForFit: 30,
};
