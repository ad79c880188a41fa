/**
 * evolve / evaluate / foldEvents: the customer view as a deterministic function of the SET of
 * its events (plus an as-of time). Application order is (occurredAt, position, eventId).
 * In-order events apply incrementally; a late event (earlier key than the last applied, or
 * earlier than the clock an evaluate moved to) re-folds the retained compact log.
 */
import { RATING_CONTEXTS, StoredInteractionEvent } from '@crm/contracts';
import { CustomerMismatchError, InvalidEventError } from '../domain.errors';
import type { RelationshipPolicy } from '../policy';
import { EventFact, compareFacts, fromLegacyFact, isLegacyLog, toFact } from '../fold/event-fact';
import { step } from '../fold/fold-step';
import { advance } from '../time-rules/wakes';
import type { CustomerView, LoyalTrait } from './customer-view.types';
import { initialView } from './customer-view.initial';
import { finalize, finalizeAfter } from './customer-view.read-outs';
import { copyOwn } from './own-keys';

// The applied ids are the log's ids. A redelivered stored event has the same key
// (occurredAt, position, eventId) as its first delivery, so it never lands on the fast path
// (key after the last applied); only events at or before the last key need the id scan.
function hasApplied(log: readonly EventFact[], id: string): boolean {
  for (let i = log.length - 1; i >= 0; i--) if (log[i].eventId === id) return true;
  return false;
}

function isAfterLast(view: CustomerView, fact: EventFact): boolean {
  const clock = view.state.clockMs;
  // The clock is never before the last applied fact, so a later instant needs no look at it
  // (it is usually cold in the cache: the customer's previous event was long ago).
  if (fact.occurredAtMs > clock && view.eventCount > 0) return true;
  const last = view.log[view.log.length - 1];
  return last === undefined || (compareFacts(last, fact) < 0 && fact.occurredAtMs >= clock);
}

/** Folds sorted, unique facts from scratch; optionally advances the clock further (an earlier evaluate). */
function replay(customerId: string, facts: readonly EventFact[], policy: RelationshipPolicy, advanceTo: number | null): CustomerView {
  const v = initialView(customerId, policy);
  for (const f of facts) step(v, f, policy);
  if (facts.length > 0) {
    if (advanceTo !== null && advanceTo > v.state.clockMs) advance(v, advanceTo, policy);
    finalize(v, policy);
  }
  return v;
}

function insertSorted(log: readonly EventFact[], fact: EventFact): EventFact[] {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (compareFacts(log[m], fact) > 0) hi = m;
    else lo = m + 1;
  }
  const out = log.slice();
  out.splice(lo, 0, fact);
  return out;
}

/**
 * A view stored before its current fields existed (satisfaction by context, referred customers)
 * is re-folded from its log like a view of another policy; the log of such a view has no rating
 * contexts or referred customers, which a replay from the event store (npm run rebuild) fills in.
 */
function needsRefold(view: CustomerView, policy: RelationshipPolicy): boolean {
  return (
    view.policyVersion !== policy.policyVersion ||
    view.satisfaction.byContext === undefined ||
    view.state.contextRatingSums === undefined ||
    view.loyalty.conative.referredCustomers === undefined
  );
}

function checkCustomer(view: CustomerView, event: StoredInteractionEvent): void {
  if (event.customerId !== view.customerId) throw new CustomerMismatchError(view.customerId, event.customerId, event.eventId);
}

const readableLog = (log: readonly EventFact[]): EventFact[] => log.map((f) => fromLegacyFact(f as unknown as Record<string, unknown>));

/** A view stored with the facts' short field names gets the readable ones (nothing else differs). */
function upgradeLog(view: CustomerView): void {
  if (isLegacyLog(view.log)) view.log = readableLog(view.log);
}

/** The same, as a copy (the pure paths never change the view they are given). */
const withReadableLog = (view: CustomerView): CustomerView => (isLegacyLog(view.log) ? { ...view, log: readableLog(view.log) } : view);

/**
 * Applies one event to `view`, mutating it (the projector's hot path: it owns the view it
 * loaded). Returns false when the event was already applied (nothing changed).
 */
export function evolveInPlace(view: CustomerView, event: StoredInteractionEvent, policy: RelationshipPolicy): boolean {
  checkCustomer(view, event);
  upgradeLog(view);
  const fact = toFact(event);
  const inOrder = isAfterLast(view, fact);
  const applied = !inOrder && hasApplied(view.log, fact.eventId);
  if (needsRefold(view, policy)) {
    // A new policy is a reason to replay: re-fold everything under it.
    const log = applied ? view.log : insertSorted(view.log, fact);
    Object.assign(view, replay(view.customerId, log, policy, view.eventCount > 0 ? view.state.clockMs : null));
    return true;
  }
  if (applied) return false;
  if (inOrder) {
    const trustBefore = view.trust.stage;
    step(view, fact, policy);
    finalizeAfter(view, policy, fact.type, trustBefore);
    return true;
  }
  Object.assign(view, replay(view.customerId, insertSorted(view.log, fact), policy, view.state.clockMs));
  return true;
}

// Object spread keeps each object's key order (so the JSON is unchanged) and is far cheaper
// than a generic recursive copy; only what the rules mutate or push into needs a copy.
const copyAll = <T extends object>(xs: readonly T[]): T[] => xs.map((x) => ({ ...x }));

function copyEvidence(e: LoyalTrait['evidence']): LoyalTrait['evidence'] {
  const out = { ...e };
  for (const k in out) {
    const x = out[k];
    if (Array.isArray(x)) out[k] = x.slice();
  }
  return out;
}

