/**
 * Call-centre interaction measures (docs/relationship-model.md §6), per agent and per team, per day:
 * a pure fold over stored events.
 *
 * Day: the UTC calendar date of `occurredAt` (or shifted by `dayOffsetMinutes`, e.g. +60 for a
 * centre that closes its books at CET midnight), never the time of arrival.
 * Idempotence: each (scope, id, day) bucket records the eventIds it has applied, so a
 * redelivered event is a no-op. A redelivery always maps to the same bucket (same occurredAt),
 * so the check is complete; the cost is one id per event per bucket, bounded by that bucket's
 * daily volume. A caller that already delivers exactly once may pass `trackEventIds: false`.
 *
 * Complaints resolved within SLA: the verdict is the one the customer view gives
 * (customer/complaint-sla.ts): the publisher's `withinSla` when given, otherwise the policy
 * deadline of the complaint's filing (filed + slaDays[severity], the deadline instant
 * included). A ComplaintResolved names neither the filing time nor the severity, and the
 * ComplaintFiled names no agent, so the state keeps a small ledger per complaint (customer id,
 * complaint id): its filings and resolutions in the view's application order (occurredAt,
 * position, eventId). Each event re-judges the complaint's resolutions the way the view does
 * (a filing opens the complaint, a resolution is judged against the open filing and closes
 * it), and a verdict that changes — the filing arrived after the resolution — moves the
 * resolution between the counters of the buckets it was counted in. So the measures, like the
 * view, are a function of the set of events, whatever their arrival order.
 *
 * Agent, team, customer and complaint ids are publisher input: every dictionary is read by own
 * key (own-keys.ts), so `constructor` or `__proto__` are ordinary ids, also after JSON.parse.
 */
import type { ComplaintSeverity, StoredInteractionEvent } from '@crm/contracts';
import { resolvedWithinSla, slaDeadlineMs } from '../trust/complaint-sla';
import { parseInstant } from '../fold/event-fact';
import { getOwn, setOwn } from '../customer/own-keys';
import { DEFAULT_POLICY, RelationshipPolicy } from '../policy';
import { utcDayOf } from './utc-day';

export const MEASURE_SCOPES = ['agent', 'team'] as const;
export type MeasureScope = (typeof MEASURE_SCOPES)[number];

export interface InteractionCounters {
  contacts: number;
  inbound: number;
  outbound: number;
  handleTimeSecTotal: number;
  resolved: number;
  transferred: number;
  escalated: number;
  abandoned: number;
  followUp: number;
  complaintsResolved: number;
  complaintsWithinSla: number;
  complaintsOutsideSla: number;
  /** ComplaintResolved with no verdict: no withinSla from the publisher and no open filing of the complaint before it. */
  complaintsSlaUnknown: number;
}

export interface InteractionRates {
  /** handleTimeSecTotal / contacts; null without contacts. */
  averageHandleTimeSec: number | null;
  /** Share of contacts not escalated (授权率): (contacts − escalated) / contacts. */
  empowermentRate: number | null;
  /** First-contact resolution: contacts resolved there and then (outcome `resolved`, so not transferred) / contacts. */
  firstContactResolutionRate: number | null;
  abandonedShare: number | null;
  /** withinSla / (withinSla + outsideSla); unknown verdicts are left out. */
  complaintsWithinSlaRate: number | null;
}

export type InteractionMeasures = InteractionCounters & InteractionRates;

export interface MeasuresBucket {
  counters: InteractionCounters;
  /** Applied eventIds (and re-judgement keys `resolutionId/causeId`), in application order (empty when not tracked). */
  eventIds: readonly string[];
}

export type SlaVerdict = 'within' | 'outside' | 'unknown';

/** A ComplaintFiled as the measures keep it: what the SLA deadline needs. */
export interface ComplaintFilingEntry {
  kind: 'filed';
  eventId: string;
  /** occurredAt, epoch ms. */
  t: number;
  position: number;
  severity: ComplaintSeverity;
}

/** A ComplaintResolved as the measures keep it: where it is counted and with which verdict. */
export interface ComplaintResolutionEntry {
  kind: 'resolved';
  eventId: string;
  t: number;
  position: number;
  /** The bucket day of the resolution. */
  day: string;
  agentId: string | null;
  teamId: string | null;
  /** The publisher's verdict; null when absent. */
  withinSla: boolean | null;
  /** The verdict the buckets count it under now. */
  counted: SlaVerdict;
}

export type ComplaintLedgerEntry = ComplaintFilingEntry | ComplaintResolutionEntry;

/** One complaint's filings and resolutions, in application order (occurredAt, position, eventId). */
export interface ComplaintLedger {
  entries: readonly ComplaintLedgerEntry[];
}

