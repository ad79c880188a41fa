/**
 * The v1 interaction events of docs/relationship-model.md §1, as plain TypeScript types.
 * These are the shapes every layer shares (the domain included); the class-validator
 * DTOs in ./dto check that a published payload has exactly this shape.
 */

export const EVENT_TYPES = [
  'CustomerRegistered',
  'ContactLogged',
  'PurchaseMade',
  'PurchaseRefunded',
  'ComplaintFiled',
  'ComplaintResolved',
  'SatisfactionRated',
  'ReferralMade',
  'CompetitorOfferDeclined',
  'RelationshipEnded',
  'CustomersMerged',
  'PersonalDataErased',
] as const;
export type InteractionEventType = (typeof EVENT_TYPES)[number];

/**
 * Bookkeeping events: published and stored like the others, but they are not a contact with the
 * customer and change no measure of any view. `CustomersMerged` says that two customer ids are
 * one customer (an identity merge): the projection folds the merged id's stream into the
 * survivor's view, the ingest routes later events of the merged id to the survivor.
 * `PersonalDataErased` records an erasure (crypto-shredding): the customer's data keys were
 * destroyed, so no personal-data field stored before it can be read again.
 */
export const BOOKKEEPING_EVENT_TYPES = ['CustomersMerged', 'PersonalDataErased'] as const;
export type BookkeepingEventType = (typeof BOOKKEEPING_EVENT_TYPES)[number];

/** The event types that are interactions with the customer: what the domain folds and counts. */
export const INTERACTION_EVENT_TYPES = EVENT_TYPES.filter(
  (type): type is Exclude<InteractionEventType, BookkeepingEventType> => !(BOOKKEEPING_EVENT_TYPES as readonly string[]).includes(type),
);
export type CustomerInteractionType = Exclude<InteractionEventType, BookkeepingEventType>;

/**
 * Events the platform appends itself and no publisher may send (POST /v1/events refuses them):
 * an erasure is made by DELETE /v1/customers/:id/personal-data, which destroys the keys first.
 */
export const SYSTEM_EVENT_TYPES = ['PersonalDataErased'] as const;
export type SystemEventType = (typeof SYSTEM_EVENT_TYPES)[number];
export const isSystemEventType = (type: unknown): type is SystemEventType => (SYSTEM_EVENT_TYPES as readonly unknown[]).includes(type);

/**
 * The fields of `data` that identify a person or may (free text): sealed with the customer's
 * data key on ingest, so the store, Kafka and every copy of them hold ciphertext only, and
 * unreadable for good once the key is destroyed (docs/personal-data.md). A Record over every
 * type: a new type does not compile until it says which of its fields are personal.
 */
export const PERSONAL_DATA_FIELDS: Readonly<Record<InteractionEventType, readonly string[]>> = Object.freeze({
  CustomerRegistered: ['displayName', 'email', 'phone'],
  ContactLogged: [],
  PurchaseMade: [],
  PurchaseRefunded: ['reason'],
  ComplaintFiled: ['description'],
  ComplaintResolved: ['resolution'],
  SatisfactionRated: [],
  ReferralMade: [],
  CompetitorOfferDeclined: ['offerSummary'],
  RelationshipEnded: ['note'],
  CustomersMerged: ['reason'],
  PersonalDataErased: [],
});

