import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CHURN_REASONS,
  COMPLAINT_CATEGORIES,
  COMPLAINT_SEVERITIES,
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_OUTCOMES,
  INTERACTION_EVENT_TYPES,
  RATING_CONTEXTS,
  type InteractionEvent,
} from '@crm/contracts';
import { validateInteractionEvent } from '@crm/contracts/edge';
import { generateHistory, summarizeHistory } from '@crm/simulation';

const YEAR = { customers: 1000, days: 365, seed: 42 } as const;
// One collected year, shared by the read-only checks below (generation is deterministic).
let year: InteractionEvent[];
beforeAll(() => {
  year = [...generateHistory(YEAR)];
});

/** Late = occurredAt before an event of the same customer that came earlier in the stream. */
function splitLate(events: Iterable<InteractionEvent>): { onTime: InteractionEvent[]; late: InteractionEvent[] } {
  const latest = new Map<string, number>();
  const onTime: InteractionEvent[] = [];
  const late: InteractionEvent[] = [];
  for (const event of events) {
    const ms = Date.parse(event.occurredAt);
    if (ms < (latest.get(event.customerId) ?? -Infinity)) {
      late.push(event);
    } else {
      latest.set(event.customerId, ms);
      onTime.push(event);
    }
  }
  return { onTime, late };
}

describe('generateHistory: determinism', () => {
  it('gives identical events (ids included) for the same seed, on every iteration', () => {
    const again = [...generateHistory(YEAR)];
    expect(again).toEqual(year);
    const iterable = generateHistory({ customers: 50, days: 60, seed: 7 });
    expect([...iterable]).toEqual([...iterable]);
  });

  it('gives different events for a different seed', () => {
    const other = [...generateHistory({ ...YEAR, seed: 43 })];
    const ids = new Set(year.map((e) => e.eventId));
    expect(other.filter((e) => ids.has(e.eventId))).toHaveLength(0);
    expect(other.map((e) => e.type)).not.toEqual(year.map((e) => e.type));
  });

  it('uses unique eventIds', () => {
    expect(new Set(year.map((e) => e.eventId)).size).toBe(year.length);
  });
});

