import { CustomerInteractionType, INTERACTION_EVENT_TYPES, RATING_CONTEXTS, RatingContext } from '@crm/contracts';
import type { RelationshipPolicy } from '../policy';
import type { ContextSatisfaction, CustomerView, LoyalTrait } from './customer-view.types';

const noTrait = (): LoyalTrait => ({ value: false, evidence: {} });

/** One entry per rating context, in the contract's order (so the JSON key order is fixed). */
export function perContext<T>(make: () => T): Record<RatingContext, T> {
  const out = {} as Record<RatingContext, T>;
  for (const context of RATING_CONTEXTS) out[context] = make();
  return out;
}

const unrated = (): ContextSatisfaction => ({ ratings: 0, average: null });

/** The view of a customer before any event: no stage history yet (the first event creates it). */
export function initialView(customerId: string, policy: RelationshipPolicy): CustomerView {
  const { priorPositive, priorNegative } = policy.trust.score;
  const prior = Math.round((100 * priorPositive) / (priorPositive + priorNegative));
  // The interaction types only: a bookkeeping event (CustomersMerged) is never folded, so never counted.
  const eventCounts = {} as Record<CustomerInteractionType, number>;
  for (const type of INTERACTION_EVENT_TYPES) eventCounts[type] = 0;
  return {
    customerId,
    policyVersion: policy.policyVersion,
    firstSeenAt: null,
    lastEventAt: null,
    asOf: null,
    position: -1,
    eventCount: 0,
    eventCounts,
    acquisitionChannel: null,
    currency: null,
    historicalValue: 0,
    foreignCurrencies: {},
    lifecycle: {
      stage: 'awareness',
      since: null,
      transitions: [],
      earlierTransitions: 0,
      winBacks: 0,
      dissolvedBy: null,
      assessment: {
        development: 'flat',
        quality: { trustStage: 'calculus', satisfactionAverage: null, npsClass: null, openComplaints: 0 },
        behaviour: { interactions: 0, contacts: 0, inboundContacts: 0, outboundContacts: 0, purchases: 0, complaints: 0 },
        value: { frequency: 0, scope: 0, monetary: 0 },
      },
    },
    trust: {
      stage: 'calculus',
      since: null,
      competence: prior,
      benevolence: prior,
      integrity: prior,
      evidence: {
        competence: { positive: 0, negative: 0 },
        benevolence: { positive: 0, negative: 0 },
        integrity: { positive: 0, negative: 0 },
      },
      transitions: [],
      earlierTransitions: 0,
      violations: [],
      earlierViolations: 0,
    },
    loyalty: {
      behavioural: {
        recencyDays: null,
        frequency: 0,
        monetary: 0,
        purchaseCount: 0,
        purchaseValue: 0,
        firstPurchaseAt: null,
        lastPurchaseAt: null,
        tenureDays: 0,
        categories: [],
        repeatPurchaseRate: 0,
      },
      affective: { satisfactionAverage: null, satisfactionTrend: 'flat', positiveShare: 0, negativeShare: 0, wordOfMouth: 0 },
      conative: { recommendLikelihood: null, npsClass: null, referrals: 0, referredCustomers: [] },
      cognitive: { competitorOffersDeclined: 0, competitors: [], repeatChoiceShare: 0 },
      formationStage: 'cognition',
      traits: {
        regularRepeatPurchases: noTrait(),
        buysSeveralCategories: noTrait(),
        recommendsOthers: noTrait(),
        resistsCompetitors: noTrait(),
        toleratesFailure: noTrait(),
      },
    },
    satisfaction: { ratings: 0, average: null, byContext: perContext(unrated), lastLevel: null, npsClass: null },
    complaints: { filed: 0, resolved: 0, resolvedWithinSla: 0, recovered: 0, open: [] },
    churnReason: null,
    state: {
      clockMs: 0,
      firstSeenMs: 0,
      lastEventMs: 0,
      lastPosition: -1,
      lastEventId: null,
      episodeStartMs: null,
      episodePurchases: 0,
      episodeMaxGapMs: 0,
      firstPurchaseMs: null,
      purchaseTimes: [],
      purchaseValues: [],
      purchaseOrders: [],
      purchasesBeforeHorizon: 0,
      lastPurchaseMs: null,
      purchaseDays: 0,
      lastPurchaseDayStartMs: null,
      firstDayValue: 0,
      refundTimes: [],
      refundValues: [],
      refundOrders: [],
      refundsBeforeHorizon: 0,
      interactionTimes: [],
      trustSinceMs: 0,
      trustInteractions: 0,
      trustFirstInteractionMs: null,
      trustLastInteractionMs: null,
      ratingSum: 0,
      contextRatingSums: perContext(() => 0),
      recentRatings: [],
      positiveSignals: 0,
      negativeSignals: 0,
      neutralSignals: 0,
      categories: {},
      repeatChoices: 0,
      purchasesAfterComplaint: 0,
      pendingFollowUps: [],
      pendingFollowUpTimes: [],
      followUpsBeforeHorizon: 0,
      recentlyResolved: [],
    },
  };
}
