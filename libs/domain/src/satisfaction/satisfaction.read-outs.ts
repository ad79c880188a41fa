/**
 * The satisfaction read-outs (客户满意度, docs/relationship-model.md §7): the overall and
 * per-context averages, the trend of the recent ratings, and the signal shares and word of
 * mouth the affective loyalty dimension shows.
 */
import { RATING_CONTEXTS } from '@crm/contracts';
import type { RelationshipPolicy } from '../policy';
import type { CustomerView, Trend } from '../customer/customer-view.types';

const mean = (xs: readonly number[], from: number, to: number): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += xs[i];
  return sum / (to - from);
};

/** The mean of the last `trendWindow` ratings against the ones before, ± `trendEpsilon`. */
export function satisfactionTrend(recent: readonly number[], policy: RelationshipPolicy): Trend {
  if (recent.length < 2) return 'flat';
  const k = Math.min(policy.satisfaction.trendWindow, Math.floor(recent.length / 2));
  const diff = mean(recent, recent.length - k, recent.length) - mean(recent, recent.length - 2 * k, recent.length - k);
  if (diff > policy.satisfaction.trendEpsilon) return 'up';
  if (diff < -policy.satisfaction.trendEpsilon) return 'down';
  return 'flat';
}

/** After a rating: averages (overall, per context), trend, and the quality dimension's copy of them. */
export function refreshRatings(v: CustomerView, policy: RelationshipPolicy): void {
  const s = v.state;
  const loyalty = v.loyalty;
  const sat = v.satisfaction;
  const average = sat.ratings > 0 ? s.ratingSum / sat.ratings : null;
  sat.average = average;
  for (const context of RATING_CONTEXTS) {
    const c = sat.byContext[context];
    c.average = c.ratings > 0 ? s.contextRatingSums[context] / c.ratings : null;
  }
  const a = loyalty.affective;
  a.satisfactionAverage = average;
  a.satisfactionTrend = satisfactionTrend(s.recentRatings, policy);
  const quality = v.lifecycle.assessment.quality;
  quality.satisfactionAverage = average;
  quality.npsClass = loyalty.conative.npsClass;
}

/** After a rating or a contact with sentiment: positive/negative shares and word of mouth (weights 3 : 11). */
export function refreshSignals(v: CustomerView, policy: RelationshipPolicy): void {
  const s = v.state;
  const count = s.positiveSignals + s.negativeSignals + s.neutralSignals;
  const wom = policy.satisfaction.wordOfMouth;
  const positiveWeighted = wom.positiveWeight * s.positiveSignals;
  const negativeWeighted = wom.negativeWeight * s.negativeSignals;
  const a = v.loyalty.affective;
  a.positiveShare = count > 0 ? s.positiveSignals / count : 0;
  a.negativeShare = count > 0 ? s.negativeSignals / count : 0;
  a.wordOfMouth =
    positiveWeighted + negativeWeighted > 0 ? (positiveWeighted - negativeWeighted) / (positiveWeighted + negativeWeighted) : 0;
}