/** scope -> id -> day -> bucket, and customerId -> complaintId -> ledger. Plain records so the state serialises to JSON as it is. */
export interface InteractionMeasuresState {
  agent: Readonly<Record<string, Readonly<Record<string, MeasuresBucket>>>>;
  team: Readonly<Record<string, Readonly<Record<string, MeasuresBucket>>>>;
  complaints: Readonly<Record<string, Readonly<Record<string, ComplaintLedger>>>>;
}

export interface InteractionMeasuresOptions {
  /** Record applied eventIds per bucket to make redelivery a no-op. @defaultValue true */
  trackEventIds?: boolean;
  /** Minutes added to occurredAt (UTC) before taking the date. @defaultValue 0 */
  dayOffsetMinutes?: number;
  /** The policy whose complaint SLAs judge a resolution without withinSla: the one the customer views use. @defaultValue DEFAULT_POLICY */
  policy?: RelationshipPolicy;
}

export const emptyInteractionMeasures = (): InteractionMeasuresState => ({ agent: {}, team: {}, complaints: {} });

const zeroCounters = (): InteractionCounters => ({
  contacts: 0,
  inbound: 0,
  outbound: 0,
  handleTimeSecTotal: 0,
  resolved: 0,
  transferred: 0,
  escalated: 0,
  abandoned: 0,
  followUp: 0,
  complaintsResolved: 0,
  complaintsWithinSla: 0,
  complaintsOutsideSla: 0,
  complaintsSlaUnknown: 0,
});

type Delta = Partial<InteractionCounters>;

/**
 * Objects a batch fold made itself (foldInteractionMeasures) and may therefore change in place;
 * null for the pure per-event fold, which copies on write.
 */
type Owned = WeakSet<object> | null;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Adds a delta to one bucket. Pure (owned = null): copy-on-write of the one bucket touched, other
 * agents, teams and days shared. In a batch: the bucket and its day map are copied the first time
 * the batch touches them and changed in place after, so a batch costs what its events touch, not
 * the square of its size. (Spread and computed keys define own properties, so an id `__proto__`
 * is written as a key; reads use getOwn.)
 */
function apply(
  state: InteractionMeasuresState,
  scope: MeasureScope,
  id: string,
  day: string,
  eventId: string,
  delta: Delta,
  track: boolean,
  owned: Owned,
): InteractionMeasuresState {
  const days = getOwn(state[scope], id) ?? {};
  const bucket = getOwn(days, day);
  if (track && bucket?.eventIds.includes(eventId)) return state;
  if (owned) {
    let ownDays = days as Record<string, MeasuresBucket>;
    if (!owned.has(ownDays)) {
      ownDays = { ...days };
      owned.add(ownDays);
      setOwn(state[scope] as Record<string, Record<string, MeasuresBucket>>, id, ownDays);
    }
    let ownBucket = bucket as Mutable<MeasuresBucket> | undefined;
    if (!ownBucket || !owned.has(ownBucket)) {
      ownBucket = { counters: { ...(bucket?.counters ?? zeroCounters()) }, eventIds: track ? [...(bucket?.eventIds ?? [])] : [] };
      owned.add(ownBucket);
      setOwn(ownDays, day, ownBucket);
    }
    const counters = ownBucket.counters as InteractionCounters;
    for (const key of Object.keys(delta) as (keyof InteractionCounters)[]) counters[key] += delta[key] as number;
    if (track) (ownBucket.eventIds as string[]).push(eventId);
    return state;
  }
  const counters = { ...(bucket?.counters ?? zeroCounters()) };
  for (const key of Object.keys(delta) as (keyof InteractionCounters)[]) counters[key] += delta[key] as number;
  const next: MeasuresBucket = { counters, eventIds: track ? [...(bucket?.eventIds ?? []), eventId] : [] };
  return { ...state, [scope]: { ...state[scope], [id]: { ...days, [day]: next } } };
}

const VERDICT_COUNTER: Record<SlaVerdict, keyof InteractionCounters> = {
  within: 'complaintsWithinSla',
  outside: 'complaintsOutsideSla',
  unknown: 'complaintsSlaUnknown',
};

const verdictOf = (within: boolean | null): SlaVerdict => (within === true ? 'within' : within === false ? 'outside' : 'unknown');

