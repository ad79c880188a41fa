/**
 * Derived read-outs of the view (assessment, loyalty, satisfaction summary) as of the view's
 * clock; they never feed back into the rules. `finalize` recomputes all of them; the live path
 * (`finalizeAfter`, one in-order fact) recomputes the clock-dependent ones and those the fact's
 * kind can move, and leaves the rest, which the previous finalize left current. Each read-out
 * lives in its own small object of a long-lived view, so not touching the unchanged ones is
 * what keeps the projector's fold fast (the property tests compare live against full replays).
 */
import { RATING_CONTEXTS } from '@crm/contracts';
import type { LoyaltyFormationStage, RelationshipPolicy, TrustStage } from '../policy';
import type { CustomerView, EventFact, Trend } from './customer-view.types';
import { DAY_MS } from './event-fact';
import { countAtOrBefore, iso, volumeDevelopment } from './customer-view.rules';

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

type Evidence = Record<string, number | string | string[] | null>;

/** Full recompute of every read-out (replays, evaluate). */
export function finalize(v: CustomerView, policy: RelationshipPolicy): void {
  refresh(v, policy, null, true);
}

/**
 * After `step` applied one in-order fact of kind `kind` to a view that was final before it:
 * `trustBefore` is the trust stage before the step (wakes and the fact can move it).
 */
export function finalizeAfter(v: CustomerView, policy: RelationshipPolicy, kind: EventFact['k'], trustBefore: TrustStage): void {
  // The first event fills the empty evidence of a fresh view: everything.
  if (v.eventCount <= 1) refresh(v, policy, null, true);
  else refresh(v, policy, kind, v.trust.stage !== trustBefore);
}

