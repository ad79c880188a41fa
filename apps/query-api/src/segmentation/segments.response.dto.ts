import { ApiProperty } from '@nestjs/swagger';
import { CLV_METHODS, RETENTION_ACTIVITIES, TIERS } from '@crm/domain';
import type { ClvMethod, RetentionActivity } from '@crm/domain';

/**
 * The OpenAPI shapes of the population pass (GET /v1/segments, POST /v1/segments/refresh) and
 * of the per-customer `segment` it writes into each view. Classes only for the document: the
 * handlers return the SegmentsReport computed by runSegmentation, which these describe.
 */

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const MONEY = 'minor units of the customers’ view currency';

export class BgNbdParamsResponse {
  @ApiProperty() r!: number;
  @ApiProperty() alpha!: number;
  @ApiProperty() a!: number;
  @ApiProperty() b!: number;
}

export class GammaGammaParamsResponse {
  @ApiProperty() p!: number;
  @ApiProperty() q!: number;
  @ApiProperty() gamma!: number;
}

export class ClvFitResponse {
  @ApiProperty({ type: () => BgNbdParamsResponse, nullable: true }) bgNbd!: BgNbdParamsResponse | null;
  @ApiProperty({ type: () => GammaGammaParamsResponse, nullable: true }) gammaGamma!: GammaGammaParamsResponse | null;
  @ApiProperty({ enum: CLV_METHODS }) method!: ClvMethod;
  @ApiProperty({ type: String, nullable: true, description: 'Why the method is not bg-nbd-gamma-gamma; null when it is' }) fallbackReason!: string | null;
}

export class TierCountsResponse {
  @ApiProperty({ type: 'integer' }) lead!: number;
  @ApiProperty({ type: 'integer' }) iron!: number;
  @ApiProperty({ type: 'integer' }) silver!: number;
  @ApiProperty({ type: 'integer' }) gold!: number;
  @ApiProperty({ type: 'integer' }) diamond!: number;
}

export class SegmentCountsResponse {
  @ApiProperty({ ...COUNTS, example: { exploration: 120, dissolution: 14 } }) byLifecycleStage!: Record<string, number>;
  @ApiProperty({ ...COUNTS, example: { calculus: 100, knowledge: 34 } }) byTrustStage!: Record<string, number>;
  @ApiProperty({ type: () => TierCountsResponse }) byTier!: TierCountsResponse;
  @ApiProperty({ ...COUNTS, example: { acceptance: 90, preference: 44 } }) byLoyaltyStage!: Record<string, number>;
}

export class ChurnResponse {
  @ApiProperty({ type: 'integer', description: 'Customers in lifecycle stage dissolution' }) dissolved!: number;
  @ApiProperty({ description: 'dissolved / population' }) rate!: number;
  @ApiProperty({ ...COUNTS, description: 'Dissolved customers by churn reason; unspecified = dissolved by a time rule', example: { price: 3, unspecified: 11 } })
  byReason!: Record<string, number>;
}

export class CustomerEquityBasisResponse {
  @ApiProperty({ type: 'integer', description: `Σ historical value (not discounted), ${MONEY}` }) historicalValue!: number;
  @ApiProperty({ type: 'integer', description: `Σ forward value of the horizon discounted to asOf, ${MONEY}` }) forwardValue!: number;
  @ApiProperty({ type: 'integer', description: 'Σ forward value without discounting' }) undiscountedForwardValue!: number;
  @ApiProperty({ example: 0.1 }) annualDiscountRate!: number;
  @ApiProperty({ type: 'integer', example: 1095 }) horizonDays!: number;
  @ApiProperty({ example: 7, description: 'BG/NBD time unit in days' }) timeUnitDays!: number;
  @ApiProperty({ enum: ['continuous'], description: 'Each expected purchase discounted at the instant it is expected, e^(−ln(1+rate)·days/365)' })
  discounting!: 'continuous';
  @ApiProperty({ enum: CLV_METHODS }) method!: ClvMethod;
  @ApiProperty({ type: 'integer' }) customers!: number;
}