/** Application order of the customer view: occurredAt, then position, then eventId. */
function compareEntries(a: ComplaintLedgerEntry, b: ComplaintLedgerEntry): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function ledgerEntry(
  event: Extract<StoredInteractionEvent, { type: 'ComplaintFiled' | 'ComplaintResolved' }>,
  options: InteractionMeasuresOptions,
): ComplaintLedgerEntry {
  const t = parseInstant(event.occurredAt);
  if (!Number.isFinite(t)) throw new RangeError(`not an ISO 8601 instant: ${JSON.stringify(event.occurredAt)}`);
  const base = { eventId: event.eventId, t, position: event.position };
  if (event.type === 'ComplaintFiled') return { kind: 'filed', ...base, severity: event.data.severity };
  const { agentId, teamId, withinSla } = event.data;
  return {
    kind: 'resolved',
    ...base,
    day: utcDayOf(event.occurredAt, options.dayOffsetMinutes),
    agentId: agentId ?? null,
    teamId: teamId ?? null,
    withinSla: withinSla ?? null,
    counted: 'unknown',
  };
}

/**
 * Adds one complaint event to its ledger, judges the complaint's resolutions again as the
 * customer view does, and moves every resolution whose verdict changed (or that is new) in the
 * buckets of its agent and team.
 */
function evolveComplaint(
  state: InteractionMeasuresState,
  event: Extract<StoredInteractionEvent, { type: 'ComplaintFiled' | 'ComplaintResolved' }>,
  options: InteractionMeasuresOptions,
  track: boolean,
  owned: Owned,
): InteractionMeasuresState {
  const { customerId } = event;
  const { complaintId } = event.data;
  const byCustomer = getOwn(state.complaints, customerId) ?? {};
  const before = getOwn(byCustomer, complaintId)?.entries ?? [];
  if (before.some((e) => e.eventId === event.eventId)) return state; // redelivery
  const added = ledgerEntry(event, options);
  const entries = [...before, added].sort(compareEntries);
  const policy = options.policy ?? DEFAULT_POLICY;
  const moves: { entry: ComplaintResolutionEntry; from: SlaVerdict | null; key: string }[] = [];
  let openDeadline: number | null = null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.kind === 'filed') {
      // The first filing opens the complaint; another one while it is open changes nothing (as in the view).
      if (openDeadline === null) openDeadline = slaDeadlineMs(e.t, e.severity, policy);
      continue;
    }
    const verdict = verdictOf(resolvedWithinSla(e.withinSla, e.t, openDeadline));
    openDeadline = null;
    if (e === added) {
      entries[i] = { ...e, counted: verdict };
      moves.push({ entry: entries[i] as ComplaintResolutionEntry, from: null, key: e.eventId });
    } else if (verdict !== e.counted) {
      entries[i] = { ...e, counted: verdict };
      moves.push({ entry: entries[i] as ComplaintResolutionEntry, from: e.counted, key: `${e.eventId}/${event.eventId}` });
    }
  }
  let next: InteractionMeasuresState;
  if (owned) {
    let ownCustomer = byCustomer as Record<string, ComplaintLedger>;
    if (!owned.has(ownCustomer)) {
      ownCustomer = { ...byCustomer };
      owned.add(ownCustomer);
      setOwn(state.complaints as Record<string, Record<string, ComplaintLedger>>, customerId, ownCustomer);
    }
    setOwn(ownCustomer, complaintId, { entries });
    next = state;
  } else {
    next = { ...state, complaints: { ...state.complaints, [customerId]: { ...byCustomer, [complaintId]: { entries } } } };
  }
  for (const { entry, from, key } of moves) {
    const delta: Delta = from === null ? { complaintsResolved: 1 } : { [VERDICT_COUNTER[from]]: -1 };
    delta[VERDICT_COUNTER[entry.counted]] = (delta[VERDICT_COUNTER[entry.counted]] ?? 0) + 1;
    if (entry.agentId !== null) next = apply(next, 'agent', entry.agentId, entry.day, key, delta, track, owned);
    if (entry.teamId !== null) next = apply(next, 'team', entry.teamId, entry.day, key, delta, track, owned);
  }
  return next;
}

function contactDelta(event: Extract<StoredInteractionEvent, { type: 'ContactLogged' }>): Delta {
  const { direction, durationSec, outcome } = event.data;
  const delta: Delta = { contacts: 1, handleTimeSecTotal: durationSec };
  switch (direction) {
    case 'inbound':
      delta.inbound = 1;
      break;
    case 'outbound':
      delta.outbound = 1;
      break;
    default: {
      const unhandled: never = direction;
      throw new Error(`unknown direction ${String(unhandled)}`);
    }
  }
  switch (outcome) {
    case 'resolved':
      delta.resolved = 1;
      break;
    case 'transferred':
      delta.transferred = 1;
      break;
    case 'escalated':
      delta.escalated = 1;
      break;
    case 'abandoned':
      delta.abandoned = 1;
      break;
    case 'follow_up':
      delta.followUp = 1;
      break;
    default: {
      const unhandled: never = outcome;
      throw new Error(`unknown outcome ${String(unhandled)}`);
    }
  }
  return delta;
}