export const CONTACT_CHANNELS = ['phone', 'email', 'chat', 'web', 'sms', 'social', 'in_person'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const CONTACT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type ContactDirection = (typeof CONTACT_DIRECTIONS)[number];

export const CONTACT_OUTCOMES = ['resolved', 'transferred', 'escalated', 'abandoned', 'follow_up'] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

export const COMPLAINT_CATEGORIES = ['product', 'service', 'billing', 'delivery', 'staff', 'other'] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

export const RATING_SCALES = [5, 7] as const;
export type RatingScale = (typeof RATING_SCALES)[number];

export const RATING_CONTEXTS = ['contact', 'purchase', 'complaint', 'survey'] as const;
export type RatingContext = (typeof RATING_CONTEXTS)[number];

export const CHURN_REASONS = ['deliberate', 'unintentional', 'competitor', 'price', 'lost_eligibility'] as const;
export type ChurnReason = (typeof CHURN_REASONS)[number];

/** Integer amount in minor units (cents) with its ISO 4217 code. */
export interface Money {
  amount: number;
  currency: string;
}

export interface CustomerRegisteredData {
  displayName: string;
  email?: string;
  phone?: string;
  acquisitionChannel: string;
}

export interface ContactLoggedData {
  contactId?: string;
  channel: ContactChannel;
  direction: ContactDirection;
  agentId: string;
  teamId: string;
  durationSec: number;
  topic: string;
  outcome: ContactOutcome;
  /** -1 (very negative) … 1 (very positive) */
  sentiment?: number;
  /** contactId of the earlier follow_up contact that this contact completes */
  followUpOf?: string;
}

export interface PurchaseMadeData {
  orderId: string;
  amount: number;
  currency: string;
  productCategory: string;
  productId: string;
  quantity: number;
}

export interface PurchaseRefundedData {
  orderId: string;
  amount: number;
  currency: string;
  reason: string;
}

export interface ComplaintFiledData {
  complaintId: string;
  category: ComplaintCategory;
  severity: ComplaintSeverity;
  channel: ContactChannel;
  description?: string;
}

export interface ComplaintResolvedData {
  complaintId: string;
  resolution: string;
  /** Publisher's own SLA verdict; when absent the policy SLA by severity applies. */
  withinSla?: boolean;
  customerAccepted: boolean;
  agentId?: string;
  teamId?: string;
}

export interface SatisfactionRatedData {
  score: number;
  scale: RatingScale;
  context: RatingContext;
  /** 0 … 10 */
  recommendLikelihood?: number;
  agentId?: string;
}

export interface ReferralMadeData {
  referredCustomerId?: string;
}

export interface CompetitorOfferDeclinedData {
  competitor: string;
  offerSummary: string;
}

export interface RelationshipEndedData {
  reason: ChurnReason;
  note?: string;
}

/**
 * Identity merge. The envelope's `customerId` is the SURVIVING customer; `mergedCustomerId` (never
 * equal to it) is the id that ceases to exist as a customer of its own: its history belongs to the
 * survivor from now on, and events published later under it are stored as the survivor's.
 */
export interface CustomersMergedData {
  mergedCustomerId: string;
  /** Why the two ids were found to be one customer (duplicate registration, household, …). */
  reason?: string;
}

/**
 * An erasure, appended to the customer's stream (the survivor's, for merged ids) after its data
 * keys were destroyed. Every personal-data field stored before it, in its history, is gone.
 */
export interface PersonalDataErasedData {
  /** Key versions destroyed (0: the customer had none, e.g. only events stored in clear before sealing). */
  destroyedKeys: number;
  /** The API key name that asked for it. */
  requestedBy: string;
  /** The caller's reference of the request (a ticket id), when given. */
  reference?: string;
}

export interface EventDataByType {
  CustomerRegistered: CustomerRegisteredData;
  ContactLogged: ContactLoggedData;
  PurchaseMade: PurchaseMadeData;
  PurchaseRefunded: PurchaseRefundedData;
  ComplaintFiled: ComplaintFiledData;
  ComplaintResolved: ComplaintResolvedData;
  SatisfactionRated: SatisfactionRatedData;
  ReferralMade: ReferralMadeData;
  CompetitorOfferDeclined: CompetitorOfferDeclinedData;
  RelationshipEnded: RelationshipEndedData;
  CustomersMerged: CustomersMergedData;
  PersonalDataErased: PersonalDataErasedData;
}

/** What a publisher sends (docs/relationship-model.md §1). */
export interface EventEnvelope<T extends InteractionEventType = InteractionEventType> {
  eventId: string;
  type: T;
  schemaVersion: number;
  customerId: string;
  /** ISO 8601 with an offset; every time rule uses this, never the wall clock. */
  occurredAt: string;
  source: string;
  correlationId?: string;
  causationId?: string;
  data: EventDataByType[T];
}

/** The discriminated union of all v1 envelopes: `switch (e.type)` narrows `e.data`. */
export type InteractionEvent = { [T in InteractionEventType]: EventEnvelope<T> }[InteractionEventType];

/** An interaction event as stored: the envelope plus where the store put it. */
export type StoredInteractionEvent = InteractionEvent & {
  /** Revision of the event in its customer stream (0-based). */
  revision: number;
  /** Position in the global log ($all), strictly increasing in commit order. */
  position: number;
  /** When the store accepted it (ISO 8601, UTC). Not used by any rule. */
  recordedAt: string;
};

export const streamIdFor = (customerId: string): string => `customer-${customerId}`;
export const CUSTOMER_STREAM_PREFIX = 'customer-';

export const isBookkeepingEventType = (value: unknown): value is BookkeepingEventType =>
  typeof value === 'string' && (BOOKKEEPING_EVENT_TYPES as readonly string[]).includes(value);

export const isInteractionEventType = (value: unknown): value is InteractionEventType =>
  typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
