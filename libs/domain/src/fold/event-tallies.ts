/**
 * The per-event bookkeeping of the fold: the counts, tallies and evidence one fact moves
 * (behaviour, trust evidence and scores, complaints, money, ratings, referrals, competitors).
 * The stage rules themselves live by their theory: ../lifecycle, ../trust, ../time-rules.
 */
import { RATING_CONTEXTS } from '@crm/contracts';
import type { RelationshipPolicy } from '../policy';
import type { CurrencyTotals, CustomerView } from '../customer/customer-view.types';
import { getOwn, setOwn } from '../customer/own-keys';
import { normaliseScore, npsClass, satisfactionLevel } from '../satisfaction/satisfaction.scale';
import { resolvedWithinSla, slaDeadlineMs } from '../trust/complaint-sla';
import { noteInteraction, trustScore, violate } from '../trust/trust.rules';
import { DAY_MS, EventFact, iso } from './event-fact';
import { foldHorizonMs } from './horizon';

const COMPETENCE = 1;
const BENEVOLENCE = 2;
const INTEGRITY = 4;

/**
 * What a replay knows of the orders from the complete facts (the fold state keeps only the
 * orders inside the horizon): whether the order was bought, or refunded, before the fact being applied.
 */
export interface OrderHistory {
  purchasedBefore(orderId: string): boolean;
  refundedBefore(orderId: string): boolean;
  /** The replay's own, complete list of the follow-ups still pending (the state's drops those before the horizon). */
  readonly pendingFollowUps: string[];
}

/**
 * Whether the fold state cannot say on its own how a refund of `orderId` counts: the order is
 * not among the refunds and purchases it kept, and some fell out of the horizon.
 */
export function refundNeedsHistory(v: CustomerView, orderId: string): boolean {
  const s = v.state;
  if (s.refundOrders.includes(orderId)) return false;
  return s.refundsBeforeHorizon > 0 || (s.purchasesBeforeHorizon > 0 && !s.purchaseOrders.includes(orderId));
}

/** Whether the fold state cannot say whether `followUpOf` names a pending follow-up: not among those kept, and some fell out of the horizon. */
export function followUpNeedsHistory(v: CustomerView, followUpOf: string): boolean {
  const s = v.state;
  return s.followUpsBeforeHorizon > 0 && !s.pendingFollowUps.includes(followUpOf);
}

/** Drops what fell out of the horizon ending at `at` from the fold state's windows. */
export function pruneWindows(v: CustomerView, at: number, policy: RelationshipPolicy): void {
  const s = v.state;
  const cutoff = at - foldHorizonMs(policy);
  s.purchasesBeforeHorizon += dropThrough(cutoff, s.purchaseTimes, s.purchaseValues, s.purchaseOrders);
  s.refundsBeforeHorizon += dropThrough(cutoff, s.refundTimes, s.refundValues, s.refundOrders);
  s.followUpsBeforeHorizon += dropThrough(cutoff, s.pendingFollowUpTimes, s.pendingFollowUps);
  dropThrough(cutoff, s.interactionTimes);
}

/**
 * Drops the leading entries at or before `cutoff` from the ascending `times` and from the arrays
 * kept parallel to it; returns how many. Fixed parameters, not rest ones: this runs four times
 * per event, and a rest array would be one more allocation each time.
 */
function dropThrough(cutoff: number, times: number[], a?: unknown[], b?: unknown[]): number {
  let n = 0;
  while (n < times.length && times[n] <= cutoff) n++;
  if (n > 0) {
    times.splice(0, n);
    a?.splice(0, n);
    b?.splice(0, n);
  }
  return n;
}

