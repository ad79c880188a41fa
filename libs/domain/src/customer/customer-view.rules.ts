/**
 * The rules of docs/relationship-model.md §2–§3 applied to a view IN PLACE. Callers own the
 * view they pass (customer-view.evolve.ts copies before calling when purity is asked for).
 *
 * Time model: the view has a clock (state.clockMs). Time rules (SLA breach just past the
 * deadline, inactivity, volume decline, commitment by tenure or by a purchase crossing into an
 * older period, tenure-based identification) can only change the outcome at a
 * finite set of instants ("wakes") computed from the facts; `advance` visits them in order
 * and applies the rules at each, stamping changes with the wake instant. An event at t is
 * applied after advancing to t (wakes ≤ t first). So the view is a function of the applied
 * facts and the clock, never of when anyone looked at it.
 */
import { ComplaintSeverity, RATING_CONTEXTS } from '@crm/contracts';
import type { LifecycleStage, RelationshipPolicy, TrustStage } from '../policy';
import { resolvedWithinSla, slaBreachMs, slaDeadlineMs } from './complaint-sla';
import type { CurrencyTotals, CustomerView, EventFact, LifecycleRule, TrustViolationKind } from './customer-view.types';
import { DAY_MS } from './event-fact';
import { getOwn, setOwn } from './own-keys';
import { normaliseScore, npsClass, satisfactionLevel } from './satisfaction.scale';

export const TRUST_RANK: Record<TrustStage, number> = { calculus: 0, knowledge: 1, identification: 2 };

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Applies one fact: time rules up to its instant, then the fact, then the event rules. */
export function step(v: CustomerView, f: EventFact, policy: RelationshipPolicy): void {
  const s = v.state;
  if (v.eventCount === 0) {
    // The first event of any type creates the customer in awareness / calculus trust.
    s.clockMs = f.t;
    s.firstSeenMs = f.t;
    s.trustSinceMs = f.t;
    v.firstSeenAt = f.at;
    v.lifecycle.stage = 'awareness';
    v.lifecycle.since = f.at;
    v.lifecycle.transitions.push({ from: null, to: 'awareness', eventId: f.id, rule: 'first-seen', occurredAt: f.at });
    v.trust.stage = 'calculus';
    v.trust.since = f.at;
    v.trust.transitions.push({ from: null, to: 'calculus', eventId: f.id, rule: 'first-seen', occurredAt: f.at });
  } else {
    advance(v, f.t, policy);
  }
  v.log.push(f);
  const violated = applyFact(v, f, policy);
  if (f.t > s.clockMs) s.clockMs = f.t;
  // Trust first: commitment needs trust ≥ knowledge. A violation in this event blocks a rise in it.
  if (!violated) trustRise(v, f.t, f.id, f.at, policy);
  lifecycleOnEvent(v, f, policy);
}

/** Visits every wake instant in (clock, target] in order, then sets the clock to target. */
export function advance(v: CustomerView, target: number, policy: RelationshipPolicy): void {
  const s = v.state;
  for (;;) {
    const wake = nextWake(v, policy);
    if (wake > target) break;
    s.clockMs = wake;
    applyWake(v, wake, policy);
  }
  if (target > s.clockMs) s.clockMs = target;
}

