/**
 * evolve / evaluate / foldEvents: the customer view as a deterministic function of the SET of
 * its events (plus an as-of time). Application order is (occurredAt, position, eventId).
 * In-order events apply incrementally to the compact fold state. What the fold state cannot
 * answer — a late event (an earlier key than the last applied one, or earlier than the clock
 * an evaluate moved to), an asOf before the clock, a new policy, a refund of an order bought
 * before the horizon — is answered from the customer's history, the events the view has
 * applied (its stream in the event store), folded from scratch. The caller gives that history
 * (`EventHistory`); `tryEvolveInPlace` tells an asynchronous caller when to read it.
 */
import { RATING_CONTEXTS, StoredInteractionEvent } from '@crm/contracts';
import { CustomerMismatchError, HistoryRequiredError, InvalidEventError } from '../domain.errors';
import type { RelationshipPolicy } from '../policy';
import { EventFact, compareFacts, fromLegacyFact, isFoldedEvent, isLegacyLog, toFact } from '../fold/event-fact';
import { OrderHistory, followUpNeedsHistory, refundNeedsHistory } from '../fold/event-tallies';
import { step } from '../fold/fold-step';
import { advance } from '../time-rules/wakes';
import type { CustomerView, LoyalTrait } from './customer-view.types';
import { initialView } from './customer-view.initial';
import { finalize, finalizeAfter } from './customer-view.read-outs';
import { copyOwn } from './own-keys';

/**
 * The customer's events the view has applied, in any order (duplicates count once): its
 * stream in the event store. Called only when the fold state cannot answer on its own.
 */
export type EventHistory = () => Iterable<StoredInteractionEvent>;

/**
 * What `tryEvolveInPlace` did: applied, already applied (nothing changed), nothing yet because it
 * needs the history, or passed by (nothing changed): a bookkeeping event (CustomersMerged), which
 * the fold never applies (isFoldedEvent).
 */
export type EvolveOutcome = 'applied' | 'already-applied' | 'needs-history' | 'not-folded';

/** A view stored before the fold state (it carried every fact in `log`): its log is its history. */
type StoredView = CustomerView & { log?: EventFact[] };

function legacyFacts(view: CustomerView): EventFact[] | null {
  const log = (view as StoredView).log;
  if (!Array.isArray(log)) return null;
  return isLegacyLog(log) ? log.map((f) => fromLegacyFact(f as unknown as Record<string, unknown>)) : log;
}

/** Whether `fact` is after the last applied fact and not before the clock: the fast path. */
function isAfterLast(view: CustomerView, fact: EventFact): boolean {
  if (view.eventCount === 0) return true;
  const s = view.state;
  // The clock is never before the last applied fact, so a later instant needs no other look.
  if (fact.occurredAtMs > s.clockMs) return true;
  if (fact.occurredAtMs < s.clockMs || fact.occurredAtMs < s.lastEventMs) return false;
  if (fact.occurredAtMs > s.lastEventMs) return true;
  if (fact.position !== s.lastPosition) return fact.position > s.lastPosition;
  return s.lastEventId !== null && fact.eventId > s.lastEventId;
}

/** The last applied fact again (a redelivery the state recognises without the history). */
function isLastApplied(view: CustomerView, fact: EventFact): boolean {
  const s = view.state;
  return view.eventCount > 0 && fact.eventId === s.lastEventId && fact.occurredAtMs === s.lastEventMs && fact.position === s.lastPosition;
}

/**
 * A view stored before its current fields existed (satisfaction by context, referred customers,
 * the compact fold state) is re-folded like a view of another policy.
 */
function needsRefold(view: CustomerView, policy: RelationshipPolicy): boolean {
  return (
    view.policyVersion !== policy.policyVersion ||
    view.satisfaction.byContext === undefined ||
    view.state.contextRatingSums === undefined ||
    view.loyalty.conative.referredCustomers === undefined ||
    view.state.purchaseOrders === undefined ||
    view.state.pendingFollowUpTimes === undefined ||
    view.lifecycle.earlierTransitions === undefined
  );
}