const copyTrait = (t: LoyalTrait): LoyalTrait => ({ ...t, evidence: copyEvidence(t.evidence) });

function copyByContext(byContext: CustomerView['satisfaction']['byContext']): CustomerView['satisfaction']['byContext'] {
  const out = {} as CustomerView['satisfaction']['byContext'];
  for (const context of RATING_CONTEXTS) out[context] = { ...byContext[context] };
  return out;
}

/** A copy safe to mutate: log entries (facts) are immutable and shared, everything else copied. */
export function cloneView(view: CustomerView): CustomerView {
  const lc = view.lifecycle;
  const as = lc.assessment;
  const tr = view.trust;
  const ly = view.loyalty;
  const traits = ly.traits;
  const sat = view.satisfaction;
  const s = view.state;
  return {
    ...view,
    eventCounts: { ...view.eventCounts },
    foreignCurrencies: copyOwn(view.foreignCurrencies, (totals) => ({ ...totals })),
    lifecycle: {
      ...lc,
      transitions: copyAll(lc.transitions),
      assessment: { ...as, quality: { ...as.quality }, behaviour: { ...as.behaviour }, value: { ...as.value } },
    },
    trust: {
      ...tr,
      evidence: {
        ...tr.evidence,
        competence: { ...tr.evidence.competence },
        benevolence: { ...tr.evidence.benevolence },
        integrity: { ...tr.evidence.integrity },
      },
      transitions: copyAll(tr.transitions),
      violations: copyAll(tr.violations),
    },
    loyalty: {
      ...ly,
      behavioural: { ...ly.behavioural, categories: ly.behavioural.categories.slice() },
      affective: { ...ly.affective },
      conative: { ...ly.conative, referredCustomers: ly.conative.referredCustomers.slice() },
      cognitive: { ...ly.cognitive, competitors: ly.cognitive.competitors.slice() },
      traits: {
        ...traits,
        regularRepeatPurchases: copyTrait(traits.regularRepeatPurchases),
        buysSeveralCategories: copyTrait(traits.buysSeveralCategories),
        recommendsOthers: copyTrait(traits.recommendsOthers),
        resistsCompetitors: copyTrait(traits.resistsCompetitors),
        toleratesFailure: copyTrait(traits.toleratesFailure),
      },
    },
    satisfaction: {
      ...sat,
      byContext: copyByContext(sat.byContext),
      lastLevel: sat.lastLevel === null ? null : { ...sat.lastLevel },
    },
    complaints: { ...view.complaints, open: copyAll(view.complaints.open) },
    state: {
      ...s,
      purchaseTimes: s.purchaseTimes.slice(),
      purchaseValues: s.purchaseValues.slice(),
      recentRatings: s.recentRatings.slice(),
      contextRatingSums: { ...s.contextRatingSums },
      categories: copyOwn(s.categories),
      refundedOrders: s.refundedOrders.slice(),
      pendingFollowUps: s.pendingFollowUps.slice(),
      recentlyResolved: copyAll(s.recentlyResolved),
    },
    log: view.log.slice(),
  };
}

/** Pure: returns a new view with the event applied, or the same view when it was already applied. */
export function evolve(view: CustomerView, event: StoredInteractionEvent, policy: RelationshipPolicy): CustomerView {
  checkCustomer(view, event);
  view = withReadableLog(view);
  if (view.policyVersion === policy.policyVersion) {
    const t = Date.parse(event.occurredAt);
    const last = view.log[view.log.length - 1];
    // Only an event not after the last applied one can be a redelivery.
    const maybeApplied =
      last !== undefined &&
      (t < last.occurredAtMs || (t === last.occurredAtMs && event.position <= last.position) || t < view.state.clockMs);
    if (maybeApplied && hasApplied(view.log, event.eventId)) return view;
  }
  // A view to re-fold is replaced whole (top-level fields), so a shallow copy protects the original.
  const next = needsRefold(view, policy) ? { ...view } : cloneView(view);
  evolveInPlace(next, event, policy);
  return next;
}

/**
 * The view as of `asOf`: time rules (inactivity and volume-decline dissolution, SLA breach,
 * tenure-based commitment and identification, recency) applied up to that instant. An asOf
 * earlier than the view's clock rebuilds the view from the events that occurred by then.
 */
export function evaluate(view: CustomerView, asOf: string, policy: RelationshipPolicy): CustomerView {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new InvalidEventError('(evaluate)', `asOf is not a date: ${asOf}`);
  if (view.eventCount === 0) return view.policyVersion === policy.policyVersion ? view : initialView(view.customerId, policy);
  view = withReadableLog(view);
  if (needsRefold(view, policy) || at < view.state.clockMs) {
    return replay(view.customerId, view.log.filter((f) => f.occurredAtMs <= at), policy, at);
  }
  const next = cloneView(view);
  advance(next, at, policy);
  finalize(next, policy);
  return next;
}

/** Full replay of a customer's events in any order (duplicates by eventId count once). */
export function foldEvents(
  customerId: string,
  events: Iterable<StoredInteractionEvent>,
  policy: RelationshipPolicy,
): CustomerView {
  const byId = new Map<string, EventFact>();
  for (const event of events) {
    if (event.customerId !== customerId) throw new CustomerMismatchError(customerId, event.customerId, event.eventId);
    const fact = toFact(event);
    const seen = byId.get(fact.eventId);
    if (seen === undefined || compareFacts(fact, seen) < 0) byId.set(fact.eventId, fact);
  }
  return replay(customerId, [...byId.values()].sort(compareFacts), policy, null);
}