describe('generateHistory: contract', () => {
  it('produces only events the contract accepts, unchanged by validation', () => {
    const failures: unknown[] = [];
    for (const event of year) {
      const result = validateInteractionEvent(JSON.parse(JSON.stringify(event)));
      if (!result.ok) failures.push({ event, violations: result.violations });
      else if (failures.length === 0) expect(result.event).toEqual(event);
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });

  it('keeps ids and amounts within the contract limits', () => {
    // Collected, not asserted per event: 12k expect() calls would dominate the run time.
    const bad = year.filter(
      (event) =>
        !/^[A-Za-z0-9._:-]{1,128}$/.test(event.customerId) ||
        !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/.test(event.occurredAt) ||
        ((event.type === 'PurchaseMade' || event.type === 'PurchaseRefunded') && !Number.isSafeInteger(event.data.amount)) ||
        (event.type === 'SatisfactionRated' && event.data.score > event.data.scale),
    );
    expect(bad).toEqual([]);
  });

  it('refunds only orders of the same customer, in the order currency, not above the amount', () => {
    const orders = new Map<string, { customerId: string; amount: number; currency: string }>();
    for (const event of year) {
      if (event.type === 'PurchaseMade') orders.set(event.data.orderId, { customerId: event.customerId, ...event.data });
      if (event.type === 'PurchaseRefunded') {
        const order = orders.get(event.data.orderId);
        expect(order).toBeDefined();
        expect(order!.customerId).toBe(event.customerId);
        expect(order!.currency).toBe(event.data.currency);
        expect(event.data.amount).toBeLessThanOrEqual(order!.amount);
      }
    }
  });
});

describe('generateHistory: time order and late events', () => {
  it('is in global time order apart from the late events', () => {
    const { onTime } = splitLate(year);
    const outOfOrder = onTime.filter((event, i) => i > 0 && Date.parse(event.occurredAt) < Date.parse(onTime[i - 1].occurredAt));
    expect(outOfOrder).toEqual([]);
    const start = Date.parse('2025-01-01T00:00:00Z');
    expect(Date.parse(onTime[0].occurredAt)).toBeGreaterThanOrEqual(start);
    expect(Date.parse(onTime[onTime.length - 1].occurredAt)).toBeLessThan(start + 365 * 86_400_000);
  });

  it('makes about lateShare of the events late (default 1 %), and none when it is 0', () => {
    const share = splitLate(year).late.length / year.length;
    expect(share).toBeGreaterThan(0.007);
    expect(share).toBeLessThan(0.013);
    const five = [...generateHistory({ ...YEAR, customers: 300, lateShare: 0.05 })];
    const fiveShare = splitLate(five).late.length / five.length;
    expect(fiveShare).toBeGreaterThan(0.04);
    expect(fiveShare).toBeLessThan(0.06);
    expect(splitLate(generateHistory({ ...YEAR, customers: 300, lateShare: 0 })).late).toHaveLength(0);
  });

  it('backdates late events to within two weeks and never before the customer was first seen', () => {
    const first = new Map<string, number>();
    const latest = new Map<string, number>();
    for (const event of year) {
      const ms = Date.parse(event.occurredAt);
      if (!first.has(event.customerId)) first.set(event.customerId, ms);
      const max = latest.get(event.customerId)!;
      if (max !== undefined && ms < max) {
        expect(ms).toBeGreaterThan(first.get(event.customerId)!);
        expect(max - ms).toBeLessThanOrEqual(14 * 86_400_000);
        expect(['ContactLogged', 'SatisfactionRated', 'ReferralMade', 'CompetitorOfferDeclined']).toContain(event.type);
      } else {
        latest.set(event.customerId, ms);
      }
    }
  });

  it('uses several offsets, Z and +00:00 included', () => {
    const offsets = new Set(year.map((e) => /(Z|[+-]\d\d:\d\d)$/.exec(e.occurredAt)![1]));
    expect([...offsets]).toEqual(expect.arrayContaining(['Z', '+00:00', '+01:00', '+02:00']));
  });
});

describe('generateHistory: realism of a 1,000-customer year', () => {
  it('has every event type, churn reason and both rating scales', () => {
    const summary = summarizeHistory(year);
    expect(summary.events).toBe(year.length);
    expect(summary.customers).toBe(1000);
    // Every interaction type; the bookkeeping CustomersMerged is not simulated (merges are rare, the ingest routes them).
    for (const type of INTERACTION_EVENT_TYPES) expect(summary.byType[type]).toBeGreaterThan(0);
    for (const reason of CHURN_REASONS) expect(summary.churnReasons[reason]).toBeGreaterThan(0);
    expect(summary.ratingScales[5]).toBeGreaterThan(0);
    expect(summary.ratingScales[7]).toBeGreaterThan(0);
  });

  it('spreads customers from one-time buyers to regulars, with browsers who never buy', () => {
    const { purchases, byType, customers } = summarizeHistory(year);
    expect(purchases.customersWithTenOrMore).toBeGreaterThanOrEqual(30);
    expect(purchases.customersWithOne).toBeGreaterThanOrEqual(200);
    expect(purchases.max).toBeGreaterThanOrEqual(20);
    const buyers = new Set(year.filter((e) => e.type === 'PurchaseMade').map((e) => e.customerId));
    expect(customers - buyers.size).toBeGreaterThanOrEqual(100);
    expect(byType.CustomerRegistered).toBeLessThan(customers); // some first appear through a contact or purchase
    expect(byType.CustomerRegistered).toBeGreaterThan(0.8 * customers);
  });

  it('registers most customers first, and some later than their first event', () => {
    const seen = new Set<string>();
    let registeredFirst = 0;
    let registeredLater = 0;
    for (const event of year) {
      if (event.type === 'CustomerRegistered') {
        if (seen.has(event.customerId)) registeredLater++;
        else registeredFirst++;
      }
      seen.add(event.customerId);
    }
    expect(registeredFirst).toBeGreaterThan(850);
    expect(registeredLater).toBeGreaterThan(0);
  });

  it('logs contacts on every channel, direction and outcome; some agents escalate far more', () => {
    const contacts = year.flatMap((e) => (e.type === 'ContactLogged' ? [e.data] : []));
    expect(new Set(contacts.map((c) => c.channel))).toEqual(new Set(CONTACT_CHANNELS));
    expect(new Set(contacts.map((c) => c.direction))).toEqual(new Set(CONTACT_DIRECTIONS));
    expect(new Set(contacts.map((c) => c.outcome))).toEqual(new Set(CONTACT_OUTCOMES));
    expect(contacts.filter((c) => !/^A-\d{3}$/.test(c.agentId) || !/^T-\d{2}$/.test(c.teamId))).toEqual([]);
    const byAgent = new Map<string, { total: number; escalated: number }>();
    for (const c of contacts) {
      const counts = byAgent.get(c.agentId) ?? { total: 0, escalated: 0 };
      counts.total++;
      if (c.outcome === 'escalated') counts.escalated++;
      byAgent.set(c.agentId, counts);
    }
    const rates = [...byAgent.values()].filter((a) => a.total >= 40).map((a) => a.escalated / a.total).sort((a, b) => a - b);
    expect(rates[rates.length - 1]).toBeGreaterThan(3 * rates[Math.floor(rates.length / 2)]);
    expect(contacts.some((c) => c.followUpOf !== undefined)).toBe(true);
  });

  it('files complaints of all categories and severities, resolved within and outside SLA, accepted or not, some never', () => {
    const filed = year.flatMap((e) => (e.type === 'ComplaintFiled' ? [e.data] : []));
    const resolved = year.flatMap((e) => (e.type === 'ComplaintResolved' ? [e.data] : []));
    expect(new Set(filed.map((c) => c.category))).toEqual(new Set(COMPLAINT_CATEGORIES));
    expect(new Set(filed.map((c) => c.severity))).toEqual(new Set(COMPLAINT_SEVERITIES));
    expect(new Set(resolved.map((r) => r.withinSla))).toEqual(new Set([true, false, undefined]));
    expect(new Set(resolved.map((r) => r.customerAccepted))).toEqual(new Set([true, false]));
    const resolvedIds = new Set(resolved.map((r) => r.complaintId));
    expect(filed.filter((c) => !resolvedIds.has(c.complaintId)).length).toBeGreaterThan(0);
    const filedIds = new Set(filed.map((c) => c.complaintId));
    for (const id of resolvedIds) expect(filedIds.has(id)).toBe(true);
  });

  it('keeps one currency per customer and mostly one rating scale; rates in every context', () => {
    const currencies = new Map<string, Set<string>>();
    const scales = new Map<string, number[]>();
    for (const event of year) {
      if (event.type === 'PurchaseMade') currencies.set(event.customerId, (currencies.get(event.customerId) ?? new Set()).add(event.data.currency));
      if (event.type === 'SatisfactionRated') scales.set(event.customerId, [...(scales.get(event.customerId) ?? []), event.data.scale]);
    }
    for (const set of currencies.values()) expect(set.size).toBe(1);
    expect(new Set([...currencies.values()].map((s) => [...s][0])).has('EUR')).toBe(true);
    let usual = 0;
    let all = 0;
    for (const list of scales.values()) {
      const fives = list.filter((s) => s === 5).length;
      usual += Math.max(fives, list.length - fives);
      all += list.length;
    }
    expect(usual / all).toBeGreaterThan(0.9);
    const contexts = new Set(year.flatMap((e) => (e.type === 'SatisfactionRated' ? [e.data.context] : [])));
    expect(contexts).toEqual(new Set(RATING_CONTEXTS));
  });

  it('has regulars who buy often across several categories and decline competitor offers', () => {
    const perCustomer = new Map<string, { purchases: number; categories: Set<string>; declines: number }>();
    for (const event of year) {
      const entry = perCustomer.get(event.customerId) ?? { purchases: 0, categories: new Set<string>(), declines: 0 };
      if (event.type === 'PurchaseMade') {
        entry.purchases++;
        entry.categories.add(event.data.productCategory);
      }
      if (event.type === 'CompetitorOfferDeclined') entry.declines++;
      perCustomer.set(event.customerId, entry);
    }
    const regulars = [...perCustomer.values()].filter((c) => c.purchases >= 10);
    expect(regulars.filter((c) => c.categories.size >= 3).length).toBeGreaterThan(regulars.length / 2);
    expect(regulars.filter((c) => c.declines > 0).length).toBeGreaterThan(0);
  });
});

describe('generateHistory: options', () => {
  it('honours start, agents, teams, sources and the customer id prefix', () => {
    const events = [
      ...generateHistory({ customers: 40, days: 90, seed: 3, start: '2026-03-01T00:00:00Z', agents: 5, teams: 2, sources: ['a', 'b'], customerIdPrefix: 'run7:' }),
    ];
    expect(events.length).toBeGreaterThan(0);
    expect(Date.parse(events[0].occurredAt)).toBeGreaterThanOrEqual(Date.parse('2026-03-01T00:00:00Z'));
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['a', 'b']));
    for (const e of events) {
      expect(e.customerId).toMatch(/^run7:\d{6}$/);
      if (e.type === 'ContactLogged') {
        expect(['A-001', 'A-002', 'A-003', 'A-004', 'A-005']).toContain(e.data.agentId);
        expect(['T-01', 'T-02']).toContain(e.data.teamId);
      }
    }
  });

  it('rejects impossible options', () => {
    expect(() => generateHistory({ customers: -1, days: 1, seed: 1 })).toThrow(RangeError);
    expect(() => generateHistory({ customers: 1, days: 1.5, seed: 1 })).toThrow(RangeError);
    expect(() => generateHistory({ customers: 1, days: 1, seed: 1, start: 'yesterday' })).toThrow(RangeError);
    expect(() => generateHistory({ customers: 1, days: 1, seed: 1, lateShare: 1 })).toThrow(RangeError);
    expect(() => generateHistory({ customers: 1, days: 1, seed: 1, sources: [] })).toThrow(RangeError);
    expect(() => generateHistory({ customers: 1, days: 1, seed: 1, customerIdPrefix: 'C/' })).toThrow(RangeError);
    expect([...generateHistory({ customers: 0, days: 10, seed: 1 })]).toEqual([]);
    expect([...generateHistory({ customers: 10, days: 0, seed: 1 })]).toEqual([]);
  });
});

describe('generateHistory: streaming', () => {
  it('streams 100k customers x 30 days with live memory far below the size of the history', () => {
    // gc() lets the test read the live heap instead of whatever garbage is still around.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let count = 0;
    let jsonBytes = 0;
    let peakLive = 0;
    for (const event of generateHistory({ customers: 100_000, days: 30, seed: 42 })) {
      count++;
      // Sampled: serialising every event would dominate the run time.
      if (count % 100 === 0) jsonBytes += 100 * JSON.stringify(event).length;
      if (count % 100_000 === 0) {
        gc();
        peakLive = Math.max(peakLive, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(count).toBeGreaterThan(200_000);
    // Collected, these events take about 3x their JSON size (measured: 256 MB for 83 MB of
    // JSON); streamed, the generator holds per-customer state only (under 1 KB a customer).
    expect(peakLive).toBeLessThan(1.5 * jsonBytes);
    expect(peakLive).toBeLessThan(150 * 1024 * 1024);
  }, 120_000);
});
