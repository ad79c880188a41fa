/**
 * Customer personas: how often each kind of customer buys, calls, complains, rates and
 * leaves. The mix is chosen so a population exercises every rule of docs/relationship-model.md
 * §2–§6: regulars who reach commitment and identification trust, one-time buyers and
 * browsers who stay low in the pyramid, drifters who fall into dissolution by inactivity,
 * complainers who cause trust violations, and explicit churn with every reason.
 */

export const PERSONAS = ['loyal', 'occasional', 'one_time', 'browser', 'complainer', 'drifter', 'churner'] as const;
export type Persona = (typeof PERSONAS)[number];

export interface PersonaProfile {
  /** Share of the population (relative weight). */
  weight: number;
  /** Mean rates per year while active; spontaneous events are drawn daily from these. */
  purchasesPerYear: number;
  contactsPerYear: number;
  complaintsPerYear: number;
  referralsPerYear: number;
  competitorDeclinesPerYear: number;
  surveysPerYear: number;
  /** Hard cap on purchases (one-time buyers); Infinity when unbounded. */
  maxPurchases: number;
  /** Number of distinct product categories the customer buys from: [min, max]. */
  categories: readonly [number, number];
  /** Mean satisfaction 0…1 (drives scores, sentiment and recommend-likelihood). */
  mood: number;
  /** Share of orders refunded later. */
  refundShare: number;
  /** Share of orders followed by a purchase rating. */
  purchaseRatingShare: number;
  /** Share of complaints never resolved. */
  unresolvedShare: number;
  /** Share of resolved complaints resolved within their SLA. */
  withinSlaShare: number;
  /** Share of resolutions the customer accepts. */
  acceptShare: number;
  /** Extra escalation weight this customer brings to a contact. */
  escalationBias: number;
  /** Purchase and contact rates halve every this many days (Infinity: no decay). */
  decayHalfLifeDays: number;
  /** Explicit churn: share of these customers who send RelationshipEnded in the window. */
  endShare: number;
}

const base: Omit<PersonaProfile, 'weight'> = {
  purchasesPerYear: 6,
  contactsPerYear: 5,
  complaintsPerYear: 0.5,
  referralsPerYear: 0.2,
  competitorDeclinesPerYear: 0.2,
  surveysPerYear: 1.5,
  maxPurchases: Infinity,
  categories: [1, 3],
  mood: 0.7,
  refundShare: 0.04,
  purchaseRatingShare: 0.1,
  unresolvedShare: 0.05,
  withinSlaShare: 0.8,
  acceptShare: 0.75,
  escalationBias: 0,
  decayHalfLifeDays: Infinity,
  endShare: 0,
};

export const PERSONA_PROFILES: Readonly<Record<Persona, PersonaProfile>> = {
  loyal: {
    ...base,
    weight: 8,
    purchasesPerYear: 26,
    contactsPerYear: 10,
    complaintsPerYear: 0.8,
    referralsPerYear: 2.5,
    competitorDeclinesPerYear: 1.5,
    surveysPerYear: 3,
    categories: [3, 5],
    mood: 0.86,
    refundShare: 0.02,
    purchaseRatingShare: 0.15,
    unresolvedShare: 0.02,
    withinSlaShare: 0.92,
    acceptShare: 0.9,
  },
  occasional: { ...base, weight: 20 },
  one_time: {
    ...base,
    weight: 27,
    purchasesPerYear: 0,
    contactsPerYear: 2,
    complaintsPerYear: 0.3,
    referralsPerYear: 0,
    competitorDeclinesPerYear: 0,
    surveysPerYear: 0.5,
    maxPurchases: 1,
    categories: [1, 1],
    mood: 0.6,
    refundShare: 0.06,
    purchaseRatingShare: 0.2,
  },
  browser: {
    ...base,
    weight: 13,
    purchasesPerYear: 0,
    contactsPerYear: 8,
    complaintsPerYear: 0.3,
    referralsPerYear: 0,
    competitorDeclinesPerYear: 0.1,
    surveysPerYear: 0.5,
    maxPurchases: 0,
    mood: 0.55,
  },
  complainer: {
    ...base,
    weight: 8,
    purchasesPerYear: 8,
    contactsPerYear: 14,
    complaintsPerYear: 8,
    referralsPerYear: 0,
    competitorDeclinesPerYear: 0.3,
    surveysPerYear: 2,
    mood: 0.3,
    refundShare: 0.15,
    purchaseRatingShare: 0.25,
    unresolvedShare: 0.2,
    withinSlaShare: 0.45,
    acceptShare: 0.4,
    escalationBias: 0.15,
    endShare: 0.25,
  },
  drifter: {
    ...base,
    weight: 12,
    purchasesPerYear: 20,
    contactsPerYear: 6,
    mood: 0.55,
    decayHalfLifeDays: 40,
  },
  churner: {
    ...base,
    weight: 12,
    purchasesPerYear: 8,
    contactsPerYear: 6,
    complaintsPerYear: 1.5,
    mood: 0.45,
    endShare: 1,
  },
};