function nextWake(v: CustomerView, policy: RelationshipPolicy): number {
  const s = v.state;
  const clock = s.clockMs;
  // The earliest candidate after the clock (no closure: this runs for every event).
  let next = Infinity;
  let x: number;
  const open = v.complaints.open;
  for (let i = 0; i < open.length; i++) {
    if (open[i].breached) continue;
    x = slaBreachMs(open[i].slaDeadlineMs);
    if (x > clock && x < next) next = x;
  }
  if (v.trust.stage === 'knowledge') {
    const id = policy.trust.identification;
    x = s.trustSinceMs + id.minDaysInKnowledge * DAY_MS;
    if (x > clock && x < next) next = x;
    x = s.firstSeenMs + id.minTenureDays * DAY_MS;
    if (x > clock && x < next) next = x;
  }
  const stage = v.lifecycle.stage;
  if (stage === 'expansion') {
    x = s.firstSeenMs + policy.lifecycle.commitment.minTenureDays * DAY_MS;
    if (x > clock && x < next) next = x;
    // The periods are anchored at the instant evaluated, so the number of distinct periods can
    // grow as time passes: wake where a purchase crosses into an older period, but only while
    // the rest of the rule holds (tenure, trust and satisfaction change only at events or wakes).
    if (commitmentPrerequisitesHold(v, clock, policy)) {
      x = nextPeriodEdge(v, clock, policy);
      if (x < next) next = x;
    }
  }
  if (stage !== 'dissolution' && s.lastPurchaseMs !== null && s.episodeStartMs !== null) {
    const d = policy.lifecycle.dissolution;
    x = s.lastPurchaseMs + d.inactivityDays * DAY_MS;
    if (x > clock && x < next) next = x;
    // Volume decline can only start to hold when a purchase crosses a window edge or the episode gets old enough.
    const w = d.volumeWindowDays * DAY_MS;
    x = s.episodeStartMs + 2 * w;
    if (x > clock && x < next) next = x;
    const ts = s.purchaseTimes;
    const from = firstAtOrAfter(ts, s.episodeStartMs);
    const i1 = Math.max(from, countAtOrBefore(ts, clock - w));
    if (i1 < ts.length) {
      x = ts[i1] + w;
      if (x > clock && x < next) next = x;
    }
    const i2 = Math.max(from, countAtOrBefore(ts, clock - 2 * w));
    if (i2 < ts.length) {
      x = ts[i2] + 2 * w;
      if (x > clock && x < next) next = x;
    }
  }
  return next;
}

function applyWake(v: CustomerView, at: number, policy: RelationshipPolicy): void {
  const s = v.state;
  let stamp: string | null = null;
  const when = (): string => (stamp ??= iso(at));
  let violated = false;
  for (const c of v.complaints.open) {
    // The deadline instant is still in time: breached only once it has passed.
    if (c.breached || at < slaBreachMs(c.slaDeadlineMs)) continue;
    c.breached = true;
    if (policy.trust.violation.slaBreachSeverities.includes(c.severity)) {
      violate(v, 'sla-breach', c.complaintId, null, at, when());
      violated = true;
    }
  }
  const stage = v.lifecycle.stage;
  if (stage !== 'dissolution' && s.lastPurchaseMs !== null) {
    if (at - s.lastPurchaseMs >= policy.lifecycle.dissolution.inactivityDays * DAY_MS) {
      dissolve(v, null, 'inactivity', when());
    } else if (declineHolds(v, at, policy)) {
      dissolve(v, null, 'volume-decline', when());
    }
  }
  // Only the tenure/time-based rises happen without an event.
  if (!violated && v.trust.stage === 'knowledge' && identificationHolds(v, at, policy)) {
    trustTo(v, 'identification', 'identification', null, at, when());
  }
  if (v.lifecycle.stage === 'expansion' && commitmentHolds(v, at, policy)) {
    lifecycleTo(v, 'commitment', null, 'commitment', when());
  }
}

/** Volumes of the last window (τ-W, τ] and the one before (τ-2W, τ-W], from `fromMs` on. */
export function windowVolumes(
  v: CustomerView,
  at: number,
  policy: RelationshipPolicy,
  fromMs: number,
): { last: number; prior: number; lastCount: number } {
  const d = policy.lifecycle.dissolution;
  const w = d.volumeWindowDays * DAY_MS;
  const ts = v.state.purchaseTimes;
  const hi = countAtOrBefore(ts, at);
  const lo = Math.max(countAtOrBefore(ts, at - 2 * w), firstAtOrAfter(ts, fromMs));
  const mid = Math.min(hi, Math.max(lo, countAtOrBefore(ts, at - w)));
  const lastCount = hi - mid;
  if (d.volumeMeasure === 'count') return { last: lastCount, prior: Math.max(0, mid - lo), lastCount };
  const values = v.state.purchaseValues;
  let last = 0;
  let prior = 0;
  for (let i = lo; i < mid; i++) prior += values[i];
  for (let i = mid; i < hi; i++) last += values[i];
  return { last, prior, lastCount };
}

