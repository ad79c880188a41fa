/**
 * The OpenAPI description of what GET /v1/customers/:id and its timeline answer: the presented
 * view of libs/domain (customer/customer-view.types.ts) without the fold's running totals. No
 * object is closed (no additionalProperties: false): the model grows, so clients must ignore
 * members they do not know; the population segment is described loosely beyond asOf and tier.
 */
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, type ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';
import { CHURN_REASONS, COMPLAINT_CATEGORIES, COMPLAINT_SEVERITIES, RATING_CONTEXTS, RATING_SCALES, INTERACTION_EVENT_TYPES } from '@crm/contracts';
import { LIFECYCLE_RULES, LIFECYCLE_STAGES, LOYALTY_FORMATION_STAGES, TIERS, TRUST_STAGES } from '@crm/domain';

const TRENDS = ['up', 'flat', 'down'] as const;
const NPS_CLASSES = ['promoter', 'passive', 'detractor'] as const;
const TRUST_VIOLATION_KINDS = ['sla-breach', 'refund-after-resolution'] as const;
const TRUST_RULES = ['first-seen', 'knowledge', 'identification', ...TRUST_VIOLATION_KINDS] as const;
const DISSOLVED_BY = ['relationship-ended', 'volume-decline', 'inactivity'] as const;

// OpenAPI 3.0: `nullable` adds null to `type` only; an enum must list null itself.
const nullableEnum = (values: readonly string[]): ApiPropertyOptions => ({ type: 'string', enum: [...values, null] as string[], nullable: true });
const instant = (description?: string) => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) }) as const;
const nullableInstant = (description?: string) => ({ ...instant(description), nullable: true }) as const;
const count = (description?: string) => ({ type: 'integer', minimum: 0, ...(description ? { description } : {}) }) as const;

export class LifecycleTransitionResponse {
  @ApiProperty({ ...nullableEnum(LIFECYCLE_STAGES), description: 'null for the creation of the customer (first event)' })
  from: string | null;

  @ApiProperty({ enum: LIFECYCLE_STAGES })
  to: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The event that caused it; null when a time rule fired' })
  eventId: string | null;

  @ApiProperty({ enum: LIFECYCLE_RULES })
  rule: string;

  @ApiProperty(instant("The event's occurredAt, or the instant the time rule became true"))
  occurredAt: string;
}

export class LifecycleQualityResponse {
  @ApiProperty({ enum: TRUST_STAGES })
  trustStage: string;

  @ApiProperty({ type: 'number', nullable: true })
  satisfactionAverage: number | null;

  @ApiProperty(nullableEnum(NPS_CLASSES))
  npsClass: string | null;

  @ApiProperty(count())
  openComplaints: number;
}

export class LifecycleBehaviourResponse {
  @ApiProperty(count())
  interactions: number;

  @ApiProperty(count())
  contacts: number;

  @ApiProperty(count())
  inboundContacts: number;

  @ApiProperty(count())
  outboundContacts: number;

  @ApiProperty(count())
  purchases: number;

  @ApiProperty(count())
  complaints: number;
}

export class LifecycleValueResponse {
  @ApiProperty(count('Purchases in the value window (365 days by default)'))
  frequency: number;

  @ApiProperty(count('Distinct product categories bought'))
  scope: number;

  @ApiProperty({ type: 'number', description: 'historicalValue, minor units of the view currency' })
  monetary: number;
}

export class LifecycleAssessmentResponse {
  @ApiProperty({ enum: TRENDS, description: 'Trend of exchange volume: the last volume window against the one before' })
  development: string;

  @ApiProperty({ type: () => LifecycleQualityResponse })
  quality: LifecycleQualityResponse;

  @ApiProperty({ type: () => LifecycleBehaviourResponse })
  behaviour: LifecycleBehaviourResponse;

  @ApiProperty({ type: () => LifecycleValueResponse })
  value: LifecycleValueResponse;
}

export class LifecycleSectionResponse {
  @ApiProperty({ enum: LIFECYCLE_STAGES })
  stage: string;

  @ApiProperty(nullableInstant())
  since: string | null;

  @ApiProperty({
    type: [LifecycleTransitionResponse],
    description:
      'Oldest first: the stage changes of the fold horizon (390 days by default) before the view’s clock, and at least the last 10; GET /v1/customers/{id}/timeline lists every one',
  })
  transitions: LifecycleTransitionResponse[];

