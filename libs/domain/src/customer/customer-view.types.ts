/**
 * The published view of one customer (docs/relationship-model.md §2–§5): what the API, the views
 * topic and the tests show. JSON-serialisable: plain objects, arrays, numbers, strings, booleans
 * and null only, so a read store can keep it as a document. The fold's own bookkeeping (`state`)
 * is typed in ../fold/fold-state.types.ts; the history is the customer's stream in the event store.
 */
import type { ChurnReason, ComplaintCategory, ComplaintSeverity, CustomerInteractionType, RatingContext, RatingScale } from '@crm/contracts';
import type { CustomerViewState } from '../fold/fold-state.types';
import type { LifecycleStage, LoyaltyFormationStage, TrustStage } from '../policy';

/** What caused a lifecycle/trust change that no event caused: a time rule firing at its instant. */
export const LIFECYCLE_RULES = [
  'first-seen',
  'first-purchase',
  'repeat-purchases',
  'commitment',
  'relationship-ended',
  'volume-decline',
  'inactivity',
  'win-back',
] as const;
export type LifecycleRule = (typeof LIFECYCLE_RULES)[number];

export interface LifecycleTransition {
  /** null for the creation of the customer (first event). */
  from: LifecycleStage | null;
  to: LifecycleStage;
  /** The event that caused it; null when a time rule fired (inactivity, volume decline, tenure). */
  eventId: string | null;
  rule: LifecycleRule;
  /** The event's occurredAt, or (time rule) the ISO instant at which the rule became true. */
  occurredAt: string;
}

export type Development = 'up' | 'flat' | 'down';

export interface LifecycleAssessment {
  /** Trend of exchange volume: last volume window vs the one before, as of the view's asOf. */
  development: Development;
  quality: {
    trustStage: TrustStage;
    satisfactionAverage: number | null;
    npsClass: NpsClass | null;
    openComplaints: number;
  };
  behaviour: {
    interactions: number;
    contacts: number;
    inboundContacts: number;
    outboundContacts: number;
    purchases: number;
    complaints: number;
  };
  value: {
    /** Purchases in the last tiers.valueWindowDays (365 by default). */
    frequency: number;
    /** Distinct product categories bought. */
    scope: number;
    /** historicalValue, minor units of the view currency. */
    monetary: number;
  };
}

export interface Evidence {
  positive: number;
  negative: number;
}

export type TrustViolationKind = 'sla-breach' | 'refund-after-resolution';

export interface TrustViolation {
  kind: TrustViolationKind;
  complaintId: string;
  /** The refund event; null for an SLA breach (a time rule). */
  eventId: string | null;
  occurredAt: string;
  from: TrustStage;
  to: TrustStage;
}

export interface TrustTransition {
  from: TrustStage | null;
  to: TrustStage;
  eventId: string | null;
  rule: 'first-seen' | 'knowledge' | 'identification' | TrustViolationKind;
  occurredAt: string;
}

export type NpsClass = 'promoter' | 'passive' | 'detractor';
export type Trend = 'up' | 'flat' | 'down';

export interface SatisfactionLevel {
  scale: RatingScale;
  score: number;
  zh: string;
  en: string;
}

/** Ratings in one context (docs/relationship-model.md §7 satisfaction by context). */
export interface ContextSatisfaction {
  ratings: number;
  /** Normalised 0–1 average of the ratings in this context; null when none. */
  average: number | null;
}

/** A customer named by one of this customer's referrals (first referral of each, in occurredAt order). */
export interface ReferredCustomer {
  customerId: string;
  /** The ReferralMade that first named them. */
  eventId: string;
  occurredAt: string;
}

export interface LoyalTrait {
  value: boolean;
  /** The numbers the verdict rests on. */
  evidence: Record<string, number | string | string[] | null>;
}

export interface LoyaltyTraits {
  regularRepeatPurchases: LoyalTrait;
  buysSeveralCategories: LoyalTrait;
  recommendsOthers: LoyalTrait;
  resistsCompetitors: LoyalTrait;
  toleratesFailure: LoyalTrait;
}