function checkCustomer(view: CustomerView, event: StoredInteractionEvent): void {
  if (event.customerId !== view.customerId) throw new CustomerMismatchError(view.customerId, event.customerId, event.eventId);
}

/** The order index of a replay: what the fold state's windows dropped, from the complete facts. */
class ReplayOrders implements OrderHistory {
  cursor = 0;
  readonly pendingFollowUps: string[] = [];
  private readonly firstPurchase = new Map<string, number>();
  private readonly firstRefund = new Map<string, number>();
  constructor(facts: readonly EventFact[]) {
    facts.forEach((f, i) => {
      if (f.type === 'PurchaseMade' && !this.firstPurchase.has(f.orderId)) this.firstPurchase.set(f.orderId, i);
      else if (f.type === 'PurchaseRefunded' && !this.firstRefund.has(f.orderId)) this.firstRefund.set(f.orderId, i);
    });
  }
  purchasedBefore(orderId: string): boolean {
    return (this.firstPurchase.get(orderId) ?? Infinity) < this.cursor;
  }
  refundedBefore(orderId: string): boolean {
    return (this.firstRefund.get(orderId) ?? Infinity) < this.cursor;
  }
}

/**
 * Folds sorted, unique facts into a fresh view; the index of the fact whose step threw (and the
 * error), or null. A throw leaves the view half-changed: the caller drops it.
 */
function foldFacts(v: CustomerView, facts: readonly EventFact[], policy: RelationshipPolicy, keepPublishedHistory: boolean): { index: number; error: unknown } | null {
  const orders = facts.some((f) => f.type === 'PurchaseRefunded' || (f.type === 'ContactLogged' && f.followUpOf !== null)) ? new ReplayOrders(facts) : null;
  let i = 0;
  try {
    for (; i < facts.length; i++) {
      if (orders) orders.cursor = i;
      step(v, facts[i], policy, orders, keepPublishedHistory);
    }
  } catch (error) {
    return { index: i, error };
  }
  return null;
}

/**
 * Folds sorted, unique facts from scratch; optionally advances the clock further (an earlier
 * evaluate). A fact whose step throws is left out and the fold goes on from the state before
 * it: the live rule (the projection runner skips and reports an event its fold throws on), so a
 * re-fold of a history that still holds such an event gives the view the live fold kept. Steps
 * are deterministic, so folding again without it IS the state before it (the step mutates in
 * place; the prefix is not restored, it is recomputed). Only `required` (the event being evolved)
 * is not left out: its failure is thrown, for the caller to report.
 */
function replay(
  customerId: string,
  facts: readonly EventFact[],
  policy: RelationshipPolicy,
  advanceTo: number | null,
  required: string | null = null,
  keepPublishedHistory = false,
): CustomerView {
  let kept = facts;
  for (;;) {
    const v = initialView(customerId, policy);
    const failed = foldFacts(v, kept, policy, keepPublishedHistory);
    if (failed !== null) {
      if (kept[failed.index].eventId === required) throw failed.error;
      kept = kept.filter((_, i) => i !== failed.index);
      continue;
    }
    if (kept.length > 0) {
      if (advanceTo !== null && advanceTo > v.state.clockMs) advance(v, advanceTo, policy);
      finalize(v, policy);
    }
    return v;
  }
}

/** The history's facts, each event once (its first key), in application order; an event that is no fact (toFact throws) is left out. */
function historyFacts(customerId: string, events: Iterable<StoredInteractionEvent>): EventFact[] {
  const byId = new Map<string, EventFact>();
  for (const event of events) {
    if (event.customerId !== customerId) throw new CustomerMismatchError(customerId, event.customerId, event.eventId);
    if (!isFoldedEvent(event)) continue;
    let fact: EventFact;
    try {
      fact = toFact(event);
    } catch {
      // The live fold threw on it too (toFact is its first step) and skipped it: so does a re-fold.
      continue;
    }
    const seen = byId.get(fact.eventId);
    if (seen === undefined || compareFacts(fact, seen) < 0) byId.set(fact.eventId, fact);
  }
  return [...byId.values()].sort(compareFacts);
}