/**
 * Folds one stored event into the measures: contacts and resolutions into their agent's and
 * team's buckets, complaint filings and resolutions into the complaint's ledger. Other events
 * leave the state as it is (the same object).
 */
export function evolveInteractionMeasures(
  state: InteractionMeasuresState,
  event: StoredInteractionEvent,
  options: InteractionMeasuresOptions = {},
): InteractionMeasuresState {
  return evolveOne(state, event, options, null);
}

/**
 * Folds a batch of events: equal to reducing evolveInteractionMeasures over them (test:
 * interaction-measures.spec.ts), but what the batch touches is copied once, not once per event,
 * so a batch costs what it touches. `state` is not changed; what the batch did not touch is
 * shared with the result (the same objects), so a caller can tell the changed buckets by identity.
 */
export function foldInteractionMeasures(
  state: InteractionMeasuresState,
  events: Iterable<StoredInteractionEvent>,
  options: InteractionMeasuresOptions = {},
): InteractionMeasuresState {
  const owned = new WeakSet<object>();
  const next: InteractionMeasuresState = { agent: { ...state.agent }, team: { ...state.team }, complaints: { ...state.complaints } };
  for (const event of events) evolveOne(next, event, options, owned);
  return next;
}

function evolveOne(state: InteractionMeasuresState, event: StoredInteractionEvent, options: InteractionMeasuresOptions, owned: Owned): InteractionMeasuresState {
  const track = options.trackEventIds ?? true;
  switch (event.type) {
    case 'ContactLogged': {
      const day = utcDayOf(event.occurredAt, options.dayOffsetMinutes);
      const delta = contactDelta(event);
      const afterAgent = apply(state, 'agent', event.data.agentId, day, event.eventId, delta, track, owned);
      return apply(afterAgent, 'team', event.data.teamId, day, event.eventId, delta, track, owned);
    }
    case 'ComplaintFiled':
    case 'ComplaintResolved':
      return evolveComplaint(state, event, options, track, owned);
    case 'CustomerRegistered':
    case 'PurchaseMade':
    case 'PurchaseRefunded':
    case 'SatisfactionRated':
    case 'ReferralMade':
    case 'CompetitorOfferDeclined':
    case 'RelationshipEnded':
      return state;
    case 'CustomersMerged':
      // An identity merge is bookkeeping: no contact, no complaint. The merged customer's own
      // events were counted under their agents and teams when they happened.
      return state;
    case 'PersonalDataErased':
      // An erasure destroys keys, not facts: the measures never held personal data.
      return state;
    default: {
      const unhandled: never = event;
      throw new Error(`unknown event type ${String((unhandled as { type: unknown }).type)}`);
    }
  }
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function withRates(c: InteractionCounters): InteractionMeasures {
  return {
    ...c,
    averageHandleTimeSec: ratio(c.handleTimeSecTotal, c.contacts),
    empowermentRate: ratio(c.contacts - c.escalated, c.contacts),
    firstContactResolutionRate: ratio(c.resolved, c.contacts),
    abandonedShare: ratio(c.abandoned, c.contacts),
    complaintsWithinSlaRate: ratio(c.complaintsWithinSla, c.complaintsWithinSla + c.complaintsOutsideSla),
  };
}

export interface MeasuresQuery {
  /** First day included, YYYY-MM-DD. */
  from?: string;
  /** Last day included, YYYY-MM-DD. */
  to?: string;
}

export interface MeasuresResult {
  scope: MeasureScope;
  id: string;
  /** One row per day with activity, ascending. */
  days: (InteractionMeasures & { day: string })[];
  /** Counters summed over the days, rates recomputed from the sums (not averaged). */
  total: InteractionMeasures;
}

export function measuresFor(state: InteractionMeasuresState, scope: MeasureScope, id: string, query: MeasuresQuery = {}): MeasuresResult {
  const buckets = getOwn(state[scope], id) ?? {};
  const days = Object.keys(buckets)
    .filter((d) => (query.from === undefined || d >= query.from) && (query.to === undefined || d <= query.to))
    .sort();
  const total = zeroCounters();
  const rows = days.map((day) => {
    const c = buckets[day].counters;
    for (const key of Object.keys(total) as (keyof InteractionCounters)[]) total[key] += c[key];
    return { day, ...withRates(c) };
  });
  return { scope, id, days: rows, total: withRates(total) };
}