  @ApiProperty(count('Earlier stage changes `transitions` no longer lists (the timeline has them)'))
  earlierTransitions: number;

  @ApiProperty(count('Purchases after dissolution that brought the customer back'))
  winBacks: number;

  @ApiProperty(nullableEnum(DISSOLVED_BY))
  dissolvedBy: string | null;

  @ApiProperty({ type: () => LifecycleAssessmentResponse })
  assessment: LifecycleAssessmentResponse;
}

export class EvidenceResponse {
  @ApiProperty(count())
  positive: number;

  @ApiProperty(count())
  negative: number;
}

export class TrustEvidenceResponse {
  @ApiProperty({ type: () => EvidenceResponse })
  competence: EvidenceResponse;

  @ApiProperty({ type: () => EvidenceResponse })
  benevolence: EvidenceResponse;

  @ApiProperty({ type: () => EvidenceResponse })
  integrity: EvidenceResponse;
}

export class TrustTransitionResponse {
  @ApiProperty(nullableEnum(TRUST_STAGES))
  from: string | null;

  @ApiProperty({ enum: TRUST_STAGES })
  to: string;

  @ApiProperty({ type: 'string', nullable: true })
  eventId: string | null;

  @ApiProperty({ enum: TRUST_RULES, description: 'A drop names the violation kind' })
  rule: string;

  @ApiProperty(instant())
  occurredAt: string;
}

export class TrustViolationResponse {
  @ApiProperty({ enum: TRUST_VIOLATION_KINDS })
  kind: string;

  @ApiProperty()
  complaintId: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The refund event; null for an SLA breach (a time rule)' })
  eventId: string | null;

  @ApiProperty(instant())
  occurredAt: string;

  @ApiProperty({ enum: TRUST_STAGES })
  from: string;

  @ApiProperty({ enum: TRUST_STAGES })
  to: string;
}

export class TrustSectionResponse {
  @ApiProperty({ enum: TRUST_STAGES })
  stage: string;

  @ApiProperty(nullableInstant())
  since: string | null;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 100 })
  competence: number;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 100 })
  benevolence: number;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 100 })
  integrity: number;

  @ApiProperty({ type: () => TrustEvidenceResponse })
  evidence: TrustEvidenceResponse;

  @ApiProperty({ type: [TrustTransitionResponse], description: 'Oldest first, bounded like lifecycle.transitions' })
  transitions: TrustTransitionResponse[];

  @ApiProperty(count('Earlier trust stage changes `transitions` no longer lists (the timeline has them)'))
  earlierTransitions: number;

  @ApiProperty({ type: [TrustViolationResponse], description: 'Oldest first, bounded like lifecycle.transitions' })
  violations: TrustViolationResponse[];

  @ApiProperty(count('Earlier violations `violations` no longer lists (the timeline has them)'))
  earlierViolations: number;
}

export class BehaviouralLoyaltyResponse {
  @ApiProperty({ type: 'number', nullable: true, description: 'Days since the last purchase; null before the first' })
  recencyDays: number | null;

  @ApiProperty({ type: 'number' })
  frequency: number;

  @ApiProperty({ type: 'number' })
  monetary: number;

  @ApiProperty(count())
  purchaseCount: number;

  @ApiProperty({ type: 'number' })
  purchaseValue: number;

  @ApiProperty(nullableInstant())
  firstPurchaseAt: string | null;

  @ApiProperty(nullableInstant())
  lastPurchaseAt: string | null;

  @ApiProperty({ type: 'number' })
  tenureDays: number;

  @ApiProperty({ type: [String] })
  categories: string[];

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  repeatPurchaseRate: number;
}

export class AffectiveLoyaltyResponse {
  @ApiProperty({ type: 'number', nullable: true })
  satisfactionAverage: number | null;

  @ApiProperty({ enum: TRENDS })
  satisfactionTrend: string;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  positiveShare: number;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  negativeShare: number;

  @ApiProperty({ type: 'number', minimum: -1, maximum: 1, description: '(3·positive − 11·negative) / (3·positive + 11·negative); 0 without signals' })
  wordOfMouth: number;
}

export class ReferredCustomerResponse {
  @ApiProperty({ example: 'C-200117' })
  customerId: string;