/** `kind` null: everything. */
function refresh(v: CustomerView, policy: RelationshipPolicy, kind: EventFact['k'] | null, trustMoved: boolean): void {
  const s = v.state;
  const at = s.clockMs;
  const last = v.log[v.log.length - 1];
  if (last === undefined) return;
  // On the live path the clock is the last event's instant: its own string, no formatting.
  v.asOf = last.t === at ? last.at : iso(at);

  const all = kind === null;
  const purchase = all || kind === 'PurchaseMade';
  const money = purchase || kind === 'PurchaseRefunded';
  const rating = all || kind === 'SatisfactionRated';
  const signals = rating || kind === 'ContactLogged';
  const recommendation = rating || kind === 'ReferralMade';
  const competitor = all || kind === 'CompetitorOfferDeclined';
  const filed = all || kind === 'ComplaintFiled';
  const openMoved = filed || kind === 'ComplaintResolved';

  const loyalty = v.loyalty;
  const b = loyalty.behavioural;
  const purchases = b.purchaseCount;
  // Without any purchase the purchase-time read-outs keep their initial values.
  const bought = all || purchases > 0;
  b.tenureDays = Math.floor((at - s.firstSeenMs) / DAY_MS);
  if (bought) b.recencyDays = s.lastPurchaseMs === null ? null : Math.floor((at - s.lastPurchaseMs) / DAY_MS);
  if (purchase) {
    b.frequency = purchases;
    b.repeatPurchaseRate = purchases > 0 ? (purchases - 1) / purchases : 0;
    loyalty.cognitive.repeatChoiceShare = purchases > 0 ? s.repeatChoices / purchases : 0;
  }
  if (money) b.monetary = v.historicalValue;

  if (rating) {
    const sat = v.satisfaction;
    const average = sat.ratings > 0 ? s.ratingSum / sat.ratings : null;
    sat.average = average;
    for (const context of RATING_CONTEXTS) {
      const c = sat.byContext[context];
      c.average = c.ratings > 0 ? s.contextRatingSums[context] / c.ratings : null;
    }
    const a = loyalty.affective;
    a.satisfactionAverage = average;
    a.satisfactionTrend = trend(s.recentRatings, policy);
    const quality = v.lifecycle.assessment.quality;
    quality.satisfactionAverage = average;
    quality.npsClass = loyalty.conative.npsClass;
  }
  if (signals) {
    const count = s.positiveSignals + s.negativeSignals + s.neutralSignals;
    const wom = policy.satisfaction.wordOfMouth;
    const positiveWeighted = wom.positiveWeight * s.positiveSignals;
    const negativeWeighted = wom.negativeWeight * s.negativeSignals;
    const a = loyalty.affective;
    a.positiveShare = count > 0 ? s.positiveSignals / count : 0;
    a.negativeShare = count > 0 ? s.negativeSignals / count : 0;
    a.wordOfMouth =
      positiveWeighted + negativeWeighted > 0 ? (positiveWeighted - negativeWeighted) / (positiveWeighted + negativeWeighted) : 0;
  }

  // Traits are updated in place (no allocation per event: views are long-lived and numerous);
  // evidence gets its keys in the documented order the first time (a fresh view has none).
  const tp = policy.loyalty.traits;
  const traits = loyalty.traits;
  let regularValue = false;
  if (bought) {
    const maxGapDays = s.episodeMaxGapMs / DAY_MS;
    regularValue =
      s.episodePurchases >= tp.regularRepeat.minPurchases &&
      maxGapDays <= tp.regularRepeat.maxGapDays &&
      s.lastPurchaseMs !== null &&
      at - s.lastPurchaseMs <= tp.regularRepeat.maxGapDays * DAY_MS;
    const gap = Math.round(maxGapDays * 10) / 10;
    const t = traits.regularRepeatPurchases;
    t.value = regularValue;
    const e: Evidence = t.evidence;
    if ('purchases' in e) {
      e.purchases = s.episodePurchases;
      e.maxGapDays = gap;
      e.daysSinceLastPurchase = b.recencyDays;
    } else t.evidence = { purchases: s.episodePurchases, maxGapDays: gap, daysSinceLastPurchase: b.recencyDays };
  }
  if (purchase) {
    // Kept equal to Object.keys(state.categories) by the purchase rule (categories only grow).
    const categories = b.categories;
    const t = traits.buysSeveralCategories;
    t.value = categories.length >= tp.multiCategory.minCategories;
    if ('categories' in t.evidence) t.evidence.categories = categories;
    else t.evidence = { categories };
  }
  if (recommendation) {
    const conative = loyalty.conative;
    const t = traits.recommendsOthers;
    t.value = conative.referrals >= tp.recommends.minReferrals || (tp.recommends.promoterCounts && conative.npsClass === 'promoter');
    const e: Evidence = t.evidence;
    if ('referrals' in e) {
      e.referrals = conative.referrals;
      e.npsClass = conative.npsClass;
    } else t.evidence = { referrals: conative.referrals, npsClass: conative.npsClass };
  }
  if (competitor) {
    const cognitive = loyalty.cognitive;
    const t = traits.resistsCompetitors;
    t.value = cognitive.competitorOffersDeclined >= tp.resistsCompetitors.minDeclined;
    const e: Evidence = t.evidence;
    if ('declined' in e) {
      e.declined = cognitive.competitorOffersDeclined;
      e.competitors = cognitive.competitors;
    } else t.evidence = { declined: cognitive.competitorOffersDeclined, competitors: cognitive.competitors };
  }
  if (purchase || filed) {
    const t = traits.toleratesFailure;
    t.value = s.purchasesAfterComplaint >= tp.toleratesFailure.minPurchasesAfterComplaint;
    const e: Evidence = t.evidence;
    if ('complaints' in e) {
      e.complaints = v.complaints.filed;
      e.purchasesAfterComplaint = s.purchasesAfterComplaint;
    } else t.evidence = { complaints: v.complaints.filed, purchasesAfterComplaint: s.purchasesAfterComplaint };
  }

  const fp = policy.loyalty.formation;
  let formation: LoyaltyFormationStage = 'cognition';
  if (purchases >= fp.acceptanceMinPurchases) {
    formation = 'acceptance';
    const ratings = v.satisfaction.ratings;
    const average = ratings > 0 ? s.ratingSum / ratings : null;
    // Same tolerance as the lifecycle and trust thresholds: a sum of normalised ratings is not exact.
    if (purchases >= fp.preferenceMinPurchases && (average === null || average >= fp.preferenceMinSatisfaction - 1e-9)) {
      formation = 'preference';
      let traitCount = 0;
      if (regularValue) traitCount++;
      if (traits.buysSeveralCategories.value) traitCount++;
      if (traits.recommendsOthers.value) traitCount++;
      if (traits.resistsCompetitors.value) traitCount++;
      if (traits.toleratesFailure.value) traitCount++;
      if (traitCount >= fp.loyaltyMinTraits && (!fp.loyaltyRequiresRegularRepeat || regularValue)) formation = 'loyalty';
    }
  }
  loyalty.formationStage = formation;

  if (bought || money || trustMoved || openMoved) {
    const as = v.lifecycle.assessment;
    if (bought) {
      as.development = volumeDevelopment(v, at, policy);
      as.value.frequency = purchasesSince(v, at - policy.tiers.valueWindowDays * DAY_MS, at);
    }
    if (all || trustMoved) as.quality.trustStage = v.trust.stage;
    if (openMoved) as.quality.openComplaints = v.complaints.open.length;
    if (purchase) as.value.scope = b.categories.length;
    if (money) as.value.monetary = v.historicalValue;
  }
}