/** Trend of the volume windows as of `at` over the whole history: windowVolumes without the object. */
export function volumeDevelopment(v: CustomerView, at: number, policy: RelationshipPolicy): 'up' | 'flat' | 'down' {
  const d = policy.lifecycle.dissolution;
  const w = d.volumeWindowDays * DAY_MS;
  const ts = v.state.purchaseTimes;
  const hi = countAtOrBefore(ts, at);
  const lo = countAtOrBefore(ts, at - 2 * w);
  const mid = Math.min(hi, Math.max(lo, countAtOrBefore(ts, at - w)));
  let last = hi - mid;
  let prior = Math.max(0, mid - lo);
  if (d.volumeMeasure !== 'count') {
    const values = v.state.purchaseValues;
    last = 0;
    prior = 0;
    for (let i = lo; i < mid; i++) prior += values[i];
    for (let i = mid; i < hi; i++) last += values[i];
  }
  return last > prior ? 'up' : last < prior ? 'down' : 'flat';
}

function declineHolds(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  const s = v.state;
  const d = policy.lifecycle.dissolution;
  // "While the customer was active": both windows lie inside the current episode and it still buys.
  if (s.episodeStartMs === null || at - 2 * d.volumeWindowDays * DAY_MS < s.episodeStartMs) return false;
  const { last, prior, lastCount } = windowVolumes(v, at, policy, s.episodeStartMs);
  return lastCount >= 1 && last < d.volumeDeclineRatio * prior;
}

function satisfactionAtLeast(v: CustomerView, min: number): boolean {
  const n = v.satisfaction.ratings;
  return n === 0 || v.state.ratingSum / n >= min - 1e-9;
}

function hasOpenComplaint(v: CustomerView, severities: readonly ComplaintSeverity[]): boolean {
  for (const c of v.complaints.open) if (severities.includes(c.severity)) return true;
  return false;
}