  @ApiProperty({ format: 'uuid', description: 'The ReferralMade that first named them' })
  eventId: string;

  @ApiProperty(instant())
  occurredAt: string;
}

export class ConativeLoyaltyResponse {
  @ApiProperty({ type: 'number', nullable: true })
  recommendLikelihood: number | null;

  @ApiProperty(nullableEnum(NPS_CLASSES))
  npsClass: string | null;

  @ApiProperty(count())
  referrals: number;

  @ApiPropertyOptional({ type: [ReferredCustomerResponse], description: "The customers this one's referrals named, each once, in occurredAt order (absent from views folded before it was kept)" })
  referredCustomers?: ReferredCustomerResponse[];
}

export class CognitiveLoyaltyResponse {
  @ApiProperty(count())
  competitorOffersDeclined: number;

  @ApiProperty({ type: [String] })
  competitors: string[];

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  repeatChoiceShare: number;
}

export class LoyalTraitResponse {
  @ApiProperty()
  value: boolean;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The numbers the verdict rests on' })
  evidence: Record<string, unknown>;
}

export class LoyaltyTraitsResponse {
  @ApiProperty({ type: () => LoyalTraitResponse })
  regularRepeatPurchases: LoyalTraitResponse;

  @ApiProperty({ type: () => LoyalTraitResponse })
  buysSeveralCategories: LoyalTraitResponse;

  @ApiProperty({ type: () => LoyalTraitResponse })
  recommendsOthers: LoyalTraitResponse;

  @ApiProperty({ type: () => LoyalTraitResponse })
  resistsCompetitors: LoyalTraitResponse;

  @ApiProperty({ type: () => LoyalTraitResponse })
  toleratesFailure: LoyalTraitResponse;
}

export class LoyaltySectionResponse {
  @ApiProperty({ type: () => BehaviouralLoyaltyResponse })
  behavioural: BehaviouralLoyaltyResponse;

  @ApiProperty({ type: () => AffectiveLoyaltyResponse })
  affective: AffectiveLoyaltyResponse;

  @ApiProperty({ type: () => ConativeLoyaltyResponse })
  conative: ConativeLoyaltyResponse;

  @ApiProperty({ type: () => CognitiveLoyaltyResponse })
  cognitive: CognitiveLoyaltyResponse;

  @ApiProperty({ enum: LOYALTY_FORMATION_STAGES })
  formationStage: string;

  @ApiProperty({ type: () => LoyaltyTraitsResponse })
  traits: LoyaltyTraitsResponse;
}

export class SatisfactionLevelResponse {
  @ApiProperty({ type: 'integer', enum: RATING_SCALES })
  scale: number;

  @ApiProperty({ type: 'integer', minimum: 1 })
  score: number;

  @ApiProperty({ description: 'The level label in Chinese', example: '满意' })
  zh: string;

  @ApiProperty({ description: 'The level label in English', example: 'satisfied' })
  en: string;
}

export class ContextSatisfactionResponse {
  @ApiProperty(count())
  ratings: number;

  @ApiProperty({ type: 'number', nullable: true, minimum: 0, maximum: 1, description: 'Normalised 0–1 average of the ratings in this context; null without ratings' })
  average: number | null;
}

@ApiExtraModels(ContextSatisfactionResponse)
export class SatisfactionSectionResponse {
  @ApiProperty(count())
  ratings: number;

  @ApiProperty({ type: 'number', nullable: true, minimum: 0, maximum: 1, description: 'Normalised 0–1 average; null without ratings' })
  average: number | null;

  @ApiProperty({ type: () => SatisfactionLevelResponse, nullable: true })
  lastLevel: SatisfactionLevelResponse | null;

  @ApiProperty(nullableEnum(NPS_CLASSES))
  npsClass: string | null;

  @ApiPropertyOptional({
    type: 'object',
    description: 'Ratings and normalised average per rating context, every context present (absent from views folded before it was kept)',
    // Raw references: @nestjs/swagger resolves class types at the top of a property only.
    properties: Object.fromEntries(RATING_CONTEXTS.map((context) => [context, { $ref: getSchemaPath(ContextSatisfactionResponse) }])) as never,
    required: [...RATING_CONTEXTS],
  })
  byContext?: Record<string, ContextSatisfactionResponse>;
}

