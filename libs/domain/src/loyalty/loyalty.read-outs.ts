/**
 * Loyalty (客户忠诚, docs/relationship-model.md §4): the behavioural dimension (RFM, tenure,
 * repeat purchases), the five traits of a loyal customer with their evidence, and the formation
 * stage (cognition → acceptance → preference → loyalty), derived from the current facts (so it
 * can fall back). The affective dimension's signal read-outs are ../satisfaction's.
 *
 * Traits are updated in place (no allocation per event: views are long-lived and numerous);
 * evidence gets its keys in the documented order the first time (a fresh view has none).
 */
import type { LoyaltyFormationStage, RelationshipPolicy } from '../policy';
import type { CustomerView } from '../customer/customer-view.types';
import { DAY_MS } from '../fold/event-fact';
import { BOUGHT, COMPETITOR, FILED, MONEY, PURCHASE, RECOMMENDATION } from '../customer/read-out-changes';

type Evidence = Record<string, number | string | string[] | null>;

// `changes`: the bits of ../customer/read-out-changes.ts.

/** The behavioural dimension as of `at` (the view's clock). */
export function refreshBehaviour(v: CustomerView, at: number, changes: number): void {
  const s = v.state;
  const loyalty = v.loyalty;
  const b = loyalty.behavioural;
  const purchases = b.purchaseCount;
  b.tenureDays = Math.floor((at - s.firstSeenMs) / DAY_MS);
  if (changes & BOUGHT) b.recencyDays = s.lastPurchaseMs === null ? null : Math.floor((at - s.lastPurchaseMs) / DAY_MS);
  if (changes & PURCHASE) {
    b.frequency = purchases;
    b.repeatPurchaseRate = purchases > 0 ? (purchases - 1) / purchases : 0;
    loyalty.cognitive.repeatChoiceShare = purchases > 0 ? s.repeatChoices / purchases : 0;
  }
  if (changes & MONEY) b.monetary = v.historicalValue;
}

/** The traits and the formation stage as of `at`. */
export function refreshTraitsAndFormation(v: CustomerView, at: number, policy: RelationshipPolicy, changes: number): void {
  const s = v.state;
  const loyalty = v.loyalty;
  const b = loyalty.behavioural;
  const tp = policy.loyalty.traits;
  const traits = loyalty.traits;
  let regularValue = false;
  if (changes & BOUGHT) {
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
  if (changes & PURCHASE) {
    // Kept equal to Object.keys(state.categories) by the purchase tally (categories only grow).
    const categories = b.categories;
    const t = traits.buysSeveralCategories;
    t.value = categories.length >= tp.multiCategory.minCategories;
    if ('categories' in t.evidence) t.evidence.categories = categories;
    else t.evidence = { categories };
  }
  if (changes & RECOMMENDATION) {
    const conative = loyalty.conative;
    const t = traits.recommendsOthers;
    t.value = conative.referrals >= tp.recommends.minReferrals || (tp.recommends.promoterCounts && conative.npsClass === 'promoter');
    const e: Evidence = t.evidence;
    if ('referrals' in e) {
      e.referrals = conative.referrals;
      e.npsClass = conative.npsClass;
    } else t.evidence = { referrals: conative.referrals, npsClass: conative.npsClass };
  }
  if (changes & COMPETITOR) {
    const cognitive = loyalty.cognitive;
    const t = traits.resistsCompetitors;
    t.value = cognitive.competitorOffersDeclined >= tp.resistsCompetitors.minDeclined;
    const e: Evidence = t.evidence;
    if ('declined' in e) {
      e.declined = cognitive.competitorOffersDeclined;
      e.competitors = cognitive.competitors;
    } else t.evidence = { declined: cognitive.competitorOffersDeclined, competitors: cognitive.competitors };
  }
  if (changes & (PURCHASE | FILED)) {
    const t = traits.toleratesFailure;
    t.value = s.purchasesAfterComplaint >= tp.toleratesFailure.minPurchasesAfterComplaint;
    const e: Evidence = t.evidence;
    if ('complaints' in e) {
      e.complaints = v.complaints.filed;
      e.purchasesAfterComplaint = s.purchasesAfterComplaint;
    } else t.evidence = { complaints: v.complaints.filed, purchasesAfterComplaint: s.purchasesAfterComplaint };
  }
  loyalty.formationStage = formationStage(v, regularValue, policy);
}

function formationStage(v: CustomerView, regularValue: boolean, policy: RelationshipPolicy): LoyaltyFormationStage {
  const fp = policy.loyalty.formation;
  const traits = v.loyalty.traits;
  const purchases = v.loyalty.behavioural.purchaseCount;
  if (purchases < fp.acceptanceMinPurchases) return 'cognition';
  const ratings = v.satisfaction.ratings;
  const average = ratings > 0 ? v.state.ratingSum / ratings : null;
  // Same tolerance as the lifecycle and trust thresholds: a sum of normalised ratings is not exact.
  if (purchases < fp.preferenceMinPurchases || (average !== null && average < fp.preferenceMinSatisfaction - 1e-9)) return 'acceptance';
  let traitCount = 0;
  if (regularValue) traitCount++;
  if (traits.buysSeveralCategories.value) traitCount++;
  if (traits.recommendsOthers.value) traitCount++;
  if (traits.resistsCompetitors.value) traitCount++;
  if (traits.toleratesFailure.value) traitCount++;
  return traitCount >= fp.loyaltyMinTraits && (!fp.loyaltyRequiresRegularRepeat || regularValue) ? 'loyalty' : 'preference';
}
