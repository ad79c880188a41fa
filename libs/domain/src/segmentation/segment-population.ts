/**
 * The segmentation pass (docs/relationship-model.md §4 tiers and lifetime value, §7 segments): one
 * pure function from the per-customer summaries to the population report.
 */
import { BgNbdParams } from '../value/bg-nbd';
import {
  ClvEstimate,
  ClvFitOptions,
  ClvMethod,
  ClvModel,
  CustomerEquityBasis,
  customerEquity,
  customerEquityBasis,
  customerLifetimeValue,
  fitClvModel,
  historicalAverageModel,
} from '../value/clv';
import { GammaGammaParams } from '../value/gamma-gamma';
import { DISSOLUTION_STAGE, UNSPECIFIED_CHURN_REASON } from './churn-reasons';
import { ValueConcentration, valueConcentration } from './concentration';
import { emptyRecord, ownValue, recordOf } from './own-record';
import { ReferralSummary, ReferralValue, ReferredCustomerRef, referralValues } from './referrals';
import { RetentionReport, retentionSeries } from './retention';
import { ClvPolicy, DEFAULT_SEGMENTS_POLICY, SegmentsPolicy, Tier, TierPolicy } from './segmentation.policy';
import { assignTiers, countTiers } from './tiers';
import { WinBackBasis, WinBackGroup, winBackPriorities } from './win-back';
import type { RfmSummary } from '../customer/rfm-summary';
import { ValueDistribution, valueDistribution } from '../value/value-distribution';

export { DISSOLUTION_STAGE, UNSPECIFIED_CHURN_REASON };

/** One customer as the population pass sees it: the RFM summary of its view plus its stages. */
export interface SegmentInput extends RfmSummary {
  lifecycleStage: string;
  trustStage: string;
  loyaltyStage: string;
  /** Reason of the RelationshipEnded event when the customer is dissolved by one. */
  churnReason?: string | null;
  /** First purchase ever (win-back value rate). */
  firstPurchaseAt?: string | null;
  /** When the customer entered dissolution, when it is dissolved (win-back value rate). */
  dissolvedAt?: string | null;
  /** Retention periods the customer was active in (`activePeriods`, for this asOf). */
  activePeriods?: readonly number[];
  /** The customers this one referred (`referredCustomersOf` of the view). */
  referredCustomers?: readonly ReferredCustomerRef[];
}

export interface SegmentationPolicy {
  tiers: TierPolicy;
  clv: ClvPolicy;
  /** @defaultValue DEFAULT_SEGMENTS_POLICY */
  segments?: SegmentsPolicy;
}

export type CustomerClv = ClvEstimate;

export interface SegmentationReport {
  asOf: string;
  tiers: Record<string, Tier>;
  fit: {
    bgNbd: BgNbdParams | null;
    gammaGamma: GammaGammaParams | null;
    method: ClvMethod;
    /** Why the method is not `bg-nbd-gamma-gamma`; null when it is. */
    fallbackReason: string | null;
  };
  clv: Record<string, CustomerClv>;
  counts: {
    byLifecycleStage: Record<string, number>;
    byTrustStage: Record<string, number>;
    byTier: Record<Tier, number>;
    byLoyaltyStage: Record<string, number>;
  };
  churn: {
    /** Customers whose lifecycle stage is `dissolution`. */
    dissolved: number;
    /** dissolved / population (0 for an empty population). */
    rate: number;
    /** Dissolved customers by churn reason; `unspecified` when dissolved by inactivity or volume. */
    byReason: Record<string, number>;
  };
  /** Σ (historicalValue + forwardValue) over all customers, the forward part discounted to asOf; minor units. */
  customerEquity: number;
  /** Its parts and how they were computed (discount rate, horizon, discounting, method). */
  customerEquityBasis: CustomerEquityBasis;
  /** How the customers' lifetime values (whose sum is customerEquity) spread: bands and quantiles. */
  lifetimeValueDistribution: ValueDistribution;
  /** Retention per period up to asOf. */
  retention: RetentionReport;
  /** The 80/20 check on value365. */
  concentration: ValueConcentration;
  /** Lost customers ranked by the value they would bring back, by churn reason. */
  winBack: { basis: WinBackBasis; groups: WinBackGroup[] };
  /** Referrers only, keyed by customerId: the referred customers and the value they brought. */
  referrals: Record<string, ReferralValue>;
  referralSummary: ReferralSummary;
}