export class OpenComplaintResponse {
  @ApiProperty()
  complaintId: string;

  @ApiProperty({ enum: COMPLAINT_SEVERITIES })
  severity: string;

  @ApiProperty({ enum: COMPLAINT_CATEGORIES })
  category: string;

  @ApiProperty(instant())
  filedAt: string;

  @ApiProperty(instant('When the policy SLA runs out'))
  slaDeadline: string;

  @ApiProperty({ type: 'integer', description: 'slaDeadline as epoch milliseconds' })
  slaDeadlineMs: number;

  @ApiProperty({ description: 'The SLA ran out while it was open' })
  breached: boolean;
}

export class ComplaintsSectionResponse {
  @ApiProperty(count())
  filed: number;

  @ApiProperty(count())
  resolved: number;

  @ApiProperty(count())
  resolvedWithinSla: number;

  @ApiProperty(count('Resolved within SLA and accepted by the customer: service recovery'))
  recovered: number;

  @ApiProperty({ type: [OpenComplaintResponse] })
  open: OpenComplaintResponse[];
}

export class CurrencyTotalsResponse {
  @ApiProperty(count())
  purchases: number;

  @ApiProperty({ type: 'integer', description: 'Minor units' })
  purchaseValue: number;

  @ApiProperty({ type: 'integer', description: 'Minor units' })
  refundValue: number;
}

/** The relationship view of one customer (lifecycle, trust, loyalty, satisfaction, complaints, value). */
@ApiExtraModels(CurrencyTotalsResponse)
export class RelationshipViewResponse {
  @ApiProperty()
  customerId: string;

  @ApiProperty({ description: 'The policy version the view was computed under' })
  policyVersion: string;

  @ApiProperty(nullableInstant())
  firstSeenAt: string | null;

  @ApiProperty(nullableInstant())
  lastEventAt: string | null;

  @ApiProperty(nullableInstant("The instant the view's time rules reflect"))
  asOf: string | null;

  @ApiProperty({ type: 'integer', minimum: -1, description: 'Highest global position among the applied events' })
  position: number;

  @ApiProperty(count())
  eventCount: number;

  @ApiProperty({
    type: 'object',
    description: 'Applied events per type',
    properties: Object.fromEntries(INTERACTION_EVENT_TYPES.map((type) => [type, count()])),
    additionalProperties: count(),
  })
  eventCounts: Record<string, number>;

  @ApiProperty({ type: 'string', nullable: true })
  acquisitionChannel: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The currency of the first purchase (ISO 4217)' })
  currency: string | null;

  @ApiProperty({ type: 'integer', description: 'Net purchase value minus refunds, minor units of currency' })
  historicalValue: number;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(CurrencyTotalsResponse) }, description: 'Money in other currencies, by currency code' })
  foreignCurrencies: Record<string, CurrencyTotalsResponse>;

  @ApiProperty({ type: () => LifecycleSectionResponse })
  lifecycle: LifecycleSectionResponse;

  @ApiProperty({ type: () => TrustSectionResponse })
  trust: TrustSectionResponse;

  @ApiProperty({ type: () => LoyaltySectionResponse })
  loyalty: LoyaltySectionResponse;

  @ApiProperty({ type: () => SatisfactionSectionResponse })
  satisfaction: SatisfactionSectionResponse;

  @ApiProperty({ type: () => ComplaintsSectionResponse })
  complaints: ComplaintsSectionResponse;

  @ApiProperty(nullableEnum(CHURN_REASONS))
  churnReason: string | null;
}

/** Open: the population pass adds fields to it. */
export class CustomerSegmentResponse {
  @ApiProperty(instant('The instant of the population pass'))
  asOf: string;

  @ApiProperty({ enum: TIERS })
  tier: string;

  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Lifetime value estimate (probabilityAlive, expectedPurchases, expectedSpend, forwardValue, historicalValue, method, …)' })
  clv: Record<string, unknown> | null;
}

export class PersonalDataSourceResponse {
  @ApiProperty({ format: 'uuid' })
  eventId: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;
}

export class PersonalDataResponse {
  @ApiProperty({ enum: ['present', 'erased', 'none'], description: 'none: no registration; erased: its keys were destroyed (DELETE /v1/customers/{id}/personal-data)' })
  status: 'present' | 'erased' | 'none';