function insertSorted(facts: readonly EventFact[], fact: EventFact): EventFact[] {
  let lo = 0;
  let hi = facts.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (compareFacts(facts[m], fact) > 0) hi = m;
    else lo = m + 1;
  }
  const out = facts.slice();
  out.splice(lo, 0, fact);
  return out;
}

/** Replaces the view's content with `next` (a stored view of the old layout also loses its log). */
function replaceWith(view: CustomerView, next: CustomerView): void {
  delete (view as StoredView).log;
  Object.assign(view, next);
}

/**
 * The fast path, or nothing: applies `event` when the fold state can (the projector's hot path:
 * it owns the view it loaded), says 'already-applied' for a redelivery of the last applied
 * event, and 'needs-history' (the view untouched) when only the history can say. When the
 * event's step throws, the view may be half-changed: the caller drops it (the projector reloads
 * the stored one and skips the event; a later re-fold skips it alike, see replay).
 */
export function tryEvolveInPlace(view: CustomerView, event: StoredInteractionEvent, policy: RelationshipPolicy): EvolveOutcome {
  checkCustomer(view, event);
  if (!isFoldedEvent(event)) return 'not-folded';
  const fact = toFact(event);
  const legacy = legacyFacts(view);
  if (legacy !== null) {
    // The old layout carried its facts: re-fold from them under the current policy and layout.
    const applied = legacy.some((f) => f.eventId === fact.eventId);
    replaceWith(view, replay(view.customerId, applied ? legacy : insertSorted(legacy.slice().sort(compareFacts), fact), policy, view.eventCount > 0 ? view.state.clockMs : null, applied ? null : fact.eventId));
    return 'applied';
  }
  if (view.eventCount > 0 && needsRefold(view, policy)) return 'needs-history';
  if (isAfterLast(view, fact)) {
    if (fact.type === 'PurchaseRefunded' && refundNeedsHistory(view, fact.orderId)) return 'needs-history';
    if (fact.type === 'ContactLogged' && fact.followUpOf !== null && followUpNeedsHistory(view, fact.followUpOf)) return 'needs-history';
    const trustBefore = view.trust.stage;
    if (view.policyVersion !== policy.policyVersion) replaceWith(view, initialView(view.customerId, policy));
    step(view, fact, policy);
    finalizeAfter(view, policy, fact.type, trustBefore);
    return 'applied';
  }
  return isLastApplied(view, fact) ? 'already-applied' : 'needs-history';
}

/**
 * Applies one event to `view`, mutating it. Returns false when the event was already applied
 * (nothing changed). `history` is read only when the fold state cannot answer; without it such
 * an event is a HistoryRequiredError.
 */
export function evolveInPlace(view: CustomerView, event: StoredInteractionEvent, policy: RelationshipPolicy, history?: EventHistory): boolean {
  const outcome = tryEvolveInPlace(view, event, policy);
  if (outcome !== 'needs-history') return outcome === 'applied';
  if (history === undefined) throw new HistoryRequiredError(view.customerId, `event ${event.eventId} is not after the last applied one`);
  const fact = toFact(event);
  const facts = historyFacts(view.customerId, history());
  const applied = facts.some((f) => f.eventId === fact.eventId);
  const refold = needsRefold(view, policy);
  if (applied && !refold) return false;
  replaceWith(view, replay(view.customerId, applied ? facts : insertSorted(facts, fact), policy, view.state.clockMs, applied ? null : fact.eventId));
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

/** A copy safe to mutate: everything the rules mutate or push into is copied. */
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
      purchaseOrders: s.purchaseOrders.slice(),
      refundTimes: s.refundTimes.slice(),
      refundValues: s.refundValues.slice(),
      refundOrders: s.refundOrders.slice(),
      interactionTimes: s.interactionTimes.slice(),
      recentRatings: s.recentRatings.slice(),
      contextRatingSums: { ...s.contextRatingSums },
      categories: copyOwn(s.categories),
      pendingFollowUps: s.pendingFollowUps.slice(),
      pendingFollowUpTimes: s.pendingFollowUpTimes.slice(),
      recentlyResolved: copyAll(s.recentlyResolved),
    },
  };
}