export class DuplicateCustomerError extends Error {
  readonly retriable = false;
  constructor(readonly customerId: string) {
    super(`segmentPopulation: customer ${customerId} appears more than once`);
    this.name = 'DuplicateCustomerError';
  }
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function countBy(items: readonly SegmentInput[], key: (i: SegmentInput) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return recordOf([...counts.keys()].sort().map((k) => [k, counts.get(k) as number]));
}

/** Keyed by customerId in input (sorted) order; prototype-free, see own-record.ts. */
const endedRelationship = (c: SegmentInput): boolean => c.lifecycleStage === DISSOLUTION_STAGE && c.churnReason != null;

function valuesFor(sorted: readonly SegmentInput[], model: ClvModel, policy: ClvPolicy): Record<string, CustomerClv> {
  const clv = emptyRecord<CustomerClv>();
  for (const c of sorted) {
    const estimate = customerLifetimeValue(c, model, policy);
    if (!Number.isFinite(estimate.forwardValue)) throw new RangeError(`non-finite forward value for customer ${c.customerId}`);
    // A customer who ended the relationship (RelationshipEnded, no win-back since) is known to be
    // gone: nothing flows forward, whatever the purchase pattern predicts. A silent churner keeps
    // the model's estimate, whose probability of being alive already accounts for the silence.
    clv[c.customerId] = endedRelationship(c) ? { ...estimate, probabilityAlive: 0, expectedPurchases: 0, forwardValue: 0, undiscountedForwardValue: 0 } : estimate;
  }
  return clv;
}

/**
 * Deterministic: inputs are sorted by customerId first, so every sum, the fit (whose grouping
 * follows input order) and every record's key order are the same for any permutation.
 * `asOf` is carried into the report; the time-dependent quantities (T, value365, active
 * periods, dissolution) were computed for it by the caller. Every record keyed by customer id,
 * reason or stage is prototype-free (own-record.ts): ids like `__proto__` are ordinary keys.
 */
export function segmentPopulation(
  inputs: readonly SegmentInput[],
  asOf: string,
  policy: SegmentationPolicy,
  options: ClvFitOptions = {},
): SegmentationReport {
  if (Number.isNaN(Date.parse(asOf))) throw new RangeError(`segmentPopulation: asOf is not an ISO 8601 instant: ${asOf}`);
  const sorted = [...inputs].sort((u, v) => compareIds(u.customerId, v.customerId));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].customerId === sorted[i - 1].customerId) throw new DuplicateCustomerError(sorted[i].customerId);
  }

  const tiers = assignTiers(sorted, policy.tiers);
  let model = fitClvModel(sorted, policy.clv, options);
  let clv: Record<string, CustomerClv>;
  try {
    clv = valuesFor(sorted, model, policy.clv);
  } catch (error) {
    // A fitted model that cannot be evaluated for some customer (e.g. a series that does not
    // converge) is not used for anyone: one method for the whole population keeps equity coherent.
    model = historicalAverageModel(model.averageSpend, `applying ${model.method} failed: ${(error as Error).message}`);
    clv = valuesFor(sorted, model, policy.clv);
  }
  const orderedTiers = emptyRecord<Tier>();
  for (const c of sorted) orderedTiers[c.customerId] = ownValue(tiers, c.customerId) ?? 'lead';

  const segments = policy.segments ?? DEFAULT_SEGMENTS_POLICY;
  const dissolved = sorted.filter((c) => c.lifecycleStage === DISSOLUTION_STAGE);
  const referrals = referralValues(sorted, asOf);
  return {
    asOf,
    tiers: orderedTiers,
    fit: { bgNbd: model.bgNbd, gammaGamma: model.gammaGamma, method: model.method, fallbackReason: model.fallbackReason },
    clv,
    counts: {
      byLifecycleStage: countBy(sorted, (c) => c.lifecycleStage),
      byTrustStage: countBy(sorted, (c) => c.trustStage),
      byTier: countTiers(orderedTiers),
      byLoyaltyStage: countBy(sorted, (c) => c.loyaltyStage),
    },
    churn: {
      dissolved: dissolved.length,
      rate: sorted.length > 0 ? dissolved.length / sorted.length : 0,
      byReason: countBy(dissolved, (c) => c.churnReason ?? UNSPECIFIED_CHURN_REASON),
    },
    customerEquity: customerEquity(Object.values(clv)),
    customerEquityBasis: customerEquityBasis(Object.values(clv), model, policy.clv),
    lifetimeValueDistribution: valueDistribution(Object.values(clv)),
    retention: retentionSeries(sorted, asOf, segments.retention),
    concentration: valueConcentration(sorted, segments.concentration),
    winBack: winBackPriorities(sorted, { clv: policy.clv, segments }),
    referrals: recordOf(referrals.byReferrer),
    referralSummary: referrals.summary,
  };
}
