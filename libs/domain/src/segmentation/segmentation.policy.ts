/**
 * Policy sections owned by the population pass (tiers, lifetime value, the segment measures).
 * The customer policy (libs/domain/src/policy) embeds them so that there is one versioned
 * policy file. None of them changes a customer's fold: they only change what the next
 * population pass computes, so changing them needs no replay.
 */

export const TIERS = ['lead', 'iron', 'silver', 'gold', 'diamond'] as const;
export type Tier = (typeof TIERS)[number];

export interface TierPolicy {
  /** 'percentile': rank the population by 365-day value; 'fixed': compare with thresholds. */
  mode: 'percentile' | 'fixed';
  /** Share of the population in each tier above lead, from the top (docs/relationship-model.md §4). */
  percentiles: { diamond: number; gold: number; silver: number; iron: number };
  /** Minimum 365-day value in minor units for each tier above lead (mode 'fixed'). */
  fixedThresholds: { diamond: number; gold: number; silver: number; iron: number };
  /** Window of the value that ranks customers. */
  valueWindowDays: number;
}

export interface ClvPolicy {
  /** Length of one period of the BG/NBD model, in days (CDNOW uses weeks). */
  timeUnitDays: number;
  /** Horizon of the forward estimate, in days (docs/relationship-model.md §4: 3 years). */
  horizonDays: number;
  /**
   * Annual discount rate of the forward estimate (docs/relationship-model.md §4: 10 %), applied
   * continuously, e^(−ln(1+d)·t/365) for a purchase expected t days ahead; 0 = none.
   */
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
  horizonDays: 3 * 365,
  annualDiscountRate: 0.1,
  minCustomersForFit: 30,
};

export const RETENTION_ACTIVITIES = ['purchase', 'interaction'] as const;
/** 'purchase': at least one PurchaseMade in the period; 'interaction': any event but RelationshipEnded. */
export type RetentionActivity = (typeof RETENTION_ACTIVITIES)[number];

/** The segment measures of docs/relationship-model.md §7 beyond counts and churn. */
export interface SegmentsPolicy {
  /** Retention per period (保留率): of the customers active in a period, the share active in the next. */
  retention: {
    /**
     * Length of a period in days; periods end at the pass's asOf and go back from it
     * (asOf − (k+1)·periodDays, asOf − k·periodDays], like the commitment rule's 30-day periods.
     */
    periodDays: number;
    /** How many periods the series holds (each compared with the one after it). */
    periods: number;
    /** What makes a customer active in a period. */
    activity: RetentionActivity;
  };
  /** The 80/20 check: the share of 365-day value the top customers bring. */
  concentration: {
    /** The top share of customers, ranked by value365 (0.2 = the top 20 %). */
    topCustomerShare: number;
    /** The value share the check compares against (0.8 = "bring 80 %"). */
    referenceValueShare: number;
  };
  /** Win-back priorities (赢返): lost customers ranked by the value they would bring back. */
  winBack: {
    /**
     * A lost customer's value rate is historicalValue per year between the first purchase and
     * the dissolution, the span taken as at least this many days (so a customer lost days after
     * one purchase is not ranked as if that purchase were a weekly habit).
     */
    minRelationshipDays: number;
  };
}

export const DEFAULT_SEGMENTS_POLICY: SegmentsPolicy = {
  retention: { periodDays: 30, periods: 12, activity: 'purchase' },
  concentration: { topCustomerShare: 0.2, referenceValueShare: 0.8 },
  winBack: { minRelationshipDays: 90 },
};
