import { HistoryRequiredError } from '../domain.errors';
import { evolve, evolveInPlace, foldEvents, tryEvolveInPlace } from '../customer/customer-view.evolve';
import { initialView } from '../customer/customer-view.initial';
import { CustomerEvents, day, live } from '../customer/testing/customer-events.test-helper';
import { DEFAULT_POLICY } from '../policy';

describe('the fold state keeps windows, the history answers the rest', () => {
  it('stays the same size when the same year of history repeats (purchases, refunds, follow-ups, complaints resolved)', () => {
    const sizes: number[] = [];
    const c = new CustomerEvents('C-years');
    const events = [];
    for (let year = 0; year < 6; year++) {
      const base = 365 * year;
      for (let m = 0; m < 12; m++) events.push(c.purchase(day(base + 30 * m), { orderId: `O-${year}-${m}`, category: `cat-${m % 3}` }));
      events.push(c.refund(day(base + 31), `O-${year}-1`));
      events.push(c.contact(day(base + 40), { outcome: 'follow_up', contactId: `X-${year}` }));
      events.push(c.contact(day(base + 45), { followUpOf: `X-${year}` }));
      events.push(c.contact(day(base + 50), { outcome: 'follow_up', contactId: `Y-${year}` })); // never followed up
      events.push(c.complaint(day(base + 60), `K-${year}`, 'low'), c.resolved(day(base + 61), `K-${year}`));
      events.push(c.rated(day(base + 70), 4));
      sizes.push(JSON.stringify(foldEvents('C-years', events, DEFAULT_POLICY).state).length);
    }
    // After the horizon (390 days) is full, a year more costs nothing but digits.
    for (const size of sizes.slice(2)) expect(size).toBeLessThanOrEqual(sizes[1] * 1.1);
  });

  it('a follow-up of a contact before the horizon reads the history, and counts like the full fold', () => {
    const c = new CustomerEvents('C-fu');
    const events = [c.contact(day(0), { outcome: 'follow_up', contactId: 'X-1' }), c.purchase(day(100)), c.purchase(day(500))];
    const late = c.contact(day(501), { followUpOf: 'X-1' });
    const view = live('C-fu', events);
    expect(view.state.pendingFollowUps).toEqual([]);
    expect(view.state.followUpsBeforeHorizon).toBe(1);
    expect(tryEvolveInPlace(structuredClone(view), late, DEFAULT_POLICY)).toBe('needs-history');
    expect(() => evolveInPlace(structuredClone(view), late, DEFAULT_POLICY)).toThrow(HistoryRequiredError);
    const next = evolve(view, late, DEFAULT_POLICY, () => events);
    expect(next).toEqual(foldEvents('C-fu', [...events, late], DEFAULT_POLICY));
    expect(next.trust.evidence.integrity.positive).toBe(1);
  });

  it('a refund of an order bought before the horizon reads the history; one inside it does not', () => {
    const c = new CustomerEvents('C-refund');
    const events = [c.purchase(day(0), { orderId: 'O-old' }), c.purchase(day(400), { orderId: 'O-new' })];
    const view = live('C-refund', events);
    let reads = 0;
    const history = () => (reads++, events);
    const recent = c.refund(day(401), 'O-new');
    const afterRecent = evolve(view, recent, DEFAULT_POLICY, history);
    expect(reads).toBe(0);
    const old = c.refund(day(402), 'O-old');
    const afterOld = evolve(afterRecent, old, DEFAULT_POLICY, () => (reads++, [...events, recent]));
    expect(reads).toBe(1);
    expect(afterOld).toEqual(foldEvents('C-refund', [...events, recent, old], DEFAULT_POLICY));
    expect(afterOld.trust.evidence.competence).toEqual({ positive: 0, negative: 2 });
  });

  it('in-order events never read the history', () => {
    const c = new CustomerEvents('C-in-order');
    let view = initialView('C-in-order', DEFAULT_POLICY);
    const never = () => {
      throw new Error('read the history');
    };
    for (let d = 0; d < 800; d += 7) view = evolve(view, d % 3 === 0 ? c.purchase(day(d)) : c.contact(day(d)), DEFAULT_POLICY, never);
    expect(view.eventCount).toBeGreaterThan(100);
  });
});
