import type {
  ChurnReason,
  ComplaintCategory,
  ComplaintSeverity,
  InteractionEvent,
  RatingContext,
  RatingScale,
  StoredInteractionEvent,
} from '@crm/contracts';
import { isBookkeepingEventType } from '@crm/contracts';
import { InvalidEventError } from '../domain.errors';

export const DAY_MS = 86_400_000;

const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1000; // poisons the field so the range checks fail
};
const two = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Date.parse for the canonical shapes events carry (YYYY-MM-DDTHH:mm:ss[.sss](Z|±HH:mm)),
 * several times faster than the engine's general parser; anything else (other shapes, field
 * values out of range) goes to Date.parse, so the result always equals Date.parse(s).
 */
export function parseInstant(s: string): number {
  const n = s.length;
  if (n < 20 || n > 29 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return Date.parse(s);
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return Date.parse(s);
  const y = two(s, 0) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const sec = two(s, 17);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo] || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) {
    return Date.parse(s);
  }
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return Date.parse(s);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    ms = digit(s, 20) * 100 + two(s, 21);
    if (ms < 0) return Date.parse(s);
    i = 23;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 && n === i + 1) offsetMin = 0;
  else if ((z === 43 || z === 45) && n === i + 6 && s.charCodeAt(i + 3) === 58) {
    const oh = two(s, i + 1);
    const om = two(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Date.parse(s);
    offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
  } else return Date.parse(s);
  return (daysFromCivil(y, mo, d) * 24 + h) * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offsetMin * 60_000;
}

/**
 * One applied event, compact: everything the rules and a re-fold need, nothing personal (no
 * names, no agents, no free text). `occurredAtMs` is occurredAt as epoch ms, `occurredAt` the
 * string as published (transitions quote it), `position` the global position.
 */
export type EventFact = {
  eventId: string;
  occurredAtMs: number;
  occurredAt: string;
  position: number;
} & (
  | { type: 'CustomerRegistered'; acquisitionChannel: string }
  | {
      type: 'ContactLogged';
      direction: 'inbound' | 'outbound';
      outcome: string;
      sentiment: number | null;
      contactId: string | null;
      followUpOf: string | null;
    }
  | { type: 'PurchaseMade'; orderId: string; amount: number; currency: string; productCategory: string }
  | { type: 'PurchaseRefunded'; orderId: string; amount: number; currency: string }
  | { type: 'ComplaintFiled'; complaintId: string; severity: ComplaintSeverity; category: ComplaintCategory }
  | { type: 'ComplaintResolved'; complaintId: string; withinSla: boolean | null; customerAccepted: boolean }
  // `context` may be missing in a log written before contexts were kept: such a rating counts only overall.
  | { type: 'SatisfactionRated'; score: number; scale: RatingScale; recommendLikelihood: number | null; context: RatingContext }
  | { type: 'ReferralMade'; referredCustomerId: string | null }
  | { type: 'CompetitorOfferDeclined'; competitor: string }
  | { type: 'RelationshipEnded'; reason: ChurnReason }
);

export type EventFactType = EventFact['type'];

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Compact, personal-data-free copy of an event: what the rules and a re-fold need. */
export function toFact(event: StoredInteractionEvent): EventFact {
  const occurredAtMs = parseInstant(event.occurredAt);
  if (!Number.isFinite(occurredAtMs)) throw new InvalidEventError(event.eventId, `occurredAt is not a date: ${event.occurredAt}`);
  const eventId = event.eventId;
  const occurredAt = event.occurredAt;
  const position = event.position;
  const e = event as InteractionEvent;
  switch (e.type) {
    case 'CustomerRegistered':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, acquisitionChannel: e.data.acquisitionChannel };
    case 'ContactLogged':
      return {
        eventId, occurredAtMs, occurredAt, position,
        type: e.type,
        direction: e.data.direction,
        outcome: e.data.outcome,
        sentiment: e.data.sentiment ?? null,
        contactId: e.data.contactId ?? null,
        followUpOf: e.data.followUpOf ?? null,
      };
    case 'PurchaseMade':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, orderId: e.data.orderId, amount: e.data.amount, currency: e.data.currency, productCategory: e.data.productCategory };
    case 'PurchaseRefunded':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, orderId: e.data.orderId, amount: e.data.amount, currency: e.data.currency };
    case 'ComplaintFiled':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, complaintId: e.data.complaintId, severity: e.data.severity, category: e.data.category };
    case 'ComplaintResolved':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, complaintId: e.data.complaintId, withinSla: e.data.withinSla ?? null, customerAccepted: e.data.customerAccepted };
    case 'SatisfactionRated':
      return {
        eventId, occurredAtMs, occurredAt, position,
        type: e.type,
        score: e.data.score,
        scale: e.data.scale,
        recommendLikelihood: e.data.recommendLikelihood ?? null,
        context: e.data.context,
      };
    case 'ReferralMade':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, referredCustomerId: e.data.referredCustomerId || null };
    case 'CompetitorOfferDeclined':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, competitor: e.data.competitor };
    case 'RelationshipEnded':
      return { eventId, occurredAtMs, occurredAt, position, type: e.type, reason: e.data.reason };
    case 'CustomersMerged':
    case 'PersonalDataErased':
      // Bookkeeping, no fact: the fold's entry points pass it by (isFoldedEvent) before this.
      throw new InvalidEventError(e.eventId, `${e.type} is a bookkeeping event: it is not folded into a view`);
    default: {
      const unhandled: never = e;
      throw new InvalidEventError((unhandled as { eventId: string }).eventId, 'unknown event type');
    }
  }
}

/**
 * Whether the fold applies `event` at all. A bookkeeping event (CustomersMerged: two ids are one
 * customer) changes no measure of the view: the projection folds the merged customer's events
 * into the survivor's view itself; here such an event is passed by, so a history that holds one
 * folds exactly as the same history without it (positions, counts and clocks included).
 */
export const isFoldedEvent = (event: { type: string }): boolean => !isBookkeepingEventType(event.type);

/** The order of application: occurredAt, then global position, then eventId. */
export function compareFacts(a: EventFact, b: EventFact): number {
  if (a.occurredAtMs !== b.occurredAtMs) return a.occurredAtMs < b.occurredAtMs ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

// The short field names of the facts stored before they had readable ones.
const LEGACY_NAMES: Record<string, string> = {
  id: 'eventId', t: 'occurredAtMs', at: 'occurredAt', p: 'position', k: 'type', ch: 'acquisitionChannel', dir: 'direction',
  out: 'outcome', s: 'sentiment', fu: 'followUpOf', o: 'orderId', a: 'amount', c: 'currency', sev: 'severity', sla: 'withinSla',
  acc: 'customerAccepted', sc: 'score', rl: 'recommendLikelihood', ctx: 'context', ref: 'referredCustomerId', comp: 'competitor', r: 'reason',
};

/** A fact of a stored view written with the short field names (`k`, `t`, `cid`, …), renamed. */
export function fromLegacyFact(legacy: Record<string, unknown>): EventFact {
  const out: Record<string, unknown> = {};
  const kind = legacy.k;
  for (const key of Object.keys(legacy)) {
    let name = LEGACY_NAMES[key] ?? key;
    if (key === 'cid') name = kind === 'ContactLogged' ? 'contactId' : 'complaintId';
    else if (key === 'cat') name = kind === 'PurchaseMade' ? 'productCategory' : 'category';
    out[name] = legacy[key];
  }
  return out as EventFact;
}

/** Whether a stored log still has the short field names. */
export const isLegacyLog = (log: readonly object[]): boolean => log.length > 0 && 'k' in log[0];