export class RetentionPeriodResponse {
  @ApiProperty({ format: 'date-time', description: 'The period is (from, to]; the next one is (to, to + periodDays]' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: 'integer', description: 'Customers active in the period' }) active!: number;
  @ApiProperty({ type: 'integer', description: 'Of those, active in the next period too' }) retained!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'retained / active; null when nobody was active' }) rate!: number | null;
}

export class RetentionResponse {
  @ApiProperty({ example: 30 }) periodDays!: number;
  @ApiProperty({ enum: RETENTION_ACTIVITIES, description: 'purchase: ≥ 1 purchase in the period; interaction: any event but RelationshipEnded' })
  activity!: RetentionActivity;
  @ApiProperty({ type: () => [RetentionPeriodResponse], description: 'Oldest first, up to asOf' }) periods!: RetentionPeriodResponse[];
}

export class ValueConcentrationResponse {
  @ApiProperty({ example: 0.2 }) topCustomerShare!: number;
  @ApiProperty({ example: 0.8 }) referenceValueShare!: number;
  @ApiProperty({ type: 'integer' }) population!: number;
  @ApiProperty({ type: 'integer', description: 'ceil(population × topCustomerShare)' }) topCustomers!: number;
  @ApiProperty({ type: 'integer', description: `Σ value365 of the top customers, ${MONEY}` }) topValue!: number;
  @ApiProperty({ type: 'integer' }) totalValue!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'topValue / totalValue' }) valueShare!: number | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'valueShare ≥ referenceValueShare' }) meetsReference!: boolean | null;
}

export class WinBackBasisResponse {
  @ApiProperty({ enum: ['historical-value-rate'], description: 'Ranked by historical value per year as a customer, over the CLV horizon, discounted' })
  value!: 'historical-value-rate';
  @ApiProperty({ example: 90 }) minRelationshipDays!: number;
  @ApiProperty({ example: 1095 }) horizonDays!: number;
  @ApiProperty({ example: 0.1 }) annualDiscountRate!: number;
}

export class WinBackReasonSummaryResponse {
  @ApiProperty({ example: 'price' }) reason!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: 'integer', description: 'Σ winBackValue of the reason' }) winBackValue!: number;
}

export class WinBackSummaryResponse {
  @ApiProperty({ type: () => WinBackBasisResponse }) basis!: WinBackBasisResponse;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: () => [WinBackReasonSummaryResponse], description: 'The ranked lists: GET /v1/win-back?reason=' })
  byReason!: WinBackReasonSummaryResponse[];
}

export class ReferralSummaryResponse {
  @ApiProperty({ type: 'integer' }) referrers!: number;
  @ApiProperty({ type: 'integer', description: '(referrer, referred) links' }) referrals!: number;
  @ApiProperty({ type: 'integer' }) referredCustomers!: number;
  @ApiProperty({ type: 'integer', description: `Σ historical value of the distinct referred customers, ${MONEY}` }) value!: number;
}

export class TransitionsPerDayRowResponse {
  @ApiProperty({ example: '2026-03-14' }) day!: string;
  @ApiProperty({ ...COUNTS, example: { exploration: 4, dissolution: 1 } }) byStage!: Record<string, number>;
  @ApiProperty({ ...COUNTS, description: 'The same transitions by flow, `<from>→<to>` (`new→awareness`: a first stage)', example: { 'awareness→exploration': 4, 'expansion→dissolution': 1 } })
  byFlow!: Record<string, number>;
  @ApiProperty({ type: 'integer' }) total!: number;
}

export class ValueQuantilesResponse {
  @ApiProperty() p10!: number;
  @ApiProperty() p25!: number;
  @ApiProperty() p50!: number;
  @ApiProperty() p75!: number;
  @ApiProperty() p90!: number;
  @ApiProperty() p99!: number;
}

