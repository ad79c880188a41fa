import { z } from 'zod';
import { COMPLAINT_SEVERITIES } from '@crm/contracts';
import { PolicyIssue, PolicyValidationError } from '../domain.errors';
import { RelationshipPolicy, TRUST_STAGES, VOLUME_MEASURES } from './relationship.policy';
import { DEFAULT_SEGMENTS_POLICY, RETENTION_ACTIVITIES } from '../segmentation/segmentation.policy';

const days = z.number().finite().positive();
const count = z.number().int().nonnegative();
const positiveCount = z.number().int().positive();
const unit = z.number().finite().min(0).max(1);
const score100 = z.number().finite().min(0).max(100);
const weight = z.number().finite().nonnegative();
const severities = z.array(z.enum(COMPLAINT_SEVERITIES));

// `.strict()` everywhere: an unknown key is a typo in an operator's file, not something to ignore.
const tierShares = z.object({ diamond: unit, gold: unit, silver: unit, iron: unit }).strict();
const tierThresholds = z.object({ diamond: weight, gold: weight, silver: weight, iron: weight }).strict();

const policySchema = z
  .object({
    policyVersion: z.string().min(1),
    lifecycle: z
      .object({
        expansion: z
          .object({ minPurchases: positiveCount, windowDays: days, blockingSeverities: severities })
          .strict(),
        commitment: z
          .object({
            minTenureDays: days,
            periodDays: days,
            minDistinctPeriods: positiveCount,
            lookbackDays: days,
            minSatisfaction: unit,
            minTrustStage: z.enum(TRUST_STAGES),
          })
          .strict(),
        dissolution: z
          .object({
            volumeWindowDays: days,
            volumeDeclineRatio: z.number().finite().gt(0).max(1),
            volumeMeasure: z.enum(VOLUME_MEASURES),
            inactivityDays: days,
          })
          .strict(),
      })
      .strict(),
    trust: z
      .object({
        knowledge: z
          .object({ minInteractions: positiveCount, minSpanDays: z.number().finite().nonnegative(), minCompetence: score100 })
          .strict(),
        identification: z
          .object({
            minDaysInKnowledge: days,
            minSatisfaction: unit,
            requireNoOpenComplaint: z.boolean(),
            minReferrals: positiveCount,
            minTenureDays: days,
          })
          .strict(),
        violation: z
          .object({ slaBreachSeverities: severities, refundAfterResolutionDays: days })
          .strict(),
        score: z.object({ priorPositive: z.number().finite().positive(), priorNegative: z.number().finite().positive() }).strict(),
      })
      .strict(),
    complaints: z
      .object({
        slaDays: z.object({ low: days, medium: days, high: days, critical: days }).strict(),
      })
      .strict(),
    satisfaction: z
      .object({
        positiveFrom: unit,
        negativeUpTo: unit,
        trendWindow: positiveCount,
        trendEpsilon: unit,
        sentimentNeutralBand: unit,
        wordOfMouth: z.object({ positiveWeight: weight, negativeWeight: weight }).strict(),
      })
      .strict(),
    nps: z
      .object({ promoterMin: z.number().int().min(0).max(10), passiveMin: z.number().int().min(0).max(10) })
      .strict(),
    loyalty: z
      .object({
        formation: z
          .object({
            acceptanceMinPurchases: positiveCount,
            preferenceMinPurchases: positiveCount,
            preferenceMinSatisfaction: unit,
            loyaltyMinTraits: z.number().int().min(0).max(5),
            loyaltyRequiresRegularRepeat: z.boolean(),
          })
          .strict(),
        traits: z
          .object({
            regularRepeat: z.object({ minPurchases: positiveCount, maxGapDays: days }).strict(),
            multiCategory: z.object({ minCategories: positiveCount }).strict(),
            recommends: z.object({ minReferrals: positiveCount, promoterCounts: z.boolean() }).strict(),
            resistsCompetitors: z.object({ minDeclined: positiveCount }).strict(),
            toleratesFailure: z.object({ minPurchasesAfterComplaint: positiveCount }).strict(),
          })
          .strict(),
      })
      .strict(),
    tiers: z
      .object({
        mode: z.enum(['percentile', 'fixed']),
        percentiles: tierShares,
        fixedThresholds: tierThresholds,
        valueWindowDays: days,
      })
      .strict(),
    clv: z
      .object({
        timeUnitDays: days,
        horizonDays: days,
        annualDiscountRate: z.number().finite().min(0).max(1),
        minCustomersForFit: count,
      })
      .strict(),
    // Optional so that a policy file written before these keys existed still loads (with the defaults).
    segments: z
      .object({
        retention: z
          .object({ periodDays: days, periods: z.number().int().min(1).max(120), activity: z.enum(RETENTION_ACTIVITIES) })
          .strict(),
        concentration: z
          .object({ topCustomerShare: z.number().finite().gt(0).max(1), referenceValueShare: z.number().finite().gt(0).max(1) })
          .strict(),
        winBack: z.object({ minRelationshipDays: days }).strict(),
      })
      .strict()
      .default(() => structuredClone(DEFAULT_SEGMENTS_POLICY)),
  })
  .strict()
  .superRefine((p, ctx) => {
    // Cross-field rules: each names the key an operator has to change.
    if (p.nps.passiveMin >= p.nps.promoterMin) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['nps', 'passiveMin'], message: 'must be below nps.promoterMin' });
    }
    if (p.satisfaction.negativeUpTo >= p.satisfaction.positiveFrom) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['satisfaction', 'negativeUpTo'],
        message: 'must be below satisfaction.positiveFrom',
      });
    }
    const shares = p.tiers.percentiles;
    if (shares.diamond + shares.gold + shares.silver + shares.iron > 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tiers', 'percentiles'], message: 'shares must sum to at most 1' });
    }
    const c = p.lifecycle.commitment;
    if (c.minDistinctPeriods * c.periodDays > c.lookbackDays + c.periodDays) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['lifecycle', 'commitment', 'minDistinctPeriods'],
        message: 'cannot be reached within lookbackDays',
      });
    }
  });

/** Validates an operator's policy (e.g. parsed JSON); throws PolicyValidationError listing every invalid key. */
export function parsePolicy(json: unknown): RelationshipPolicy {
  const result = policySchema.safeParse(json);
  if (result.success) return result.data as RelationshipPolicy;
  const issues: PolicyIssue[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.join('.');
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      for (const key of issue.keys) issues.push({ key: base ? `${base}.${key}` : key, message: 'unknown key' });
    } else {
      issues.push({ key: base || '(root)', message: issue.message });
    }
  }
  throw new PolicyValidationError(issues);
}
