/**
 * Valid, deterministic sample events for tests and the simulator. Same arguments, same event;
 * overrides replace envelope fields and individual `data` fields.
 */
import { EventDataByType, EventEnvelope, InteractionEventType } from './event-types';

export const SAMPLE_DATA: { readonly [T in InteractionEventType]: Readonly<EventDataByType[T]> } = Object.freeze({
  CustomerRegistered: { displayName: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0958', acquisitionChannel: 'web' },
  ContactLogged: {
    contactId: 'K-5521',
    channel: 'phone',
    direction: 'inbound',
    agentId: 'A-17',
    teamId: 'T-billing',
    durationSec: 312,
    topic: 'invoice question',
    outcome: 'resolved',
    sentiment: 0.4,
  },
  PurchaseMade: { orderId: 'O-7781', amount: 4599, currency: 'EUR', productCategory: 'books', productId: 'B-12', quantity: 1 },
  PurchaseRefunded: { orderId: 'O-7781', amount: 4599, currency: 'EUR', reason: 'arrived damaged' },
  ComplaintFiled: { complaintId: 'CP-301', category: 'delivery', severity: 'medium', channel: 'email', description: 'Parcel two weeks late' },
  ComplaintResolved: { complaintId: 'CP-301', resolution: 'Refunded shipping and apologised', withinSla: true, customerAccepted: true, agentId: 'A-17' },
  SatisfactionRated: { score: 4, scale: 5, context: 'contact', recommendLikelihood: 9, agentId: 'A-17' },
  ReferralMade: { referredCustomerId: 'C-200117' },
  CompetitorOfferDeclined: { competitor: 'RivalTel', offerSummary: '20% off for 12 months' },
  RelationshipEnded: { reason: 'competitor', note: 'Moved to RivalTel' },
  CustomersMerged: { mergedCustomerId: 'C-553311', reason: 'duplicate registration (same e-mail)' },
  PersonalDataErased: { destroyedKeys: 1, requestedBy: 'local-admin', reference: 'DSR-2026-0042' },
});

/** One fixed eventId per type, so two samples of different types never collide. */
const SAMPLE_EVENT_NUMBER: { readonly [T in InteractionEventType]: number } = {
  CustomerRegistered: 1,
  ContactLogged: 2,
  PurchaseMade: 3,
  PurchaseRefunded: 4,
  ComplaintFiled: 5,
  ComplaintResolved: 6,
  SatisfactionRated: 7,
  ReferralMade: 8,
  CompetitorOfferDeclined: 9,
  RelationshipEnded: 10,
  CustomersMerged: 11,
  PersonalDataErased: 12,
};

/** A deterministic version-4-shaped UUID for sequence number `n` (0 ≤ n < 2^48). */
export function sampleEventId(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 48) throw new RangeError(`sampleEventId: ${n} is not an integer in [0, 2^48)`);
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export type SampleOverrides<T extends InteractionEventType> = Partial<Omit<EventEnvelope<T>, 'type' | 'data'>> & {
  data?: Partial<EventDataByType[T]>;
};

/** A valid event of `type` (schemaVersion 1, customer C-102938, 2026-03-14T10:22:05+01:00). */
export function sampleEvent<T extends InteractionEventType>(type: T, overrides: SampleOverrides<T> = {}): EventEnvelope<T> {
  const { data, ...envelope } = overrides;
  return {
    eventId: sampleEventId(SAMPLE_EVENT_NUMBER[type]),
    type,
    schemaVersion: 1,
    customerId: 'C-102938',
    occurredAt: '2026-03-14T10:22:05+01:00',
    source: 'sample',
    ...envelope,
    data: { ...SAMPLE_DATA[type], ...(data ?? {}) } as EventDataByType[T],
  };
}
