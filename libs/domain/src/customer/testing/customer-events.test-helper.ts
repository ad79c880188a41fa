/**
 * Test-only builders and a given/when/then helper for customer-view specs (not exported by the lib).
 */
import type {
  ChurnReason,
  ComplaintSeverity,
  ContactDirection,
  ContactOutcome,
  InteractionEvent,
  RatingContext,
  RatingScale,
  StoredInteractionEvent,
} from '@crm/contracts';
import { DEFAULT_POLICY, RelationshipPolicy } from '../../policy';
import { evaluate, evolve, foldEvents } from '../customer-view.evolve';
import { initialView } from '../customer-view.initial';
import type { CustomerView } from '../customer-view.types';

export const EPOCH = Date.parse('2025-01-01T00:00:00.000Z');
/** ISO instant `n` days (fractions allowed) after 2025-01-01. */
export const day = (n: number): string => new Date(EPOCH + n * 86_400_000).toISOString();

type Data<T extends InteractionEvent['type']> = Extract<InteractionEvent, { type: T }>['data'];

/** Builds stored events for one customer; positions follow creation order unless given. */
export class CustomerEvents {
  private n = 0;
  constructor(readonly customerId = 'C-1', private positionBase = 0, private idPrefix = 'e') {}

  event<T extends InteractionEvent['type']>(type: T, at: string, data: Data<T>, position?: number): StoredInteractionEvent {
    this.n++;
    return {
      eventId: `${this.customerId}-${this.idPrefix}${this.n}`,
      type,
      schemaVersion: 1,
      customerId: this.customerId,
      occurredAt: at,
      source: 'test',
      data,
      revision: this.n - 1,
      position: position ?? this.positionBase + this.n,
      recordedAt: at,
    } as StoredInteractionEvent;
  }

  registered(at: string): StoredInteractionEvent {
    return this.event('CustomerRegistered', at, { displayName: 'A. Customer', acquisitionChannel: 'web' });
  }
  purchase(at: string, o: { amount?: number; category?: string; orderId?: string; currency?: string } = {}): StoredInteractionEvent {
    return this.event('PurchaseMade', at, {
      orderId: o.orderId ?? `O-${this.n + 1}`,
      amount: o.amount ?? 1000,
      currency: o.currency ?? 'EUR',
      productCategory: o.category ?? 'books',
      productId: 'P-1',
      quantity: 1,
    });
  }
  refund(at: string, orderId: string, amount = 1000, currency = 'EUR'): StoredInteractionEvent {
    return this.event('PurchaseRefunded', at, { orderId, amount, currency, reason: 'damaged' });
  }
  contact(
    at: string,
    o: { outcome?: ContactOutcome; direction?: ContactDirection; sentiment?: number; contactId?: string; followUpOf?: string } = {},
  ): StoredInteractionEvent {
    return this.event('ContactLogged', at, {
      channel: 'phone',
      direction: o.direction ?? 'inbound',
      agentId: 'A-1',
      teamId: 'T-1',
      durationSec: 120,
      topic: 'order',
      outcome: o.outcome ?? 'resolved',
      ...(o.sentiment === undefined ? {} : { sentiment: o.sentiment }),
      ...(o.contactId === undefined ? {} : { contactId: o.contactId }),
      ...(o.followUpOf === undefined ? {} : { followUpOf: o.followUpOf }),
    });
  }
  complaint(at: string, complaintId: string, severity: ComplaintSeverity = 'high'): StoredInteractionEvent {
    return this.event('ComplaintFiled', at, { complaintId, category: 'delivery', severity, channel: 'phone' });
  }
  resolved(at: string, complaintId: string, o: { withinSla?: boolean; customerAccepted?: boolean } = {}): StoredInteractionEvent {
    return this.event('ComplaintResolved', at, {
      complaintId,
      resolution: 'replaced',
      customerAccepted: o.customerAccepted ?? true,
      ...(o.withinSla === undefined ? {} : { withinSla: o.withinSla }),
    });
  }
  rated(at: string, score: number, scale: RatingScale = 5, recommendLikelihood?: number, context: RatingContext = 'survey'): StoredInteractionEvent {
    return this.event('SatisfactionRated', at, {
      score,
      scale,
      context,
      ...(recommendLikelihood === undefined ? {} : { recommendLikelihood }),
    });
  }
  /** `referredCustomerId` null: a referral that names nobody. */
  referral(at: string, referredCustomerId: string | null = 'C-99'): StoredInteractionEvent {
    return this.event('ReferralMade', at, referredCustomerId === null ? {} : { referredCustomerId });
  }
  declined(at: string, competitor = 'RivalCo'): StoredInteractionEvent {
    return this.event('CompetitorOfferDeclined', at, { competitor, offerSummary: '20% off' });
  }
  ended(at: string, reason: ChurnReason): StoredInteractionEvent {
    return this.event('RelationshipEnded', at, { reason });
  }
  /** An identity merge: `mergedCustomerId` merged into this (the surviving) customer. */
  merged(at: string, mergedCustomerId: string): StoredInteractionEvent {
    return this.event('CustomersMerged', at, { mergedCustomerId, reason: 'duplicate registration' });
  }
}

/**
 * An in-memory stand-in for the customer's stream: the events delivered so far, which is the
 * history evolve/evaluate read when the fold state cannot answer (late events, a past asOf).
 */
export class InMemoryHistory {
  readonly events: StoredInteractionEvent[] = [];
  readonly read = (): Iterable<StoredInteractionEvent> => this.events;
  add(event: StoredInteractionEvent): void {
    this.events.push(event);
  }
}

/** Live: evolve one event at a time, in the order given, with the delivered events as the history. */
export function live(customerId: string, events: readonly StoredInteractionEvent[], policy = DEFAULT_POLICY): CustomerView {
  let view = initialView(customerId, policy);
  const history = new InMemoryHistory();
  for (const e of events) {
    view = evolve(view, e, policy, history.read);
    history.add(e);
  }
  return view;
}

/**
 * given(events).when...: every scenario view is computed live AND by full replay, and the
 * two must be equal before the test looks at it.
 */
export function given(events: readonly StoredInteractionEvent[], policy: RelationshipPolicy = DEFAULT_POLICY) {
  const customerId = events[0]?.customerId ?? 'C-1';
  const both = (): CustomerView => {
    const liveView = live(customerId, events, policy);
    expect(liveView).toEqual(foldEvents(customerId, events, policy));
    return liveView;
  };
  return {
    whenEvolved: both,
    whenEvaluatedAt: (asOf: string): CustomerView => evaluate(both(), asOf, policy, () => events),
  };
}

export const stagesOf = (view: CustomerView): string[] => view.lifecycle.transitions.map((t) => t.to);
export const trustStagesOf = (view: CustomerView): string[] => view.trust.transitions.map((t) => t.to);