export interface OpenComplaint {
  complaintId: string;
  severity: ComplaintSeverity;
  category: ComplaintCategory;
  filedAt: string;
  /** ISO instant at which the policy SLA runs out: the last instant still within SLA. */
  slaDeadline: string;
  slaDeadlineMs: number;
  /** The SLA ran out (the deadline passed) while it was open. */
  breached: boolean;
}

export interface CurrencyTotals {
  purchases: number;
  purchaseValue: number;
  refundValue: number;
}

export interface CustomerView {
  customerId: string;
  policyVersion: string;
  firstSeenAt: string | null;
  lastEventAt: string | null;
  /** The instant the view's time rules reflect: the last event's occurredAt or a later evaluate asOf. */
  asOf: string | null;
  /** Highest global position among applied events (-1 when none). */
  position: number;
  eventCount: number;
  /** Per interaction type (not the bookkeeping CustomersMerged, which the fold never applies). */
  eventCounts: Record<CustomerInteractionType, number>;
  acquisitionChannel: string | null;
  /** The currency of the first purchase; money in other currencies goes to foreignCurrencies. */
  currency: string | null;
  /** Net purchase value minus refunds, minor units of `currency`. */
  historicalValue: number;
  /** Keyed by currency code (publisher input: read and write with own-keys.ts). */
  foreignCurrencies: Record<string, CurrencyTotals>;
  lifecycle: {
    stage: LifecycleStage;
    since: string | null;
    /**
     * The stage changes of the last fold horizon (390 days by default) before the view's clock,
     * oldest first, and always the one into the current stage; GET …/timeline lists them all.
     */
    transitions: LifecycleTransition[];
    /** How many earlier stage changes `transitions` no longer lists. */
    earlierTransitions: number;
    winBacks: number;
    dissolvedBy: 'relationship-ended' | 'volume-decline' | 'inactivity' | null;
    assessment: LifecycleAssessment;
  };
  trust: {
    stage: TrustStage;
    since: string | null;
    competence: number;
    benevolence: number;
    integrity: number;
    evidence: { competence: Evidence; benevolence: Evidence; integrity: Evidence };
    /** As lifecycle.transitions: the fold horizon's, and always the one into the current stage. */
    transitions: TrustTransition[];
    earlierTransitions: number;
    /** The violations of the fold horizon before the view's clock, oldest first. */
    violations: TrustViolation[];
    earlierViolations: number;
  };
  loyalty: {
    behavioural: {
      recencyDays: number | null;
      frequency: number;
      monetary: number;
      purchaseCount: number;
      purchaseValue: number;
      firstPurchaseAt: string | null;
      lastPurchaseAt: string | null;
      tenureDays: number;
      categories: string[];
      repeatPurchaseRate: number;
    };
    affective: {
      satisfactionAverage: number | null;
      satisfactionTrend: Trend;
      positiveShare: number;
      negativeShare: number;
      /** (3·positive − 11·negative) / (3·positive + 11·negative), −1…1, 0 without signals. */
      wordOfMouth: number;
    };
    conative: {
      recommendLikelihood: number | null;
      npsClass: NpsClass | null;
      referrals: number;
      /** The customers this one's referrals named, each once, in occurredAt order (referral value is computed from them). */
      referredCustomers: ReferredCustomer[];
    };
    cognitive: { competitorOffersDeclined: number; competitors: string[]; repeatChoiceShare: number };
    formationStage: LoyaltyFormationStage;
    traits: LoyaltyTraits;
  };
  satisfaction: {
    ratings: number;
    average: number | null;
    /** Ratings and normalised average per rating context; every context is present. */
    byContext: Record<RatingContext, ContextSatisfaction>;
    lastLevel: SatisfactionLevel | null;
    npsClass: NpsClass | null;
  };
  complaints: {
    filed: number;
    resolved: number;
    resolvedWithinSla: number;
    /** Resolved within SLA and accepted by the customer: service recovery. */
    recovered: number;
    open: OpenComplaint[];
  };
  churnReason: ChurnReason | null;
  /** The fold's running tallies (not published; compact: see fold-state.types.ts). */
  state: CustomerViewState;
}