  @ApiPropertyOptional({ example: 'Ada Lovelace' })
  displayName?: string;

  @ApiPropertyOptional({ example: 'ada@example.com' })
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958' })
  phone?: string;

  @ApiPropertyOptional({ type: () => PersonalDataSourceResponse, description: 'status present: the registration these come from (the latest)' })
  source?: PersonalDataSourceResponse;

  @ApiPropertyOptional({ description: 'status present: false when it was stored before sealing (in clear in the store; an erasure cannot shred it)' })
  sealed?: boolean;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true, description: 'status erased: when' })
  erasedAt?: string | null;
}

export class CustomerViewResponse {
  @ApiProperty({ example: 'C-102938' })
  customerId: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'The global position the view reflects' })
  position: number;

  @ApiProperty({ example: 'relationship-3/policy-2026-12.1' })
  projectionVersion: string;

  @ApiProperty({ type: () => CustomerSegmentResponse, nullable: true, description: 'Tier and lifetime value of the last population pass; null before one' })
  segment: CustomerSegmentResponse | null;

  @ApiProperty({ type: () => RelationshipViewResponse })
  view: RelationshipViewResponse;

  @ApiPropertyOptional({ type: () => PersonalDataResponse, description: 'Only for a key with the read-pii scope: the name and contact details, opened with the customer’s data key' })
  personalData?: PersonalDataResponse;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only with ?knownAt=: the instant whose recorded events the view folds (UTC)' })
  knownAt?: string;
}

export class LifecycleTimelineEntryResponse extends LifecycleTransitionResponse {
  @ApiProperty({ enum: ['lifecycle'] })
  kind: 'lifecycle';
}

export class TrustTimelineEntryResponse extends TrustTransitionResponse {
  @ApiProperty({ enum: ['trust'] })
  kind: 'trust';
}

@ApiExtraModels(LifecycleTimelineEntryResponse, TrustTimelineEntryResponse)
export class TimelineResponse {
  @ApiProperty()
  customerId: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  position: number;

  @ApiProperty(nullableInstant())
  asOf: string | null;

  @ApiProperty({
    type: 'array',
    description: 'Every lifecycle and trust stage change the customer ever had (re-folded from its stream), oldest first',
    items: {
      oneOf: [{ $ref: getSchemaPath(LifecycleTimelineEntryResponse) }, { $ref: getSchemaPath(TrustTimelineEntryResponse) }],
      discriminator: {
        propertyName: 'kind',
        mapping: { lifecycle: getSchemaPath(LifecycleTimelineEntryResponse), trust: getSchemaPath(TrustTimelineEntryResponse) },
      },
    },
  })
  entries: (LifecycleTimelineEntryResponse | TrustTimelineEntryResponse)[];

  @ApiProperty({ type: [TrustViolationResponse], description: 'Every trust violation, oldest first' })
  trustViolations: TrustViolationResponse[];

  @ApiPropertyOptional({ format: 'date-time', description: 'Only with ?knownAt=: the instant whose recorded events the timeline folds (UTC)' })
  knownAt?: string;
}

export class CustomerListItemResponse {
  @ApiProperty()
  customerId: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  position: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The indexed values the filters match (lifecycleStage, trustStage, loyaltyStage, tier)' })
  indexes: Record<string, string>;

  @ApiProperty({ enum: LIFECYCLE_STAGES })
  lifecycleStage: string;

  @ApiProperty({ enum: TRUST_STAGES })
  trustStage: string;

  @ApiProperty({ enum: LOYALTY_FORMATION_STAGES })
  loyaltyStage: string;

  @ApiProperty({ ...nullableEnum(TIERS), description: 'null before the first population pass' })
  tier: string | null;

  @ApiProperty({ type: 'integer' })
  historicalValue: number;

  @ApiProperty({ type: 'string', nullable: true })
  currency: string | null;

  @ApiProperty(nullableInstant())
  lastEventAt: string | null;
}

export class CustomerListResponse {
  @ApiProperty(count('Customers matching the filter'))
  total: number;

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `after` for the next page; null on the last page' })
  nextCursor: string | null;

  @ApiProperty({ type: [CustomerListItemResponse] })
  items: CustomerListItemResponse[];
}
