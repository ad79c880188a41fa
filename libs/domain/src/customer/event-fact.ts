import type { InteractionEvent, StoredInteractionEvent } from '@crm/contracts';
import { InvalidEventError } from '../domain.errors';
import type { EventFact } from './customer-view.types';

export const DAY_MS = 86_400_000;

/** Compact, personal-data-free copy of an event: what the rules and a re-fold need. */
export function toFact(event: StoredInteractionEvent): EventFact {
  const t = Date.parse(event.occurredAt);
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
      return { id, t, at, p, k: e.type, sc: e.data.score, scale: e.data.scale, rl: e.data.recommendLikelihood ?? null };
    case 'ReferralMade':
      return { id, t, at, p, k: e.type };
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