/** Number of ascending `ts` entries ≤ x (binary search). */
export function countAtOrBefore(ts: readonly number[], x: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (ts[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Index of the first ascending `ts` entry ≥ x. */
function firstAtOrAfter(ts: readonly number[], x: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (ts[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function episodePurchasesSince(v: CustomerView, from: number, at: number): number {
  const s = v.state;
  if (s.episodeStartMs === null) return 0;
  const ts = s.purchaseTimes;
  const lo = Math.max(countAtOrBefore(ts, from), firstAtOrAfter(ts, s.episodeStartMs));
  return Math.max(0, countAtOrBefore(ts, at) - lo);
}

/** Commitment without its purchase-period condition: tenure (from first seen), trust, satisfaction. */
function commitmentPrerequisitesHold(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  const c = policy.lifecycle.commitment;
  if (at - v.state.firstSeenMs < c.minTenureDays * DAY_MS) return false;
  if (TRUST_RANK[v.trust.stage] < TRUST_RANK[c.minTrustStage]) return false;
  return satisfactionAtLeast(v, c.minSatisfaction);
}

/**
 * Distinct periods with a purchase of the current episode, as of `at`: period k is
 * (at − (k+1)·periodDays, at − k·periodDays], consecutive periods back from `at` inside the
 * lookback (at − lookbackDays, at]. Stops counting at `enough`.
 */
function distinctPurchasePeriods(v: CustomerView, at: number, policy: RelationshipPolicy, enough = Infinity): number {
  const c = policy.lifecycle.commitment;
  const s = v.state;
  const period = c.periodDays * DAY_MS;
  const from = at - c.lookbackDays * DAY_MS;
  const start = s.episodeStartMs ?? Infinity;
  const ts = s.purchaseTimes;
  // Walking the ascending times backwards, the period index never decreases: a change is a new period.
  let distinct = 0;
  let previous = -1;
  for (let i = countAtOrBefore(ts, at) - 1; i >= 0; i--) {
    const t = ts[i];
    if (t <= from || t < start) break;
    const k = Math.floor((at - t) / period);
    if (k !== previous) {
      previous = k;
      if (++distinct >= enough) break;
    }
  }
  return distinct;
}

/** The next instant after `clock` at which a purchase of the lookback moves into an older period. */
function nextPeriodEdge(v: CustomerView, clock: number, policy: RelationshipPolicy): number {
  const c = policy.lifecycle.commitment;
  const s = v.state;
  const period = c.periodDays * DAY_MS;
  const lookback = c.lookbackDays * DAY_MS;
  const start = s.episodeStartMs ?? Infinity;
  const ts = s.purchaseTimes;
  let next = Infinity;
  for (let i = countAtOrBefore(ts, clock) - 1; i >= 0; i--) {
    const t = ts[i];
    if (t <= clock - lookback || t < start) break;
    const edge = t + (Math.floor((clock - t) / period) + 1) * period;
    // Still inside the lookback there (leaving it never adds a period).
    if (edge - t < lookback && edge < next) next = edge;
  }
  return next;
}

function commitmentHolds(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  if (!commitmentPrerequisitesHold(v, at, policy)) return false;
  const min = policy.lifecycle.commitment.minDistinctPeriods;
  return distinctPurchasePeriods(v, at, policy, min) >= min;
}

function identificationHolds(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  const id = policy.trust.identification;
  const s = v.state;
  if (at - s.trustSinceMs < id.minDaysInKnowledge * DAY_MS) return false;
  if (!satisfactionAtLeast(v, id.minSatisfaction)) return false;
  if (id.requireNoOpenComplaint && v.complaints.open.length > 0) return false;
  return v.loyalty.conative.referrals >= id.minReferrals || at - s.firstSeenMs >= id.minTenureDays * DAY_MS;
}

function knowledgeHolds(v: CustomerView, policy: RelationshipPolicy): boolean {
  const k = policy.trust.knowledge;
  const s = v.state;
  return (
    s.trustInteractions >= k.minInteractions &&
    s.trustFirstInteractionMs !== null &&
    s.trustLastInteractionMs !== null &&
    s.trustLastInteractionMs - s.trustFirstInteractionMs >= k.minSpanDays * DAY_MS &&
    v.trust.competence >= k.minCompetence
  );
}

/** At most one trust step up. */
function trustRise(v: CustomerView, at: number, eventId: string, occurredAt: string, policy: RelationshipPolicy): void {
  if (v.trust.stage === 'calculus') {
    if (knowledgeHolds(v, policy)) trustTo(v, 'knowledge', 'knowledge', eventId, at, occurredAt);
  } else if (v.trust.stage === 'knowledge') {
    if (identificationHolds(v, at, policy)) trustTo(v, 'identification', 'identification', eventId, at, occurredAt);
  }
}

function trustTo(
  v: CustomerView,
  to: TrustStage,
  rule: 'knowledge' | 'identification' | TrustViolationKind,
  eventId: string | null,
  at: number,
  occurredAt: string,
): void {
  v.trust.transitions.push({ from: v.trust.stage, to, eventId, rule, occurredAt });
  v.trust.stage = to;
  v.trust.since = occurredAt;
  v.state.trustSinceMs = at;
}

const TRUST_DROP: Record<TrustStage, TrustStage> = { identification: 'knowledge', knowledge: 'calculus', calculus: 'calculus' };

/** A violation drops trust one stage and restarts the experience that knowledge-based trust counts. */
function violate(
  v: CustomerView,
  kind: TrustViolationKind,
  complaintId: string,
  eventId: string | null,
  at: number,
  occurredAt: string,
): void {
  const from = v.trust.stage;
  const to = TRUST_DROP[from];
  v.trust.violations.push({ kind, complaintId, eventId, occurredAt, from, to });
  if (to !== from) trustTo(v, to, kind, eventId, at, occurredAt);
  const s = v.state;
  s.trustInteractions = 0;
  s.trustFirstInteractionMs = null;
  s.trustLastInteractionMs = null;
}

function lifecycleTo(v: CustomerView, to: LifecycleStage, eventId: string | null, rule: LifecycleRule, occurredAt: string): void {
  const lc = v.lifecycle;
  lc.transitions.push({ from: lc.stage, to, eventId, rule, occurredAt });
  lc.stage = to;
  lc.since = occurredAt;
}

function dissolve(
  v: CustomerView,
  eventId: string | null,
  rule: 'relationship-ended' | 'volume-decline' | 'inactivity',
  occurredAt: string,
): void {
  lifecycleTo(v, 'dissolution', eventId, rule, occurredAt);
  v.lifecycle.dissolvedBy = rule;
}

function lifecycleOnEvent(v: CustomerView, f: EventFact, policy: RelationshipPolicy): void {
  const lc = v.lifecycle;
  if (f.k === 'RelationshipEnded') {
    v.churnReason = f.r;
    if (lc.stage !== 'dissolution') dissolve(v, f.id, 'relationship-ended', f.at);
    return;
  }
  if (lc.stage === 'dissolution') {
    if (f.k === 'PurchaseMade') {
      lc.winBacks++;
      lc.dissolvedBy = null;
      v.churnReason = null;
      lifecycleTo(v, 'exploration', f.id, 'win-back', f.at);
    }
    return;
  }
  const s = v.state;
  switch (lc.stage) {
    case 'awareness':
      if (s.episodePurchases >= 1) lifecycleTo(v, 'exploration', f.id, 'first-purchase', f.at);
      return;
    case 'exploration': {
      const e = policy.lifecycle.expansion;
      if (
        episodePurchasesSince(v, f.t - e.windowDays * DAY_MS, f.t) >= e.minPurchases &&
        !hasOpenComplaint(v, e.blockingSeverities)
      ) {
        lifecycleTo(v, 'expansion', f.id, 'repeat-purchases', f.at);
      }
      return;
    }
    case 'expansion':
      if (commitmentHolds(v, f.t, policy)) lifecycleTo(v, 'commitment', f.id, 'commitment', f.at);
      return;
    case 'commitment':
      return;
    default: {
      const unreachable: never = lc.stage;
      throw new Error(`unhandled stage ${String(unreachable)}`);
    }
  }
}

function noteInteraction(v: CustomerView, t: number): void {
  const s = v.state;
  s.trustInteractions++;
  if (s.trustFirstInteractionMs === null) s.trustFirstInteractionMs = t;
  s.trustLastInteractionMs = t;
}

const score = (positive: number, negative: number, policy: RelationshipPolicy): number => {
  const { priorPositive, priorNegative } = policy.trust.score;
  return Math.round((100 * (positive + priorPositive)) / (positive + negative + priorPositive + priorNegative));
};

const COMPETENCE = 1;
const BENEVOLENCE = 2;
const INTEGRITY = 4;

/** Updates tallies and evidence for one fact; returns true when it caused a trust violation. */
function applyFact(v: CustomerView, f: EventFact, policy: RelationshipPolicy): boolean {
  const s = v.state;
  // Sub-objects are fetched in the arms that use them: each is a separate (often cold) object.
  let violated = false;
  let rescore = 0;
  // Named increments in each arm: a keyed store by event type is megamorphic.
  const counts = v.eventCounts;
  v.eventCount++;
  if (f.p > v.position) v.position = f.p;
  v.lastEventAt = f.at;
  switch (f.k) {
    case 'CustomerRegistered':
      counts.CustomerRegistered++;
      v.acquisitionChannel = f.ch;
      break;
    case 'ContactLogged': {
      counts.ContactLogged++;
      const ev = v.trust.evidence;
      const beh = v.lifecycle.assessment.behaviour;
      beh.contacts++;
      beh.interactions++;
      if (f.dir === 'inbound') beh.inboundContacts++;
      else {
        beh.outboundContacts++;
        ev.benevolence.positive++; // proactive outbound care
        rescore |= BENEVOLENCE;
      }
      if (f.out === 'resolved') {
        ev.competence.positive++;
        rescore |= COMPETENCE;
      } else if (f.out === 'transferred' || f.out === 'escalated' || f.out === 'abandoned') {
        ev.competence.negative++;
        rescore |= COMPETENCE;
      } else if (f.out === 'follow_up') s.pendingFollowUps.push(f.cid ?? f.id);
      if (f.fu !== null) {
        const i = s.pendingFollowUps.indexOf(f.fu);
        if (i >= 0) {
          s.pendingFollowUps.splice(i, 1);
          ev.integrity.positive++;
          rescore |= INTEGRITY;
        }
      }
      if (f.s !== null) {
        const band = policy.satisfaction.sentimentNeutralBand;
        if (f.s > band) s.positiveSignals++;
        else if (f.s < -band) s.negativeSignals++;
        else s.neutralSignals++;
      }
      noteInteraction(v, f.t);
      break;
    }
    case 'PurchaseMade': {
      counts.PurchaseMade++;
      const ev = v.trust.evidence;
      const beh = v.lifecycle.assessment.behaviour;
      if (v.lifecycle.stage === 'dissolution' || s.episodeStartMs === null) {
        s.episodeStartMs = f.t;
        s.episodePurchases = 0;
        s.episodeMaxGapMs = 0;
      } else if (s.lastPurchaseMs !== null && f.t - s.lastPurchaseMs > s.episodeMaxGapMs) {
        s.episodeMaxGapMs = f.t - s.lastPurchaseMs;
      }
      s.episodePurchases++;
      if (s.firstPurchaseMs === null) {
        s.firstPurchaseMs = f.t;
        v.loyalty.behavioural.firstPurchaseAt = f.at;
      }
      s.lastPurchaseMs = f.t;
      v.loyalty.behavioural.lastPurchaseAt = f.at;
      v.loyalty.behavioural.purchaseCount++;
      beh.purchases++;
      beh.interactions++;
      if (v.currency === null) v.currency = f.c;
      s.purchaseTimes.push(f.t);
      s.purchaseValues.push(f.c === v.currency ? f.a : 0);
      if (f.c === v.currency) {
        v.historicalValue += f.a;
        v.loyalty.behavioural.purchaseValue += f.a;
      } else {
        const totals = foreignTotals(v, f.c);
        totals.purchases++;
        totals.purchaseValue += f.a;
      }
      const before = getOwn(s.categories, f.cat) ?? 0;
      if (before > 0) s.repeatChoices++;
      setOwn(s.categories, f.cat, before + 1);
      // The category list changes only here, so it is derived here rather than on every event.
      if (before === 0) v.loyalty.behavioural.categories = Object.keys(s.categories);
      if (v.complaints.filed > 0) s.purchasesAfterComplaint++;
      ev.competence.positive++;
      rescore |= COMPETENCE;
      noteInteraction(v, f.t);
      break;
    }
    case 'PurchaseRefunded': {
      counts.PurchaseRefunded++;
      const ev = v.trust.evidence;
      if (v.currency === null) v.currency = f.c;
      if (f.c === v.currency) v.historicalValue -= f.a;
      else foreignTotals(v, f.c).refundValue += f.a;
      if (!s.refundedOrders.includes(f.o)) {
        s.refundedOrders.push(f.o);
        // The order turns from "not refunded" (positive) into a failed exchange (negative).
        if (hasPurchase(v, f.o) && ev.competence.positive > 0) ev.competence.positive--;
        ev.competence.negative++;
        rescore |= COMPETENCE;
      }
      const windowMs = policy.trust.violation.refundAfterResolutionDays * DAY_MS;
      s.recentlyResolved = s.recentlyResolved.filter((r) => f.t - r.resolvedMs <= windowMs);
      for (let i = s.recentlyResolved.length - 1; i >= 0; i--) {
        const r = s.recentlyResolved[i];
        if (!r.violated && r.resolvedMs <= f.t) {
          r.violated = true;
          violate(v, 'refund-after-resolution', r.complaintId, f.id, f.t, f.at);
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
      if (!v.complaints.open.some((c) => c.complaintId === f.cid)) {
        const deadline = slaDeadlineMs(f.t, f.sev, policy);
        v.complaints.open.push({
          complaintId: f.cid,
          severity: f.sev,
          category: f.cat,
          filedAt: f.at,
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
      const i = c.open.findIndex((o) => o.complaintId === f.cid);
      // The publisher's verdict wins; otherwise the policy deadline of the open complaint (the measures judge alike).
      const within = resolvedWithinSla(f.sla, f.t, i >= 0 ? c.open[i].slaDeadlineMs : null);
      c.resolved++;
      if (within === true) {
        c.resolvedWithinSla++;
        ev.integrity.positive++;
      } else if (within === false) ev.integrity.negative++;
      if (f.acc) ev.benevolence.positive++;
      else ev.benevolence.negative++;
      rescore |= BENEVOLENCE | INTEGRITY;
      if (within === true && f.acc) c.recovered++;
      if (i >= 0) c.open.splice(i, 1);
      s.recentlyResolved.push({ complaintId: f.cid, resolvedMs: f.t, violated: false });
      break;
    }
    case 'SatisfactionRated': {
      counts.SatisfactionRated++;
      const n = normaliseScore(f.sc, f.scale);
      const sat = v.satisfaction;
      sat.ratings++;
      s.ratingSum += n;
      // A log written before contexts were kept has none: such a rating counts only overall.
      if (RATING_CONTEXTS.includes(f.ctx)) {
        sat.byContext[f.ctx].ratings++;
        s.contextRatingSums[f.ctx] += n;
      }
      s.recentRatings.push(n);
      if (s.recentRatings.length > 2 * policy.satisfaction.trendWindow) s.recentRatings.shift();
      sat.lastLevel = satisfactionLevel(f.sc, f.scale);
      if (n >= policy.satisfaction.positiveFrom) s.positiveSignals++;
      else if (n <= policy.satisfaction.negativeUpTo) s.negativeSignals++;
      else s.neutralSignals++;
      if (f.rl !== null) {
        const cls = npsClass(f.rl, policy.nps);
        v.loyalty.conative.recommendLikelihood = f.rl;
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
      if (typeof f.ref === 'string' && f.ref !== v.customerId && !referred.some((r) => r.customerId === f.ref)) {
        referred.push({ customerId: f.ref, eventId: f.id, occurredAt: f.at });
      }
      break;
    }
    case 'CompetitorOfferDeclined': {
      counts.CompetitorOfferDeclined++;
      const cog = v.loyalty.cognitive;
      cog.competitorOffersDeclined++;
      if (!cog.competitors.includes(f.comp)) cog.competitors.push(f.comp);
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
    if (rescore & COMPETENCE) t.competence = score(ev.competence.positive, ev.competence.negative, policy);
    if (rescore & BENEVOLENCE) t.benevolence = score(ev.benevolence.positive, ev.benevolence.negative, policy);
    if (rescore & INTEGRITY) t.integrity = score(ev.integrity.positive, ev.integrity.negative, policy);
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

function hasPurchase(v: CustomerView, orderId: string): boolean {
  const log = v.log;
  for (let i = log.length - 1; i >= 0; i--) {
    const f = log[i];
    if (f.k === 'PurchaseMade' && f.o === orderId) return true;
  }
  return false;
}