/** Updates tallies and evidence for one fact; returns true when it caused a trust violation. */
export function applyFact(v: CustomerView, f: EventFact, policy: RelationshipPolicy, orders: OrderHistory | null = null): boolean {
  const s = v.state;
  // Sub-objects are fetched in the arms that use them: each is a separate (often cold) object.
  let violated = false;
  let rescore = 0;
  // Named increments in each arm: a keyed store by event type is megamorphic.
  const counts = v.eventCounts;
  v.eventCount++;
  if (f.position > v.position) v.position = f.position;
  v.lastEventAt = f.occurredAt;
  s.lastEventMs = f.occurredAtMs;
  s.lastPosition = f.position;
  s.lastEventId = f.eventId;
  if (f.type !== 'RelationshipEnded' && policy.segments.retention.activity === 'interaction') s.interactionTimes.push(f.occurredAtMs);
  switch (f.type) {
    case 'CustomerRegistered':
      counts.CustomerRegistered++;
      v.acquisitionChannel = f.acquisitionChannel;
      break;
    case 'ContactLogged': {
      counts.ContactLogged++;
      const ev = v.trust.evidence;
      const beh = v.lifecycle.assessment.behaviour;
      beh.contacts++;
      beh.interactions++;
      if (f.direction === 'inbound') beh.inboundContacts++;
      else {
        beh.outboundContacts++;
        ev.benevolence.positive++; // proactive outbound care
        rescore |= BENEVOLENCE;
      }
      if (f.outcome === 'resolved') {
        ev.competence.positive++;
        rescore |= COMPETENCE;
      } else if (f.outcome === 'transferred' || f.outcome === 'escalated' || f.outcome === 'abandoned') {
        ev.competence.negative++;
        rescore |= COMPETENCE;
      } else if (f.outcome === 'follow_up') {
        const id = f.contactId ?? f.eventId;
        s.pendingFollowUps.push(id);
        s.pendingFollowUpTimes.push(f.occurredAtMs);
        orders?.pendingFollowUps.push(id);
      }
      if (f.followUpOf !== null) {
        const i = s.pendingFollowUps.indexOf(f.followUpOf);
        if (i >= 0) {
          s.pendingFollowUps.splice(i, 1);
          s.pendingFollowUpTimes.splice(i, 1);
        }
        // A replay knows every pending follow-up; the live path has them all unless some fell out of the horizon (then it re-folds).
        const all = orders?.pendingFollowUps;
        const j = all ? all.indexOf(f.followUpOf) : -1;
        if (all && j >= 0) all.splice(j, 1);
        if (all ? j >= 0 : i >= 0) {
          ev.integrity.positive++;
          rescore |= INTEGRITY;
        }
      }
      if (f.sentiment !== null) {
        const band = policy.satisfaction.sentimentNeutralBand;
        if (f.sentiment > band) s.positiveSignals++;
        else if (f.sentiment < -band) s.negativeSignals++;
        else s.neutralSignals++;
      }
      noteInteraction(v, f.occurredAtMs);
      break;
    }
    case 'PurchaseMade': {
      counts.PurchaseMade++;
      const ev = v.trust.evidence;
      const beh = v.lifecycle.assessment.behaviour;
      if (v.lifecycle.stage === 'dissolution' || s.episodeStartMs === null) {
        s.episodeStartMs = f.occurredAtMs;
        s.episodePurchases = 0;
        s.episodeMaxGapMs = 0;
      } else if (s.lastPurchaseMs !== null && f.occurredAtMs - s.lastPurchaseMs > s.episodeMaxGapMs) {
        s.episodeMaxGapMs = f.occurredAtMs - s.lastPurchaseMs;
      }
      s.episodePurchases++;
      if (s.firstPurchaseMs === null) {
        s.firstPurchaseMs = f.occurredAtMs;
        v.loyalty.behavioural.firstPurchaseAt = f.occurredAt;
      }
      s.lastPurchaseMs = f.occurredAtMs;
      v.loyalty.behavioural.lastPurchaseAt = f.occurredAt;
      v.loyalty.behavioural.purchaseCount++;
      beh.purchases++;
      beh.interactions++;
      if (v.currency === null) v.currency = f.currency;
      const value = f.currency === v.currency ? f.amount : 0;
      s.purchaseTimes.push(f.occurredAtMs);
      s.purchaseValues.push(value);
      s.purchaseOrders.push(f.orderId);
      // BG/NBD counts purchase days (UTC), t_x is the first purchase of the last one.
      if (s.lastPurchaseDayStartMs === null || Math.floor(f.occurredAtMs / DAY_MS) !== Math.floor(s.lastPurchaseDayStartMs / DAY_MS)) {
        s.purchaseDays++;
        s.lastPurchaseDayStartMs = f.occurredAtMs;
      }
      if (s.purchaseDays === 1) s.firstDayValue += value;
      if (f.currency === v.currency) {
        v.historicalValue += f.amount;
        v.loyalty.behavioural.purchaseValue += f.amount;
      } else {
        const totals = foreignTotals(v, f.currency);
        totals.purchases++;
        totals.purchaseValue += f.amount;
      }
      const before = getOwn(s.categories, f.productCategory) ?? 0;
      if (before > 0) s.repeatChoices++;
      setOwn(s.categories, f.productCategory, before + 1);
      // The category list changes only here, so it is derived here rather than on every event.
      if (before === 0) v.loyalty.behavioural.categories = Object.keys(s.categories);
      if (v.complaints.filed > 0) s.purchasesAfterComplaint++;
      ev.competence.positive++;
      rescore |= COMPETENCE;
      noteInteraction(v, f.occurredAtMs);
      break;
    }
    case 'PurchaseRefunded': {
      counts.PurchaseRefunded++;
      const ev = v.trust.evidence;
      if (v.currency === null) v.currency = f.currency;
      if (f.currency === v.currency) v.historicalValue -= f.amount;
      else foreignTotals(v, f.currency).refundValue += f.amount;
      const refundedBefore = orders ? orders.refundedBefore(f.orderId) : s.refundOrders.includes(f.orderId);
      s.refundTimes.push(f.occurredAtMs);
      s.refundValues.push(f.currency === v.currency ? f.amount : 0);
      s.refundOrders.push(f.orderId);
      if (!refundedBefore) {
        // The order turns from "not refunded" (positive) into a failed exchange (negative).
        const purchased = orders ? orders.purchasedBefore(f.orderId) : s.purchaseOrders.includes(f.orderId);
        if (purchased && ev.competence.positive > 0) ev.competence.positive--;
        ev.competence.negative++;
        rescore |= COMPETENCE;
      }
      const windowMs = policy.trust.violation.refundAfterResolutionDays * DAY_MS;
      s.recentlyResolved = s.recentlyResolved.filter((r) => f.occurredAtMs - r.resolvedMs <= windowMs);
      for (let i = s.recentlyResolved.length - 1; i >= 0; i--) {
        const r = s.recentlyResolved[i];
        if (!r.violated && r.resolvedMs <= f.occurredAtMs) {
          r.violated = true;
          violate(v, 'refund-after-resolution', r.complaintId, f.eventId, f.occurredAtMs, f.occurredAt);
          violated = true;
          break;
        }
      }
      break;
    }
    case 'ComplaintFiled': {
      counts.ComplaintFiled++;
      const beh = v.lifecycle.assessment.behaviour;
      v.complaints.filed++;
      beh.complaints++;
      if (!v.complaints.open.some((c) => c.complaintId === f.complaintId)) {
        const deadline = slaDeadlineMs(f.occurredAtMs, f.severity, policy);
        v.complaints.open.push({
          complaintId: f.complaintId,
          severity: f.severity,
          category: f.category,
          filedAt: f.occurredAt,
          slaDeadline: iso(deadline),
          slaDeadlineMs: deadline,
          breached: false,
        });
      }
      break;
    }
    case 'ComplaintResolved': {
      counts.ComplaintResolved++;
      const ev = v.trust.evidence;
      const c = v.complaints;
      const i = c.open.findIndex((o) => o.complaintId === f.complaintId);
      // The publisher's verdict wins; otherwise the policy deadline of the open complaint (the measures judge alike).
      const within = resolvedWithinSla(f.withinSla, f.occurredAtMs, i >= 0 ? c.open[i].slaDeadlineMs : null);
      c.resolved++;
      if (within === true) {
        c.resolvedWithinSla++;
        ev.integrity.positive++;
      } else if (within === false) ev.integrity.negative++;
      if (f.customerAccepted) ev.benevolence.positive++;
      else ev.benevolence.negative++;
      rescore |= BENEVOLENCE | INTEGRITY;
      if (within === true && f.customerAccepted) c.recovered++;
      if (i >= 0) c.open.splice(i, 1);
      // Only a refund inside the window can still use a resolution (later facts are not earlier).
      const windowMs = policy.trust.violation.refundAfterResolutionDays * DAY_MS;
      if (s.recentlyResolved.length > 0) s.recentlyResolved = s.recentlyResolved.filter((r) => f.occurredAtMs - r.resolvedMs <= windowMs);
      s.recentlyResolved.push({ complaintId: f.complaintId, resolvedMs: f.occurredAtMs, violated: false });
      break;
    }
    case 'SatisfactionRated': {
      counts.SatisfactionRated++;
      const n = normaliseScore(f.score, f.scale);
      const sat = v.satisfaction;
      sat.ratings++;
      s.ratingSum += n;
      // A log written before contexts were kept has none: such a rating counts only overall.
      if (RATING_CONTEXTS.includes(f.context)) {
        sat.byContext[f.context].ratings++;
        s.contextRatingSums[f.context] += n;
      }
      s.recentRatings.push(n);
      if (s.recentRatings.length > 2 * policy.satisfaction.trendWindow) s.recentRatings.shift();
      sat.lastLevel = satisfactionLevel(f.score, f.scale);
      if (n >= policy.satisfaction.positiveFrom) s.positiveSignals++;
      else if (n <= policy.satisfaction.negativeUpTo) s.negativeSignals++;
      else s.neutralSignals++;
      if (f.recommendLikelihood !== null) {
        const cls = npsClass(f.recommendLikelihood, policy.nps);
        v.loyalty.conative.recommendLikelihood = f.recommendLikelihood;
        v.loyalty.conative.npsClass = cls;
        sat.npsClass = cls;
      }
      break;
    }
    case 'ReferralMade': {
      counts.ReferralMade++;
      const conative = v.loyalty.conative;
      conative.referrals++;
      // The referral links the two customers: each referred customer once, at its first referral.
      const referred = conative.referredCustomers;
      // (A log written before referred customers were kept has no `ref`.)
      if (typeof f.referredCustomerId === 'string' && f.referredCustomerId !== v.customerId && !referred.some((r) => r.customerId === f.referredCustomerId)) {
        referred.push({ customerId: f.referredCustomerId, eventId: f.eventId, occurredAt: f.occurredAt });
      }
      break;
    }
    case 'CompetitorOfferDeclined': {
      counts.CompetitorOfferDeclined++;
      const cog = v.loyalty.cognitive;
      cog.competitorOffersDeclined++;
      if (!cog.competitors.includes(f.competitor)) cog.competitors.push(f.competitor);
      break;
    }
    case 'RelationshipEnded':
      counts.RelationshipEnded++;
      break; // lifecycle rule only
    default: {
      const unhandled: never = f;
      throw new Error(`unhandled fact ${JSON.stringify(unhandled)}`);
    }
  }
  // Only the dimensions whose evidence moved (most events move none or one).
  if (rescore !== 0) {
    const t = v.trust;
    const ev = t.evidence;
    if (rescore & COMPETENCE) t.competence = trustScore(ev.competence.positive, ev.competence.negative, policy);
    if (rescore & BENEVOLENCE) t.benevolence = trustScore(ev.benevolence.positive, ev.benevolence.negative, policy);
    if (rescore & INTEGRITY) t.integrity = trustScore(ev.integrity.positive, ev.integrity.negative, policy);
  }
  return violated;
}

function foreignTotals(v: CustomerView, currency: string): CurrencyTotals {
  let totals = getOwn(v.foreignCurrencies, currency);
  if (totals === undefined) {
    totals = { purchases: 0, purchaseValue: 0, refundValue: 0 };
    setOwn(v.foreignCurrencies, currency, totals);
  }
  return totals;
}
