/**
 * Derived read-outs of the view (assessment, loyalty, satisfaction summary) as of the view's
 * clock. Recomputed after every change; they never feed back into the rules.
 */
import type { LoyaltyFormationStage, RelationshipPolicy } from '../policy';
import type { CustomerView, LoyalTrait, Trend } from './customer-view.types';
import { DAY_MS } from './event-fact';
import { countAtOrBefore, iso, windowVolumes } from './customer-view.rules';

const mean = (xs: readonly number[], from: number, to: number): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += xs[i];
  return sum / (to - from);
};

function trend(recent: readonly number[], policy: RelationshipPolicy): Trend {
  if (recent.length < 2) return 'flat';
  const k = Math.min(policy.satisfaction.trendWindow, Math.floor(recent.length / 2));
  const diff = mean(recent, recent.length - k, recent.length) - mean(recent, recent.length - 2 * k, recent.length - k);
  if (diff > policy.satisfaction.trendEpsilon) return 'up';
  if (diff < -policy.satisfaction.trendEpsilon) return 'down';
  return 'flat';
}

function purchasesSince(v: CustomerView, from: number, at: number): number {
  const ts = v.state.purchaseTimes;
  return countAtOrBefore(ts, at) - countAtOrBefore(ts, from);
}

export function finalize(v: CustomerView, policy: RelationshipPolicy): void {
  const s = v.state;
  const at = s.clockMs;
  const last = v.log[v.log.length - 1];
  if (last === undefined) return;
  v.asOf = last.t === at ? last.at : iso(at);

  const purchases = v.loyalty.behavioural.purchaseCount;
  const categories = Object.keys(s.categories);
  const b = v.loyalty.behavioural;
  b.recencyDays = s.lastPurchaseMs === null ? null : Math.floor((at - s.lastPurchaseMs) / DAY_MS);
  b.frequency = purchases;
  b.monetary = v.historicalValue;
  b.tenureDays = Math.floor((at - s.firstSeenMs) / DAY_MS);
  if (b.categories.length !== categories.length) b.categories = categories;
  b.repeatPurchaseRate = purchases > 0 ? (purchases - 1) / purchases : 0;

  const sat = v.satisfaction;
  const average = sat.ratings > 0 ? s.ratingSum / sat.ratings : null;
  sat.average = average;
  const signals = s.positiveSignals + s.negativeSignals + s.neutralSignals;
  const wom = policy.satisfaction.wordOfMouth;
  const positiveWeighted = wom.positiveWeight * s.positiveSignals;
  const negativeWeighted = wom.negativeWeight * s.negativeSignals;
  const a = v.loyalty.affective;
  a.satisfactionAverage = average;
  a.satisfactionTrend = trend(s.recentRatings, policy);
  a.positiveShare = signals > 0 ? s.positiveSignals / signals : 0;
  a.negativeShare = signals > 0 ? s.negativeSignals / signals : 0;
  a.wordOfMouth =
    positiveWeighted + negativeWeighted > 0 ? (positiveWeighted - negativeWeighted) / (positiveWeighted + negativeWeighted) : 0;

  v.loyalty.cognitive.repeatChoiceShare = purchases > 0 ? s.repeatChoices / purchases : 0;

  const tp = policy.loyalty.traits;
  const daysSinceLast = b.recencyDays;
  const maxGapDays = s.episodeMaxGapMs / DAY_MS;
  const regular: LoyalTrait = {
    value:
      s.episodePurchases >= tp.regularRepeat.minPurchases &&
      maxGapDays <= tp.regularRepeat.maxGapDays &&
      s.lastPurchaseMs !== null &&
      at - s.lastPurchaseMs <= tp.regularRepeat.maxGapDays * DAY_MS,
    evidence: { purchases: s.episodePurchases, maxGapDays: Math.round(maxGapDays * 10) / 10, daysSinceLastPurchase: daysSinceLast },
  };
  const conative = v.loyalty.conative;
  const cognitive = v.loyalty.cognitive;
  const traits = v.loyalty.traits;
  traits.regularRepeatPurchases = regular;
  traits.buysSeveralCategories = {
    value: categories.length >= tp.multiCategory.minCategories,
    evidence: { categories },
  };
  traits.recommendsOthers = {
    value:
      conative.referrals >= tp.recommends.minReferrals || (tp.recommends.promoterCounts && conative.npsClass === 'promoter'),
    evidence: { referrals: conative.referrals, npsClass: conative.npsClass },
  };
  traits.resistsCompetitors = {
    value: cognitive.competitorOffersDeclined >= tp.resistsCompetitors.minDeclined,
    evidence: { declined: cognitive.competitorOffersDeclined, competitors: cognitive.competitors },
  };
  traits.toleratesFailure = {
    value: s.purchasesAfterComplaint >= tp.toleratesFailure.minPurchasesAfterComplaint,
    evidence: { complaints: v.complaints.filed, purchasesAfterComplaint: s.purchasesAfterComplaint },
  };
  let traitCount = 0;
  if (traits.regularRepeatPurchases.value) traitCount++;
  if (traits.buysSeveralCategories.value) traitCount++;
  if (traits.recommendsOthers.value) traitCount++;
  if (traits.resistsCompetitors.value) traitCount++;
  if (traits.toleratesFailure.value) traitCount++;

  const fp = policy.loyalty.formation;
  let formation: LoyaltyFormationStage = 'cognition';
  if (purchases >= fp.acceptanceMinPurchases) {
    formation = 'acceptance';
    if (purchases >= fp.preferenceMinPurchases && (average === null || average >= fp.preferenceMinSatisfaction)) {
      formation = 'preference';
      if (traitCount >= fp.loyaltyMinTraits && (!fp.loyaltyRequiresRegularRepeat || regular.value)) formation = 'loyalty';
    }
  }
  v.loyalty.formationStage = formation;

  const as = v.lifecycle.assessment;
  const volumes = windowVolumes(v, at, policy, -Infinity);
  as.development = volumes.last > volumes.prior ? 'up' : volumes.last < volumes.prior ? 'down' : 'flat';
  as.quality.trustStage = v.trust.stage;
  as.quality.satisfactionAverage = average;
  as.quality.npsClass = conative.npsClass;
  as.quality.openComplaints = v.complaints.open.length;
  as.value.frequency = purchasesSince(v, at - policy.tiers.valueWindowDays * DAY_MS, at);
  as.value.scope = categories.length;
  as.value.monetary = v.historicalValue;
}
