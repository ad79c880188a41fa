import type { RatingContext, StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY } from '../policy';
import { evaluate, evolve, foldEvents } from '../customer/customer-view.evolve';
import { toFact } from '../fold/event-fact';
import { CustomerEvents, day, given, live } from '../customer/testing/customer-events.test-helper';

function rated(c: CustomerEvents, at: string, score: number, context: RatingContext, scale: 5 | 7 = 5): StoredInteractionEvent {
  return c.event('SatisfactionRated', at, { score, scale, context });
}

const referral = (c: CustomerEvents, at: string, referredCustomerId?: string): StoredInteractionEvent =>
  c.event('ReferralMade', at, referredCustomerId === undefined ? {} : { referredCustomerId });

describe('satisfaction by rating context', () => {
  it('every context is present; unrated ones have no average', () => {
    const c = new CustomerEvents('C-ctx-none');
    expect(given([c.purchase(day(0))]).whenEvolved().satisfaction.byContext).toEqual({
      contact: { ratings: 0, average: null },
      purchase: { ratings: 0, average: null },
      complaint: { ratings: 0, average: null },
      survey: { ratings: 0, average: null },
    });
  });

  it('averages the normalised ratings of each context beside the overall average', () => {
    const c = new CustomerEvents('C-ctx');
    const view = given([
      rated(c, day(0), 5, 'contact'),
      rated(c, day(1), 2, 'contact'),
      rated(c, day(2), 7, 'purchase', 7),
      rated(c, day(3), 1, 'complaint'),
    ]).whenEvolved();
    expect(view.satisfaction.ratings).toBe(4);
    expect(view.satisfaction.average).toBeCloseTo((1 + 0.25 + 1 + 0) / 4, 12);
    expect(view.satisfaction.byContext).toEqual({
      contact: { ratings: 2, average: 0.625 },
      purchase: { ratings: 1, average: 1 },
      complaint: { ratings: 1, average: 0 },
      survey: { ratings: 0, average: null },
    });
  });

  it('the compact fact keeps the context, so a re-fold after a late rating gives the same result', () => {
    const c = new CustomerEvents('C-ctx-late');
    const onTime = [rated(c, day(5), 5, 'survey'), rated(c, day(6), 3, 'purchase')];
    const late = rated(c, day(1), 1, 'contact');
    expect(toFact(late)).toMatchObject({ type: 'SatisfactionRated', context: 'contact' });
    const liveView = live('C-ctx-late', [...onTime, late]);
    // The late rating re-folded the view from its history (the customer's stream).
    expect(liveView).toEqual(foldEvents('C-ctx-late', [late, ...onTime], DEFAULT_POLICY));
    expect(liveView.satisfaction.byContext.contact).toEqual({ ratings: 1, average: 0 });
    expect(liveView.satisfaction.byContext.survey).toEqual({ ratings: 1, average: 1 });
    expect(liveView.satisfaction.byContext.purchase).toEqual({ ratings: 1, average: 0.5 });
    // And after a round trip through JSON, as the projector stores it.
    const stored = JSON.parse(JSON.stringify(live('C-ctx-late', onTime)));
    expect(evolve(stored, late, DEFAULT_POLICY, () => onTime)).toEqual(liveView);
  });

  it('a view stored before contexts were kept is re-folded, its old ratings counting only overall', () => {
    const c = new CustomerEvents('C-ctx-old');
    const first = rated(c, day(0), 5, 'survey');
    const view = live('C-ctx-old', [first]);
    // The layout of then: every fact in `log`, without contexts.
    const old = JSON.parse(JSON.stringify(view));
    delete old.satisfaction.byContext;
    delete old.state.contextRatingSums;
    old.log = [toFact(first)];
    for (const f of old.log) delete f.context;
    const next = evolve(old, rated(c, day(1), 1, 'contact'), DEFAULT_POLICY);
    expect(next.satisfaction.ratings).toBe(2);
    expect(next.satisfaction.byContext.survey).toEqual({ ratings: 0, average: null });
    expect(next.satisfaction.byContext.contact).toEqual({ ratings: 1, average: 0 });
    expect(evaluate(old, day(2), DEFAULT_POLICY).satisfaction.byContext.survey).toEqual({ ratings: 0, average: null });
  });
});

describe('referral links', () => {
  it("lists the referred customers in the referrer's view: distinct, in occurredAt order, with the first referral's event", () => {
    const c = new CustomerEvents('C-ref');
    const first = referral(c, day(3), 'C-b');
    const events = [referral(c, day(5), 'C-a'), first, referral(c, day(7), 'C-b'), referral(c, day(8)), referral(c, day(9), 'C-ref')];
    const view = given(events).whenEvolved();
    expect(view.loyalty.conative.referrals).toBe(5);
    expect(view.loyalty.conative.referredCustomers).toEqual([
      { customerId: 'C-b', eventId: first.eventId, occurredAt: day(3) },
      { customerId: 'C-a', eventId: events[0].eventId, occurredAt: day(5) },
    ]);
    expect(toFact(first)).toMatchObject({ type: 'ReferralMade', referredCustomerId: 'C-b' });
  });

  it('a late referral re-folds into its place, and the list survives a JSON round trip', () => {
    const c = new CustomerEvents('C-ref-late');
    const later = referral(c, day(10), 'C-x');
    const earlier = referral(c, day(2), 'C-x');
    const stored = JSON.parse(JSON.stringify(live('C-ref-late', [later])));
    const view = evolve(stored, earlier, DEFAULT_POLICY, () => [later]);
    expect(view.loyalty.conative.referredCustomers).toEqual([{ customerId: 'C-x', eventId: earlier.eventId, occurredAt: day(2) }]);
    expect(view).toEqual(foldEvents('C-ref-late', [later, earlier], DEFAULT_POLICY));
  });
});
