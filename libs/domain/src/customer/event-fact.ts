import type { InteractionEvent, StoredInteractionEvent } from '@crm/contracts';
import { InvalidEventError } from '../domain.errors';
import type { EventFact } from './customer-view.types';

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

/** Compact, personal-data-free copy of an event: what the rules and a re-fold need. */
export function toFact(event: StoredInteractionEvent): EventFact {
  const t = parseInstant(event.occurredAt);
  if (!Number.isFinite(t)) throw new InvalidEventError(event.eventId, `occurredAt is not a date: ${event.occurredAt}`);
  const id = event.eventId;
  const at = event.occurredAt;
  const p = event.position;
  const e = event as InteractionEvent;
  switch (e.type) {
    case 'CustomerRegistered':
      return { id, t, at, p, k: e.type, ch: e.data.acquisitionChannel };
    case 'ContactLogged':
      return {
        id, t, at, p,
        k: e.type,
        dir: e.data.direction,
        out: e.data.outcome,
        s: e.data.sentiment ?? null,
        cid: e.data.contactId ?? null,
        fu: e.data.followUpOf ?? null,
      };
    case 'PurchaseMade':
      return { id, t, at, p, k: e.type, o: e.data.orderId, a: e.data.amount, c: e.data.currency, cat: e.data.productCategory };
    case 'PurchaseRefunded':
      return { id, t, at, p, k: e.type, o: e.data.orderId, a: e.data.amount, c: e.data.currency };
    case 'ComplaintFiled':
      return { id, t, at, p, k: e.type, cid: e.data.complaintId, sev: e.data.severity, cat: e.data.category };
    case 'ComplaintResolved':
      return { id, t, at, p, k: e.type, cid: e.data.complaintId, sla: e.data.withinSla ?? null, acc: e.data.customerAccepted };
    case 'SatisfactionRated':
      return { id, t, at, p, k: e.type, sc: e.data.score, scale: e.data.scale, rl: e.data.recommendLikelihood ?? null, ctx: e.data.context };
    case 'ReferralMade':
      return { id, t, at, p, k: e.type, ref: e.data.referredCustomerId || null };
    case 'CompetitorOfferDeclined':
      return { id, t, at, p, k: e.type, comp: e.data.competitor };
    case 'RelationshipEnded':
      return { id, t, at, p, k: e.type, r: e.data.reason };
    default: {
      const unhandled: never = e;
      throw new InvalidEventError((unhandled as { eventId: string }).eventId, 'unknown event type');
    }
  }
}

/** The order of application: occurredAt, then global position, then eventId. */
export function compareFacts(a: EventFact, b: EventFact): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  if (a.p !== b.p) return a.p < b.p ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
