import { DEFAULT_POLICY } from '../policy';
import { CustomerEvents, day, given, stagesOf } from '../customer/testing/customer-events.test-helper';

const SECOND = 1000;
const DAY = 86_400_000;
const at = (ms: number): string => new Date(ms).toISOString();

describe('loyalty formation and the five traits: the model defaults (docs/relationship-model.md §4)', () => {
  it('the default policy holds the thresholds of the model', () => {
    expect(DEFAULT_POLICY.loyalty).toEqual({
      formation: {
        acceptanceMinPurchases: 1,
        preferenceMinPurchases: 2,
        preferenceMinSatisfaction: 0.5,
        loyaltyMinTraits: 3,
        loyaltyRequiresRegularRepeat: true,
      },
      traits: {
        regularRepeat: { minPurchases: 3, maxGapDays: 90 },
        multiCategory: { minCategories: 2 },
        recommends: { minReferrals: 1, promoterCounts: true },
        resistsCompetitors: { minDeclined: 1 },
        toleratesFailure: { minPurchasesAfterComplaint: 1 },
      },
    });
  });

  describe('formation stage', () => {
    it('cognition: known, no purchase', () => {
      const c = new CustomerEvents('C-f-cognition');
      expect(given([c.registered(day(0)), c.contact(day(1)), c.rated(day(2), 5)]).whenEvolved().loyalty.formationStage).toBe('cognition');
    });

    it('acceptance: one purchase', () => {
      const c = new CustomerEvents('C-f-acceptance');
      expect(given([c.registered(day(0)), c.purchase(day(1))]).whenEvolved().loyalty.formationStage).toBe('acceptance');
    });

    it('preference: two purchases, unrated or with satisfaction ≥ 0.5 (3/5 is exactly 0.5)', () => {
      const c = new CustomerEvents('C-f-preference');
      const two = [c.purchase(day(0)), c.purchase(day(1))];
      expect(given(two).whenEvolved().loyalty.formationStage).toBe('preference');
      expect(given([...two, c.rated(day(2), 3)]).whenEvolved().loyalty.formationStage).toBe('preference');
      // 7-point: 4/7 is 0.5; 3/7 and 5/7 average to 0.5 as well.
      expect(given([...two, c.rated(day(2), 3, 7), c.rated(day(3), 5, 7)]).whenEvolved().loyalty.formationStage).toBe('preference');
      expect(given([...two, c.rated(day(2), 2)]).whenEvolved().loyalty.formationStage).toBe('acceptance');
    });

    it('loyalty: three traits with regular repeat purchases among them', () => {
      const c = new CustomerEvents('C-f-loyal');
      const regular = [c.purchase(day(0)), c.purchase(day(30), { category: 'music' }), c.purchase(day(60))];
      // regular repeat + several categories: two traits.
      expect(given(regular).whenEvolved().loyalty.formationStage).toBe('preference');
      const view = given([...regular, c.declined(day(61))]).whenEvolved();
      expect(view.loyalty.formationStage).toBe('loyalty');
      expect(view.loyalty.traits.regularRepeatPurchases.value).toBe(true);
      expect(view.loyalty.traits.buysSeveralCategories.value).toBe(true);
      expect(view.loyalty.traits.resistsCompetitors.value).toBe(true);
    });

    it('four traits without regular repeat purchases are not loyalty', () => {
      const c = new CustomerEvents('C-f-irregular');
      const view = given([
        c.purchase(day(0)),
        c.complaint(day(1), 'K-1', 'low'),
        c.purchase(day(200), { category: 'music' }),
        c.referral(day(201)),
        c.declined(day(202)),
      ]).whenEvolved();
      const t = view.loyalty.traits;
      expect([t.buysSeveralCategories.value, t.recommendsOthers.value, t.resistsCompetitors.value, t.toleratesFailure.value]).toEqual([true, true, true, true]);
      expect(t.regularRepeatPurchases.value).toBe(false);
      expect(view.loyalty.formationStage).toBe('preference');
    });

    it('falls back when the facts no longer hold (regular repeat lapses after 90 days without a purchase)', () => {
      const c = new CustomerEvents('C-f-lapse');
      const events = [c.purchase(day(0)), c.purchase(day(30), { category: 'music' }), c.purchase(day(60)), c.declined(day(61))];
      expect(given(events).whenEvaluatedAt(day(150)).loyalty.formationStage).toBe('loyalty');
      expect(given(events).whenEvaluatedAt(at(Date.parse(day(150)) + SECOND)).loyalty.formationStage).toBe('preference');
    });
  });

  describe('traits', () => {
    it('regular repeat purchases: ≥ 3 purchases, no gap over 90 days, the last within 90 days', () => {
      const c = new CustomerEvents('C-t-regular');
      const gap90 = [c.purchase(day(0)), c.purchase(day(90)), c.purchase(day(180))];
      const trait = given(gap90).whenEvaluatedAt(day(270)).loyalty.traits.regularRepeatPurchases;
      expect(trait).toEqual({ value: true, evidence: { purchases: 3, maxGapDays: 90, daysSinceLastPurchase: 90 } });
      expect(given(gap90).whenEvaluatedAt(at(Date.parse(day(270)) + SECOND)).loyalty.traits.regularRepeatPurchases.value).toBe(false);

      const d = new CustomerEvents('C-t-gap');
      const tooLong = [d.purchase(day(0)), d.purchase(at(90 * DAY + SECOND + Date.parse(day(0)))), d.purchase(day(100))];
      expect(given(tooLong).whenEvolved().loyalty.traits.regularRepeatPurchases.value).toBe(false);

      const e = new CustomerEvents('C-t-two');
      expect(given([e.purchase(day(0)), e.purchase(day(10))]).whenEvolved().loyalty.traits.regularRepeatPurchases.value).toBe(false);
    });

    it('several categories: ≥ 2', () => {
      const c = new CustomerEvents('C-t-categories');
      expect(given([c.purchase(day(0)), c.purchase(day(1))]).whenEvolved().loyalty.traits.buysSeveralCategories.value).toBe(false);
      const view = given([c.purchase(day(0)), c.purchase(day(1), { category: 'music' })]).whenEvolved();
      expect(view.loyalty.traits.buysSeveralCategories).toEqual({ value: true, evidence: { categories: ['books', 'music'] } });
    });

    it('recommends others: ≥ 1 referral, or an NPS promoter (9 or 10), not a passive', () => {
      const c = new CustomerEvents('C-t-recommends');
      expect(given([c.referral(day(0))]).whenEvolved().loyalty.traits.recommendsOthers.value).toBe(true);
      expect(given([c.rated(day(0), 4, 5, 9)]).whenEvolved().loyalty.traits.recommendsOthers.value).toBe(true);
      expect(given([c.rated(day(0), 4, 5, 8)]).whenEvolved().loyalty.traits.recommendsOthers.value).toBe(false);
    });

    it('resists competitor offers: ≥ 1 declined', () => {
      const c = new CustomerEvents('C-t-resists');
      expect(given([c.purchase(day(0))]).whenEvolved().loyalty.traits.resistsCompetitors.value).toBe(false);
      expect(given([c.purchase(day(0)), c.declined(day(1))]).whenEvolved().loyalty.traits.resistsCompetitors).toEqual({
        value: true,
        evidence: { declined: 1, competitors: ['RivalCo'] },
      });
    });

    it('tolerates a failure: ≥ 1 purchase after a complaint (purchases before it do not count)', () => {
      const c = new CustomerEvents('C-t-tolerates');
      expect(given([c.purchase(day(0)), c.complaint(day(1), 'K-1', 'low')]).whenEvolved().loyalty.traits.toleratesFailure.value).toBe(false);
      expect(given([c.complaint(day(1), 'K-1', 'low'), c.purchase(day(2))]).whenEvolved().loyalty.traits.toleratesFailure).toEqual({
        value: true,
        evidence: { complaints: 1, purchasesAfterComplaint: 1 },
      });
    });
  });

  describe('after a win-back a new episode starts', () => {
    it('expansion counts only the current episode: an event after the win-back does not lift it on old purchases', () => {
      const c = new CustomerEvents('C-e-expansion');
      const events = [c.purchase(day(0)), c.purchase(day(10)), c.ended(day(20), 'price'), c.purchase(day(30)), c.contact(day(31))];
      const view = given(events).whenEvolved();
      // Days 0, 10 and 30 are within 90 days, but only day 30 belongs to this episode.
      expect(stagesOf(view)).toEqual(['awareness', 'exploration', 'expansion', 'dissolution', 'exploration']);
      const again = given([...events, c.purchase(day(40))]).whenEvolved();
      expect(again.lifecycle.transitions.at(-1)).toMatchObject({ to: 'expansion', rule: 'repeat-purchases', occurredAt: day(40) });
    });

    it('volume decline compares windows inside the current episode only', () => {
      const c = new CustomerEvents('C-e-volume');
      const events = [];
      for (let d = 0; d <= 170; d += 10) events.push(c.purchase(day(d)));
      events.push(c.ended(day(171), 'price'), c.purchase(day(200)), c.purchase(day(210)));
      // As of day 300, the last 90 days hold 2 purchases and the 90 before 9 (of the old episode): no decline.
      const view = given(events).whenEvaluatedAt(day(300));
      expect(view.lifecycle.stage).toBe('expansion');
      expect(view.lifecycle.winBacks).toBe(1);
    });

    it('tenure counts from the first event ever; the regular-repeat trait from the episode', () => {
      const c = new CustomerEvents('C-e-tenure');
      const events = [c.registered(day(0)), c.purchase(day(5)), c.purchase(day(15)), c.purchase(day(25)), c.ended(day(30), 'price'), c.purchase(day(40))];
      const view = given(events).whenEvaluatedAt(day(50));
      expect(view.loyalty.behavioural.tenureDays).toBe(50);
      expect(view.loyalty.traits.regularRepeatPurchases).toEqual({ value: false, evidence: { purchases: 1, maxGapDays: 0, daysSinceLastPurchase: 10 } });
    });
  });
});