export class ValueBandResponse {
  @ApiProperty({ type: 'integer', description: `Lower bound (inclusive), ${MONEY}` }) from!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Upper bound (exclusive); null for the last, open band' }) to!: number | null;
  @ApiProperty({ type: 'integer' }) customers!: number;
}

export class ValueDistributionResponse {
  @ApiProperty({ description: 'What is distributed: each customer’s historical value plus its discounted forward value' }) basis!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty() mean!: number;
  @ApiProperty({ type: () => ValueQuantilesResponse }) quantiles!: ValueQuantilesResponse;
  @ApiProperty({ type: () => [ValueBandResponse], description: 'Customers per band, bands on a 1-2-5 scale of major units from 0' }) buckets!: ValueBandResponse[];
}

export class SegmentsReportResponse {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ type: 'integer' }) computedInMs!: number;
  @ApiProperty({ type: 'integer' }) population!: number;
  @ApiProperty({ example: 'relationship-3/policy-2026-12.1' }) projectionVersion!: string;
  @ApiProperty({ type: () => ClvFitResponse }) fit!: ClvFitResponse;
  @ApiProperty({ type: () => SegmentCountsResponse }) counts!: SegmentCountsResponse;
  @ApiProperty({ type: () => ChurnResponse }) churn!: ChurnResponse;
  @ApiProperty({ type: 'integer', description: `Σ over customers of historical value + forward value discounted to asOf, ${MONEY}` })
  customerEquity!: number;
  @ApiProperty({ type: () => CustomerEquityBasisResponse }) customerEquityBasis!: CustomerEquityBasisResponse;
  @ApiProperty({ type: () => ValueDistributionResponse, description: 'How the lifetime values (whose sum is customerEquity) spread' })
  lifetimeValueDistribution!: ValueDistributionResponse;
  @ApiProperty({ type: () => RetentionResponse }) retention!: RetentionResponse;
  @ApiProperty({ type: () => ValueConcentrationResponse, description: 'The 80/20 check on 365-day value' }) concentration!: ValueConcentrationResponse;
  @ApiProperty({ type: () => WinBackSummaryResponse }) winBack!: WinBackSummaryResponse;
  @ApiProperty({ type: () => ReferralSummaryResponse }) referrals!: ReferralSummaryResponse;
  @ApiProperty({ type: () => [TransitionsPerDayRowResponse] }) transitionsPerDay!: TransitionsPerDayRowResponse[];
}

// --- the per-customer segment (view.segment), for the customer endpoints' documentation (not yet referenced there) ---

export class ClvEstimateResponse {
  @ApiProperty({ type: Number, nullable: true }) probabilityAlive!: number | null;
  @ApiProperty({ description: 'Expected repeat purchases in the horizon (undiscounted)' }) expectedPurchases!: number;
  @ApiProperty() expectedSpend!: number;
  @ApiProperty({ type: 'integer', description: 'Expected value of the horizon discounted to asOf' }) forwardValue!: number;
  @ApiProperty({ type: 'integer' }) undiscountedForwardValue!: number;
  @ApiProperty({ type: 'integer' }) historicalValue!: number;
  @ApiProperty({ enum: CLV_METHODS }) method!: ClvMethod;
}

export class ReferredCustomerValueResponse {
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'The ReferralMade that named them' }) eventId!: string;
  @ApiProperty({ format: 'date-time' }) referredAt!: string;
  @ApiProperty({ type: 'integer', description: 'Their historical value as of the pass' }) value!: number;
}

export class ReferralValueResponse {
  @ApiProperty({ type: () => [ReferredCustomerValueResponse] }) customers!: ReferredCustomerValueResponse[];
  @ApiProperty({ type: 'integer' }) value!: number;
}

/** view.segment as the population pass writes it (the customer endpoints document it open, as CustomerSegmentResponse). */
export class PopulationSegmentResponse {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ enum: TIERS }) tier!: string;
  @ApiProperty({ type: () => ClvEstimateResponse, nullable: true }) clv!: ClvEstimateResponse | null;
  @ApiProperty({ type: () => ReferralValueResponse }) referrals!: ReferralValueResponse;
}