/**
 * Pure: returns a new view with the event applied, or the same view when it was already applied.
 * `history` as for evolveInPlace.
 */
export function evolve(view: CustomerView, event: StoredInteractionEvent, policy: RelationshipPolicy, history?: EventHistory): CustomerView {
  checkCustomer(view, event);
  if (!isFoldedEvent(event)) return view;
  const legacy = legacyFacts(view) !== null;
  if (!legacy && view.eventCount > 0 && !needsRefold(view, policy)) {
    const fact = toFact(event);
    if (!isAfterLast(view, fact)) {
      // Only an event not after the last applied one can be a redelivery.
      if (isLastApplied(view, fact)) return view;
      if (history === undefined) throw new HistoryRequiredError(view.customerId, `event ${event.eventId} is not after the last applied one`);
      const events = [...history()];
      if (events.some((e) => e.eventId === event.eventId)) return view;
      const next = { ...view };
      evolveInPlace(next, event, policy, () => events);
      return next;
    }
  }
  // A view to re-fold is replaced whole (top-level fields), so a shallow copy protects the original.
  const next = legacy || (view.eventCount > 0 && needsRefold(view, policy)) ? { ...view } : cloneView(view);
  evolveInPlace(next, event, policy, history);
  return next;
}

/**
 * The view as of `asOf`: time rules (inactivity and volume-decline dissolution, SLA breach,
 * tenure-based commitment and identification, recency) applied up to that instant. An asOf
 * earlier than the view's clock rebuilds the view from the history's events that occurred by then.
 */
export function evaluate(view: CustomerView, asOf: string, policy: RelationshipPolicy, history?: EventHistory): CustomerView {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new InvalidEventError('(evaluate)', `asOf is not a date: ${asOf}`);
  if (view.eventCount === 0) return view.policyVersion === policy.policyVersion ? view : initialView(view.customerId, policy);
  const legacy = legacyFacts(view);
  if (legacy !== null) return replay(view.customerId, legacy.filter((f) => f.occurredAtMs <= at).sort(compareFacts), policy, at);
  if (needsRefold(view, policy) || at < view.state.clockMs) {
    if (history === undefined) throw new HistoryRequiredError(view.customerId, `asOf ${asOf} is before the view's clock`);
    return replay(view.customerId, historyFacts(view.customerId, history()).filter((f) => f.occurredAtMs <= at), policy, at);
  }
  const next = cloneView(view);
  advance(next, at, policy);
  finalize(next, policy);
  return next;
}

/**
 * The view as of `asOf` from the customer's complete history, with every stage change and
 * violation it ever had (the stored view keeps those of the fold horizon, see
 * fold/published-history.ts): what the timeline shows. Otherwise equal to `evaluate`.
 */
export function evaluateWithFullHistory(customerId: string, events: Iterable<StoredInteractionEvent>, asOf: string, policy: RelationshipPolicy): CustomerView {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new InvalidEventError('(evaluate)', `asOf is not a date: ${asOf}`);
  return replay(customerId, historyFacts(customerId, events).filter((f) => f.occurredAtMs <= at), policy, at, null, true);
}

/** Whether evaluating `view` as of `asOf` needs its history (an asOf before its clock, another policy). */
export function evaluateNeedsHistory(view: CustomerView, asOf: string, policy: RelationshipPolicy): boolean {
  if (view.eventCount === 0 || legacyFacts(view) !== null) return false;
  return needsRefold(view, policy) || Date.parse(asOf) < view.state.clockMs;
}

/** Full replay of a customer's events in any order (duplicates by eventId count once). */
export function foldEvents(
  customerId: string,
  events: Iterable<StoredInteractionEvent>,
  policy: RelationshipPolicy,
): CustomerView {
  return replay(customerId, historyFacts(customerId, events), policy, null);
}
