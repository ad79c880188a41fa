/**
 * The relationship policy: every threshold of docs/relationship-model.md §2–§5 in one versioned
 * value. Changing any number is a reason to replay: each view records `policyVersion`, and
 * `evolve`/`evaluate` re-fold a view whose policyVersion differs from the policy given.
 *
 * Satisfaction thresholds are on the NORMALISED 0–1 scale used for averages:
 * normalised = (score - 1) / (scale - 1), so 4/5 -> 0.75 and 4.5/5 -> 0.875
 * (on the 7-point scale 0.75 is 5.5/7 and 0.875 is 6.25/7).
 */
import {
  ClvPolicy,
  DEFAULT_CLV_POLICY,
  DEFAULT_SEGMENTS_POLICY,
  DEFAULT_TIER_POLICY,
  SegmentsPolicy,
  TierPolicy,
} from '../segmentation/segmentation.policy';
import type { ComplaintSeverity } from '@crm/contracts';

export const LIFECYCLE_STAGES = ['awareness', 'exploration', 'expansion', 'commitment', 'dissolution'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const TRUST_STAGES = ['calculus', 'knowledge', 'identification'] as const;
export type TrustStage = (typeof TRUST_STAGES)[number];

export const LOYALTY_FORMATION_STAGES = ['cognition', 'acceptance', 'preference', 'loyalty'] as const;
export type LoyaltyFormationStage = (typeof LOYALTY_FORMATION_STAGES)[number];

export const VOLUME_MEASURES = ['count', 'amount'] as const;
/** 'count' = number of purchases, 'amount' = gross purchase value in the view currency. */
export type VolumeMeasure = (typeof VOLUME_MEASURES)[number];

export interface LifecyclePolicy {
  expansion: {
    /** ≥ this many purchases inside `windowDays` (ending at the evaluated instant). */
    minPurchases: number;
    windowDays: number;
    /** An open complaint of one of these severities blocks the step up. */
    blockingSeverities: ComplaintSeverity[];
  };
  commitment: {
    /** Days since the customer was first seen. */
    minTenureDays: number;
    /**
     * Purchases must fall in ≥ minDistinctPeriods distinct periods of periodDays within lookbackDays,
     * counted back from the instant evaluated: period k = (asOf − (k+1)·periodDays, asOf − k·periodDays].
     */
    periodDays: number;
    minDistinctPeriods: number;
    lookbackDays: number;
    /** Normalised satisfaction average (0.75 = 4/5); applies only when the customer has rated. */
    minSatisfaction: number;
    minTrustStage: TrustStage;
  };
  dissolution: {
    /** Length of each of the two compared windows (last vs the one before). */
    volumeWindowDays: number;
    /** Dissolution when last-window volume < ratio × previous-window volume (while still buying). */
    volumeDeclineRatio: number;
    volumeMeasure: VolumeMeasure;
    /** No purchase for this many days after at least one purchase. */
    inactivityDays: number;
  };
}

export interface TrustPolicy {
  knowledge: {
    /** Interactions = contacts + purchases since the trust epoch (first seen or last violation). */
    minInteractions: number;
    /** Days between the first and the latest of those interactions. */
    minSpanDays: number;
    minCompetence: number;
  };
  identification: {
    minDaysInKnowledge: number;
    /** Normalised (0.875 = 4.5/5); applies only when the customer has rated. */
    minSatisfaction: number;
    requireNoOpenComplaint: boolean;
    /** Either ≥ minReferrals referrals, or tenure ≥ minTenureDays. */
    minReferrals: number;
    minTenureDays: number;
  };
  violation: {
    /** An open complaint of these severities still unresolved when its SLA runs out is a violation. */
    slaBreachSeverities: ComplaintSeverity[];
    /** A refund within this many days after a complaint was resolved is a violation (once per complaint). */
    refundAfterResolutionDays: number;
  };
  /** Scores = 100 × (positive + priorPositive) / (positive + negative + priorPositive + priorNegative). */
  score: { priorPositive: number; priorNegative: number };
}

export interface ComplaintPolicy {
  /** SLA by severity, in days from filing; ComplaintResolved.withinSla wins when given. */
  slaDays: Record<ComplaintSeverity, number>;
}

export interface SatisfactionPolicy {
  /** A rating with normalised value ≥ this is a positive signal (0.75 = 4/5 or 5.5/7). */
  positiveFrom: number;
  /** A rating with normalised value ≤ this is a negative signal (0.25 = 2/5 or 2.5/7). */
  negativeUpTo: number;
  /** Trend = mean of the last N ratings minus the mean of the N before. */
  trendWindow: number;
  /** |difference| below this is 'flat'. */
  trendEpsilon: number;
  /** ContactLogged.sentiment above +band is positive, below -band negative. */
  sentimentNeutralBand: number;
  /** A satisfied customer tells ~3 people, a dissatisfied one ~11 (docs/relationship-model.md §5). */
  wordOfMouth: { positiveWeight: number; negativeWeight: number };
}

export interface NpsPolicy {
  /** recommend-likelihood ≥ promoterMin: promoter; ≥ passiveMin: passive; else detractor. */
  promoterMin: number;
  passiveMin: number;
}

export interface LoyaltyPolicy {
  formation: {
    /** cognition -> acceptance: at least this many purchases. */
    acceptanceMinPurchases: number;
    /** acceptance -> preference: repeat choice (≥ purchases) and, when rated, satisfaction ≥ min. */
    preferenceMinPurchases: number;
    preferenceMinSatisfaction: number;
    /** preference -> loyalty: at least this many of the five traits. */
    loyaltyMinTraits: number;
    /** and the regular-repeat trait among them. */
    loyaltyRequiresRegularRepeat: boolean;
  };
  traits: {
    /** Regular repeat purchases: ≥ minPurchases in the current episode, no gap > maxGapDays, last purchase ≤ maxGapDays ago. */
    regularRepeat: { minPurchases: number; maxGapDays: number };
    /** Buys several categories. */
    multiCategory: { minCategories: number };
    /** Recommends others: ≥ minReferrals referrals, or (when promoterCounts) the latest NPS class is promoter. */
    recommends: { minReferrals: number; promoterCounts: boolean };
    /** Resists competitor offers. */
    resistsCompetitors: { minDeclined: number };
    /** Tolerates an occasional failure: keeps buying after a complaint. */
    toleratesFailure: { minPurchasesAfterComplaint: number };
  };
}

export interface RelationshipPolicy {
  policyVersion: string;
  lifecycle: LifecyclePolicy;
  trust: TrustPolicy;
  complaints: ComplaintPolicy;
  satisfaction: SatisfactionPolicy;
  nps: NpsPolicy;
  loyalty: LoyaltyPolicy;
  tiers: TierPolicy;
  clv: ClvPolicy;
  /** Retention, the 80/20 check, win-back priorities (segmentation.policy.ts); population pass only. */
  segments: SegmentsPolicy;
}

/** The default policy of docs/relationship-model.md; the single source (no JSON copy to drift). */
export const DEFAULT_POLICY: RelationshipPolicy = {
  policyVersion: '2026-12.1',
  lifecycle: {
    expansion: { minPurchases: 2, windowDays: 90, blockingSeverities: ['high', 'critical'] },
    commitment: {
      minTenureDays: 180,
      periodDays: 30,
      minDistinctPeriods: 3,
      lookbackDays: 180,
      minSatisfaction: 0.75,
      minTrustStage: 'knowledge',
    },
    dissolution: { volumeWindowDays: 90, volumeDeclineRatio: 0.5, volumeMeasure: 'count', inactivityDays: 180 },
  },
  trust: {
    knowledge: { minInteractions: 5, minSpanDays: 60, minCompetence: 60 },
    identification: {
      minDaysInKnowledge: 180,
      minSatisfaction: 0.875,
      requireNoOpenComplaint: true,
      minReferrals: 1,
      minTenureDays: 365,
    },
    violation: { slaBreachSeverities: ['high', 'critical'], refundAfterResolutionDays: 90 },
    score: { priorPositive: 1, priorNegative: 1 },
  },
  complaints: { slaDays: { critical: 1, high: 3, medium: 7, low: 14 } },
  satisfaction: {
    positiveFrom: 0.75,
    negativeUpTo: 0.25,
    trendWindow: 3,
    trendEpsilon: 0.05,
    sentimentNeutralBand: 0.2,
    wordOfMouth: { positiveWeight: 3, negativeWeight: 11 },
  },
  nps: { promoterMin: 9, passiveMin: 7 },
  loyalty: {
    formation: {
      acceptanceMinPurchases: 1,
      preferenceMinPurchases: 2,
      preferenceMinSatisfaction: 0.5,
      loyaltyMinTraits: 3,
      loyaltyRequiresRegularRepeat: true,
    },
    traits: {
      regularRepeat: { minPurchases: 3, maxGapDays: 90 },
      multiCategory: { minCategories: 2 },
      recommends: { minReferrals: 1, promoterCounts: true },
      resistsCompetitors: { minDeclined: 1 },
      toleratesFailure: { minPurchasesAfterComplaint: 1 },
    },
  },
  tiers: DEFAULT_TIER_POLICY,
  clv: DEFAULT_CLV_POLICY,
  segments: DEFAULT_SEGMENTS_POLICY,
};
