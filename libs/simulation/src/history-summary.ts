import { CHURN_REASONS, EVENT_TYPES, type ChurnReason, type InteractionEvent, type InteractionEventType } from '@crm/contracts';

export interface HistorySummary {
  events: number;
  /** Distinct customerIds. */
  customers: number;
  byType: Record<InteractionEventType, number>;
  /** Events whose occurredAt is earlier than an event of the same customer seen before them. */
  late: number;
  churnReasons: Record<ChurnReason, number>;
  ratingScales: { 5: number; 7: number };
  /** Customers by number of purchases: how many bought once, at least 10 times, the most. */
  purchases: { customersWithOne: number; customersWithTenOrMore: number; max: number };
  firstOccurredAt?: string;
  lastOccurredAt?: string;
}

/**
 * Counts of a history, in one pass. Memory is per customer (a few numbers each), not per event,
 * so it also summarises a streamed history.
 */
export function summarizeHistory(events: Iterable<InteractionEvent>): HistorySummary {
  const byType = Object.fromEntries(EVENT_TYPES.map((type) => [type, 0])) as Record<InteractionEventType, number>;
  const churnReasons = Object.fromEntries(CHURN_REASONS.map((reason) => [reason, 0])) as Record<ChurnReason, number>;
  const ratingScales = { 5: 0, 7: 0 };
  const latestByCustomer = new Map<string, number>();
  const purchasesByCustomer = new Map<string, number>();
  let total = 0;
  let late = 0;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let firstOccurredAt: string | undefined;
  let lastOccurredAt: string | undefined;
  for (const event of events) {
    total++;
    byType[event.type]++;
    const ms = Date.parse(event.occurredAt);
    const latest = latestByCustomer.get(event.customerId);
    if (latest !== undefined && ms < latest) late++;
    else latestByCustomer.set(event.customerId, ms);
    if (ms < firstMs) [firstMs, firstOccurredAt] = [ms, event.occurredAt];
    if (ms > lastMs) [lastMs, lastOccurredAt] = [ms, event.occurredAt];
    switch (event.type) {
      case 'PurchaseMade':
        purchasesByCustomer.set(event.customerId, (purchasesByCustomer.get(event.customerId) ?? 0) + 1);
        break;
      case 'RelationshipEnded':
        churnReasons[event.data.reason]++;
        break;
      case 'SatisfactionRated':
        ratingScales[event.data.scale]++;
        break;
      default:
        break;
    }
  }
  const counts = [...purchasesByCustomer.values()];
  return {
    events: total,
    customers: latestByCustomer.size,
    byType,
    late,
    churnReasons,
    ratingScales,
    purchases: {
      customersWithOne: counts.filter((n) => n === 1).length,
      customersWithTenOrMore: counts.filter((n) => n >= 10).length,
      max: counts.reduce((a, b) => Math.max(a, b), 0),
    },
    ...(firstOccurredAt !== undefined ? { firstOccurredAt, lastOccurredAt } : {}),
  };
}
