/**
 * Call-centre interaction measures (relationship-model.md §6), per agent and per team, per day:
 * a pure fold over stored events.
 *
 * Day: the UTC calendar date of `occurredAt` (or shifted by `dayOffsetMinutes`, e.g. +60 for a
 * centre that closes its books at CET midnight), never the time of arrival.
 * Idempotence: each (scope, id, day) bucket records the eventIds it has applied, so a
 * redelivered event is a no-op. A redelivery always maps to the same bucket (same occurredAt),
 * so the check is complete; the cost is one id per event per bucket, bounded by that bucket's
 * daily volume. A caller that already delivers exactly once may pass `trackEventIds: false`.
 */
import type { StoredInteractionEvent } from '@crm/contracts';
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
  /** ComplaintResolved without a publisher SLA verdict (withinSla absent). */
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

interface Bucket {
  counters: InteractionCounters;
  /** Applied eventIds, in application order (empty when not tracked). */
  eventIds: readonly string[];
}

/** scope -> id -> day -> bucket. Plain records so the state serialises to JSON as it is. */
export interface InteractionMeasuresState {
  agent: Readonly<Record<string, Readonly<Record<string, Bucket>>>>;
  team: Readonly<Record<string, Readonly<Record<string, Bucket>>>>;
}

export interface InteractionMeasuresOptions {
  /** Record applied eventIds per bucket to make redelivery a no-op. @defaultValue true */
  trackEventIds?: boolean;
  /** Minutes added to occurredAt (UTC) before taking the date. @defaultValue 0 */
  dayOffsetMinutes?: number;
}

export const emptyInteractionMeasures = (): InteractionMeasuresState => ({ agent: {}, team: {} });

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

/** Copy-on-write of the one bucket touched: other agents, teams and days are shared. */
function apply(
  state: InteractionMeasuresState,
  scope: MeasureScope,
  id: string,
  day: string,
  eventId: string,
  delta: Delta,
  track: boolean,
): InteractionMeasuresState {
  const days = state[scope][id] ?? {};
  const bucket = days[day];
  if (track && bucket?.eventIds.includes(eventId)) return state;
  const counters = { ...(bucket?.counters ?? zeroCounters()) };
  for (const key of Object.keys(delta) as (keyof InteractionCounters)[]) counters[key] += delta[key] as number;
  const next: Bucket = { counters, eventIds: track ? [...(bucket?.eventIds ?? []), eventId] : [] };
  return { ...state, [scope]: { ...state[scope], [id]: { ...days, [day]: next } } };
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

/** Folds one stored event into the measures; events that carry no agent measure leave the state as it is. */
export function evolveInteractionMeasures(
  state: InteractionMeasuresState,
  event: StoredInteractionEvent,
  options: InteractionMeasuresOptions = {},
): InteractionMeasuresState {
  const track = options.trackEventIds ?? true;
  switch (event.type) {
    case 'ContactLogged': {
      const day = utcDayOf(event.occurredAt, options.dayOffsetMinutes);
      const delta = contactDelta(event);
      const afterAgent = apply(state, 'agent', event.data.agentId, day, event.eventId, delta, track);
      return apply(afterAgent, 'team', event.data.teamId, day, event.eventId, delta, track);
    }
    case 'ComplaintResolved': {
      const { agentId, teamId, withinSla } = event.data;
      if (agentId === undefined && teamId === undefined) return state;
      const day = utcDayOf(event.occurredAt, options.dayOffsetMinutes);
      const delta: Delta = {
        complaintsResolved: 1,
        ...(withinSla === true ? { complaintsWithinSla: 1 } : withinSla === false ? { complaintsOutsideSla: 1 } : { complaintsSlaUnknown: 1 }),
      };
      let next = state;
      if (agentId !== undefined) next = apply(next, 'agent', agentId, day, event.eventId, delta, track);
      if (teamId !== undefined) next = apply(next, 'team', teamId, day, event.eventId, delta, track);
      return next;
    }
    case 'CustomerRegistered':
    case 'PurchaseMade':
    case 'PurchaseRefunded':
    case 'ComplaintFiled':
    case 'SatisfactionRated':
    case 'ReferralMade':
    case 'CompetitorOfferDeclined':
    case 'RelationshipEnded':
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
  const buckets = state[scope][id] ?? {};
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
