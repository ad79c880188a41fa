import fc from 'fast-check';
import { DEFAULT_POLICY, RelationshipPolicy } from '../policy';
import type { StoredInteractionEvent } from '@crm/contracts';
import { evaluate, evolve, foldEvents } from '../customer/customer-view.evolve';
import type { CustomerView } from '../customer/customer-view.types';
import { CustomerEvents, day, given, live, stagesOf } from '../customer/testing/customer-events.test-helper';

const SECOND = 1000;
const DAY = 86_400_000;
const at = (ms: number): string => new Date(ms).toISOString();

const evolveOne = (view: CustomerView, e: StoredInteractionEvent): CustomerView => evolve(view, e, PERIODS_ONLY);

/** Commitment needs only its purchase periods (and expansion): tenure 1 day, any trust. */
const PERIODS_ONLY: RelationshipPolicy = {
  ...DEFAULT_POLICY,
  policyVersion: 'test-commitment-periods',
  lifecycle: {
    ...DEFAULT_POLICY.lifecycle,
    commitment: { ...DEFAULT_POLICY.lifecycle.commitment, minTenureDays: 1, minTrustStage: 'calculus' },
  },
};

describe('commitment: purchases in ≥ 3 distinct 30-day periods of the last 180 days, counted back from the as-of instant', () => {
  it('uses the model defaults', () => {
    expect(DEFAULT_POLICY.lifecycle.commitment).toMatchObject({ periodDays: 30, minDistinctPeriods: 3, lookbackDays: 180, minTenureDays: 180 });
  });

  // Period k is (asOf − (k+1)·30 d, asOf − k·30 d]: a purchase exactly 30 days back is in period 1.
  const asOf = Date.parse(day(100));

  it('purchases at asOf − 60 d, asOf − 30 d and asOf are in periods 2, 1 and 0: commitment at the third purchase', () => {
    const c = new CustomerEvents('C-periods-exact');
    const third = c.purchase(at(asOf));
    const view = given([c.registered(day(0)), c.purchase(at(asOf - 60 * DAY)), c.purchase(at(asOf - 30 * DAY)), third], PERIODS_ONLY).whenEvolved();
    expect(stagesOf(view)).toEqual(['awareness', 'exploration', 'expansion', 'commitment']);
    expect(view.lifecycle.transitions[3]).toMatchObject({ rule: 'commitment', eventId: third.eventId, occurredAt: at(asOf) });
  });

  it('a purchase a second less than 30 days back shares period 0 with asOf: no commitment yet, until it crosses into period 1', () => {
    const c = new CustomerEvents('C-periods-inside');
    const events = [c.registered(day(0)), c.purchase(at(asOf - 60 * DAY)), c.purchase(at(asOf - 30 * DAY + SECOND)), c.purchase(at(asOf))];
    const atAsOf = given(events, PERIODS_ONLY).whenEvaluatedAt(at(asOf));
    expect(atAsOf.lifecycle.stage).toBe('expansion');
    // One second later the middle purchase is exactly 30 days back: the time rule fires at that instant, without an event.
    const later = given(events, PERIODS_ONLY).whenEvaluatedAt(at(asOf + DAY));
    expect(later.lifecycle.transitions.at(-1)).toEqual({ from: 'expansion', to: 'commitment', eventId: null, rule: 'commitment', occurredAt: at(asOf + SECOND) });
    expect(evaluate(atAsOf, at(asOf + SECOND), PERIODS_ONLY).lifecycle.stage).toBe('commitment');
    expect(evaluate(atAsOf, at(asOf + SECOND - 1), PERIODS_ONLY).lifecycle.stage).toBe('expansion');
  });

  it('a purchase exactly 180 days back is outside the lookback; a second later it is in period 5', () => {
    const start = Date.parse(day(10));
    const outside = new CustomerEvents('C-periods-180');
    const view = given(
      [outside.purchase(at(start)), outside.purchase(at(start + 30 * DAY)), outside.purchase(at(start + 180 * DAY))],
      PERIODS_ONLY,
    ).whenEvolved();
    // At start + 180 d: the first purchase has left, the second is in period 5, the third in period 0.
    expect(view.lifecycle.stage).toBe('expansion');

    const inside = new CustomerEvents('C-periods-179');
    const third = inside.purchase(at(start + 180 * DAY - SECOND));
    const committed = given([inside.purchase(at(start)), inside.purchase(at(start + 30 * DAY)), third], PERIODS_ONLY).whenEvolved();
    expect(committed.lifecycle.transitions.at(-1)).toMatchObject({ to: 'commitment', eventId: third.eventId });
  });

  it('under the default policy, with tenure and trust reached, commitment fires where a purchase crosses into an older period', () => {
    const c = new CustomerEvents('C-periods-default');
    const events = [c.registered(day(0))];
    // Five resolved contacts over 61 days: knowledge-based trust on day 62.
    for (const d of [1, 20, 40, 61, 62]) events.push(c.contact(day(d), { outcome: 'resolved' }));
    events.push(c.purchase(day(125)), c.purchase(day(145)), c.purchase(day(170)));
    // On day 180 (tenure reached) the purchases are in periods 1, 1 and 0: two periods. On day 185 the first
    // is 60 days back, in period 2: three periods. (No other time rule wakes on day 185.)
    const view = given(events).whenEvaluatedAt(day(200));
    expect(view.trust.stage).toBe('knowledge');
    expect(stagesOf(view)).toEqual(['awareness', 'exploration', 'expansion', 'commitment']);
    expect(view.lifecycle.transitions[3]).toEqual({ from: 'expansion', to: 'commitment', eventId: null, rule: 'commitment', occurredAt: day(185) });
    expect(given(events).whenEvaluatedAt(at(Date.parse(day(185)) - 1)).lifecycle.stage).toBe('expansion');
  });

  it('counts only the current episode: after a win-back the old purchases give no period', () => {
    const c = new CustomerEvents('C-periods-episode');
    const events = [c.purchase(day(0)), c.purchase(day(30)), c.purchase(day(60)), c.ended(day(61), 'price'), c.purchase(day(70)), c.purchase(day(80))];
    // The first episode reached commitment on day 60. As of day 95 the second one has purchases in period 0
    // only, as of day 130 in periods 2 and 1: counting days 0, 30 and 60 as well would make three.
    const view = given(events, PERIODS_ONLY).whenEvaluatedAt(day(95));
    expect(stagesOf(view)).toEqual(['awareness', 'exploration', 'expansion', 'commitment', 'dissolution', 'exploration', 'expansion']);
    expect(given(events, PERIODS_ONLY).whenEvaluatedAt(day(130)).lifecycle.stage).toBe('expansion');
    // Tenure still counts from the first event ever.
    expect(given(events, PERIODS_ONLY).whenEvaluatedAt(day(130)).loyalty.behavioural.tenureDays).toBe(130);
  });

  it('live, replayed and evaluated at any instants, the stage is the same function of (events, asOf)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 * 24 }), { minLength: 2, maxLength: 14 }),
        fc.array(fc.integer({ min: 0, max: 500 * 24 }), { minLength: 1, maxLength: 10 }),
        (purchaseHours, lookHours) => {
          const c = new CustomerEvents('C-periods-prop');
          const events = purchaseHours.map((h) => c.purchase(at(Date.parse(day(0)) + h * 3_600_000)));
          const end = day(520);
          const whole = evaluate(foldEvents('C-periods-prop', events, PERIODS_ONLY), end, PERIODS_ONLY);
          expect(evaluate(live('C-periods-prop', events, PERIODS_ONLY), end, PERIODS_ONLY)).toEqual(whole);
          // Looking in between (and persisting what was seen), in time order, changes nothing.
          const looks = lookHours.map((h) => Date.parse(day(0)) + h * 3_600_000).sort((a, b) => a - b);
          const inOrder = [...events].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
          let seen = live('C-periods-prop', [], PERIODS_ONLY);
          for (const e of inOrder) {
            while (looks.length > 0 && looks[0] < Date.parse(e.occurredAt)) {
              const look = looks.shift() as number;
              if (seen.eventCount > 0) seen = evaluate(seen, at(look), PERIODS_ONLY);
            }
            seen = evolveOne(seen, e);
          }
          expect(evaluate(seen, end, PERIODS_ONLY)).toEqual(whole);
        },
      ),
      { numRuns: 150 },
    );
  });
});
