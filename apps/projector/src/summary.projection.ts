import { EVENT_TYPES, InteractionEventType, StoredInteractionEvent } from '@crm/contracts';
import { CustomerProjection } from './customer-projection';

/** The foundation's simple view: counts per type, first/last seen, purchase totals. */
export interface CustomerSummaryView {
  customerId: string;
  eventCount: number;
  countsByType: Record<InteractionEventType, number>;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  purchases: { count: number; totalsByCurrency: Record<string, number>; refundedByCurrency: Record<string, number> };
}

export class SummaryProjection extends CustomerProjection<CustomerSummaryView> {
  readonly name = 'customer-summary';
  readonly version = 'summary-1';

  initial(customerId: string): CustomerSummaryView {
    return {
      customerId,
      eventCount: 0,
      countsByType: Object.fromEntries(EVENT_TYPES.map((t: InteractionEventType) => [t, 0])) as Record<InteractionEventType, number>,
      firstSeenAt: null,
      lastSeenAt: null,
      purchases: { count: 0, totalsByCurrency: {}, refundedByCurrency: {} },
    };
  }

  evolve(view: CustomerSummaryView, event: StoredInteractionEvent): CustomerSummaryView {
    const next: CustomerSummaryView = {
      ...view,
      eventCount: view.eventCount + 1,
      countsByType: { ...view.countsByType, [event.type]: view.countsByType[event.type] + 1 },
      firstSeenAt: earliest(view.firstSeenAt, event.occurredAt),
      lastSeenAt: latest(view.lastSeenAt, event.occurredAt),
    };
    switch (event.type) {
      case 'PurchaseMade': {
        const { currency, amount } = event.data;
        next.purchases = {
          ...view.purchases,
          count: view.purchases.count + 1,
          totalsByCurrency: { ...view.purchases.totalsByCurrency, [currency]: (view.purchases.totalsByCurrency[currency] ?? 0) + amount },
        };
        break;
      }
      case 'PurchaseRefunded': {
        const { currency, amount } = event.data;
        next.purchases = {
          ...view.purchases,
          refundedByCurrency: { ...view.purchases.refundedByCurrency, [currency]: (view.purchases.refundedByCurrency[currency] ?? 0) + amount },
        };
        break;
      }
      default:
        break;
    }
    return next;
  }

  indexes(view: CustomerSummaryView): Record<string, string> {
    return { buyer: view.purchases.count > 0 ? 'yes' : 'no' };
  }
}

const earliest = (a: string | null, b: string) => (a === null || Date.parse(b) < Date.parse(a) ? b : a);
const latest = (a: string | null, b: string) => (a === null || Date.parse(b) > Date.parse(a) ? b : a);
