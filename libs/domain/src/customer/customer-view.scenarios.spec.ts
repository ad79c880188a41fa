import { DEFAULT_POLICY } from '../policy';
import { evaluate } from './customer-view.evolve';
import { CustomerEvents, day, given, stagesOf, trustStagesOf } from './testing/customer-events.test-helper';

describe('customer view stories', () => {
  it('the loyal regular reaches commitment and identification-based trust, one step at a time', () => {
    const c = new CustomerEvents('C-loyal');
    const events = [c.registered(day(0))];
    for (let m = 0; m < 13; m++) {
      events.push(c.purchase(day(1 + 30 * m), { category: m % 2 === 0 ? 'books' : 'music', amount: 2000 }));
      events.push(c.contact(day(2 + 30 * m), { outcome: 'resolved', sentiment: 0.8 }));
    }
    events.push(c.rated(day(50), 5, 5, 10), c.referral(day(200)), c.declined(day(210)));

    const view = given(events).whenEvaluatedAt(day(400));

    expect(stagesOf(view)).toEqual(['awareness', 'exploration', 'expansion', 'commitment']);
    const [, exploration, expansion, commitment] = view.lifecycle.transitions;
    expect(exploration).toMatchObject({ rule: 'first-purchase', eventId: 'C-loyal-e2', occurredAt: day(1) });
    expect(expansion).toMatchObject({ rule: 'repeat-purchases', occurredAt: day(31) });
    // Tenure reaches 180 days between events: the time rule fires at its instant, without an event.
    expect(commitment).toMatchObject({ rule: 'commitment', eventId: null, occurredAt: day(180) });

    expect(trustStagesOf(view)).toEqual(['calculus', 'knowledge', 'identification']);
    const knowledge = view.trust.transitions[1];
    expect(Date.parse(knowledge.occurredAt) - Date.parse(day(0))).toBeGreaterThanOrEqual(60 * 86_400_000);
    const identification = view.trust.transitions[2];
    expect(Date.parse(identification.occurredAt) - Date.parse(knowledge.occurredAt)).toBeGreaterThanOrEqual(
      180 * 86_400_000,
    );
    expect(view.trust.competence).toBeGreaterThanOrEqual(90);

    expect(view.loyalty.formationStage).toBe('loyalty');
    expect(view.loyalty.traits.regularRepeatPurchases.value).toBe(true);
    expect(view.loyalty.traits.buysSeveralCategories.value).toBe(true);
    expect(view.loyalty.traits.recommendsOthers.value).toBe(true);
    expect(view.loyalty.traits.resistsCompetitors.value).toBe(true);
    expect(view.loyalty.traits.toleratesFailure.value).toBe(false);
    expect(view.loyalty.behavioural).toMatchObject({ purchaseCount: 13, purchaseValue: 26000, tenureDays: 400 });
    expect(view.loyalty.conative).toEqual({
      recommendLikelihood: 10,
      npsClass: 'promoter',
      referrals: 1,
      referredCustomers: [{ customerId: 'C-99', eventId: 'C-loyal-e29', occurredAt: day(200) }],
    });
    expect(view.historicalValue).toBe(26000);
    expect(view.currency).toBe('EUR');
    expect(view.asOf).toBe(day(400));
  });

  it('the silent churner dissolves by inactivity 180 days after the last purchase', () => {
    const c = new CustomerEvents('C-silent');
    const events = [c.purchase(day(0)), c.purchase(day(20)), c.contact(day(60))];

    expect(given(events).whenEvaluatedAt(day(199)).lifecycle.stage).toBe('expansion');

    const view = given(events).whenEvaluatedAt(day(300));
    expect(view.lifecycle.stage).toBe('dissolution');
    expect(view.lifecycle.dissolvedBy).toBe('inactivity');
    expect(view.lifecycle.transitions.at(-1)).toEqual({
      from: 'expansion',
      to: 'dissolution',
      eventId: null,
      rule: 'inactivity',
      occurredAt: day(200),
    });
    expect(view.churnReason).toBeNull();
    expect(view.loyalty.behavioural.recencyDays).toBe(280);
    // Looking at it in between changes nothing: the rule is stamped with its own instant.
    expect(evaluate(evaluate(given(events).whenEvolved(), day(250), DEFAULT_POLICY), day(300), DEFAULT_POLICY)).toEqual(view);
  });

  it('the customer whose volume halves while still buying dissolves by volume decline', () => {
    const c = new CustomerEvents('C-fading');
    const events = [];
    for (let d = 0; d <= 170; d += 10) events.push(c.purchase(day(d)));
    events.push(c.purchase(day(200)));
    const view = given(events).whenEvaluatedAt(day(330));
    expect(view.lifecycle.stage).toBe('dissolution');
    expect(view.lifecycle.dissolvedBy).toBe('volume-decline');
    expect(view.lifecycle.assessment.development).toBe('down');
  });

  it('a complaint handled well is a service recovery: trust holds and the customer keeps buying', () => {
    const c = new CustomerEvents('C-recovered');
    const events = [
      c.purchase(day(0)),
      c.complaint(day(5), 'K-1', 'high'),
      c.resolved(day(6), 'K-1', { customerAccepted: true }),
      c.rated(day(7), 5),
      c.purchase(day(30)),
    ];
    const view = given(events).whenEvaluatedAt(day(40));
    expect(view.complaints).toMatchObject({ filed: 1, resolved: 1, resolvedWithinSla: 1, recovered: 1, open: [] });
    expect(view.trust.violations).toEqual([]);
    expect(view.trust.evidence.integrity).toEqual({ positive: 1, negative: 0 });
    expect(view.trust.evidence.benevolence).toEqual({ positive: 1, negative: 0 });
    expect(view.trust.integrity).toBeGreaterThan(50);
    expect(view.loyalty.traits.toleratesFailure).toEqual({
      value: true,
      evidence: { complaints: 1, purchasesAfterComplaint: 1 },
    });
    expect(view.lifecycle.stage).toBe('expansion');
  });

  it('an open high complaint blocks expansion until it is resolved', () => {
    const c = new CustomerEvents('C-blocked');
    const events = [c.purchase(day(0)), c.complaint(day(1), 'K-1', 'high'), c.purchase(day(2))];
    expect(given(events).whenEvolved().lifecycle.stage).toBe('exploration');
    const view = given([...events, c.resolved(day(3), 'K-1')]).whenEvolved();
    expect(view.lifecycle.stage).toBe('expansion');
    expect(view.lifecycle.transitions.at(-1)).toMatchObject({ rule: 'repeat-purchases', eventId: 'C-blocked-e4' });
  });

  it('a complaint handled badly is a trust violation: the SLA runs out and trust drops a stage', () => {
    const c = new CustomerEvents('C-let-down');
    const events = [];
    for (let m = 0; m < 6; m++) events.push(c.purchase(day(15 * m)));
    events.push(c.complaint(day(100), 'K-9', 'critical'));
    const before = given(events).whenEvaluatedAt(day(100.5));
    expect(before.trust.stage).toBe('knowledge');
    expect(before.complaints.open[0]).toMatchObject({ complaintId: 'K-9', slaDeadline: day(101), breached: false });

    const view = given([...events, c.resolved(day(104), 'K-9', { customerAccepted: false })]).whenEvolved();
    expect(view.trust.stage).toBe('calculus');
    // Stamped at the first instant past the deadline (the deadline itself is still in time).
    expect(view.trust.violations).toEqual([
      { kind: 'sla-breach', complaintId: 'K-9', eventId: null, occurredAt: '2025-04-12T00:00:00.001Z', from: 'knowledge', to: 'calculus' },
    ]);
    expect(view.trust.transitions.at(-1)).toMatchObject({ from: 'knowledge', to: 'calculus', rule: 'sla-breach' });
    expect(view.trust.evidence.integrity).toEqual({ positive: 0, negative: 1 });
    expect(view.trust.evidence.benevolence).toEqual({ positive: 0, negative: 1 });
    expect(view.complaints.recovered).toBe(0);
  });

  it('a refund after a complaint marked resolved is a trust violation', () => {
    const c = new CustomerEvents('C-refund');
    const events = [];
    for (let m = 0; m < 6; m++) events.push(c.purchase(day(15 * m), { orderId: `O-${m}` }));
    events.push(c.complaint(day(80), 'K-2', 'low'), c.resolved(day(81), 'K-2'), c.refund(day(90), 'O-5'));
    const view = given(events).whenEvolved();
    expect(view.trust.violations).toEqual([
      {
        kind: 'refund-after-resolution',
        complaintId: 'K-2',
        eventId: 'C-refund-e9',
        occurredAt: day(90),
        from: 'knowledge',
        to: 'calculus',
      },
    ]);
    expect(view.trust.evidence.competence).toEqual({ positive: 5, negative: 1 });
    expect(view.historicalValue).toBe(5000);
  });

  it('the win-back: a purchase after dissolution re-enters exploration and is counted', () => {
    const c = new CustomerEvents('C-back');
    const events = [c.purchase(day(0)), c.purchase(day(10)), c.purchase(day(400), { category: 'games' })];
    const view = given(events).whenEvolved();
    expect(stagesOf(view)).toEqual(['awareness', 'exploration', 'expansion', 'dissolution', 'exploration']);
    expect(view.lifecycle.transitions[3]).toMatchObject({ rule: 'inactivity', eventId: null, occurredAt: day(190) });
    expect(view.lifecycle.transitions[4]).toMatchObject({ rule: 'win-back', eventId: 'C-back-e3', occurredAt: day(400) });
    expect(view.lifecycle.winBacks).toBe(1);
    expect(view.lifecycle.dissolvedBy).toBeNull();
    // The new episode starts over: one purchase does not make a regular.
    expect(view.loyalty.traits.regularRepeatPurchases.evidence.purchases).toBe(1);
  });

  it('the sudden quitter ends the relationship with a reason', () => {
    const c = new CustomerEvents('C-quit');
    const events = [c.registered(day(0)), c.purchase(day(1)), c.purchase(day(5)), c.ended(day(6), 'competitor')];
    const view = given(events).whenEvolved();
    expect(view.lifecycle.stage).toBe('dissolution');
    expect(view.churnReason).toBe('competitor');
    expect(view.lifecycle.dissolvedBy).toBe('relationship-ended');
    expect(view.lifecycle.transitions.at(-1)).toEqual({
      from: 'expansion',
      to: 'dissolution',
      eventId: 'C-quit-e4',
      rule: 'relationship-ended',
      occurredAt: day(6),
    });
    expect(view.eventCounts.RelationshipEnded).toBe(1);
    expect(view.acquisitionChannel).toBe('web');
  });

  it('the seven-point-scale rater: normalised averages, Chinese and English labels, NPS class', () => {
    const c = new CustomerEvents('C-seven');
    const events = [c.rated(day(0), 6, 7, 8), c.rated(day(1), 3, 7), c.rated(day(2), 2, 7, 4)];
    const view = given(events).whenEvolved();
    expect(view.satisfaction.ratings).toBe(3);
    expect(view.satisfaction.average).toBeCloseTo((5 / 6 + 2 / 6 + 1 / 6) / 3, 10);
    expect(view.satisfaction.lastLevel).toEqual({ scale: 7, score: 2, zh: '不满意', en: 'dissatisfied' });
    expect(view.satisfaction.npsClass).toBe('detractor');
    expect(view.loyalty.affective).toMatchObject({ positiveShare: 1 / 3, negativeShare: 1 / 3, satisfactionTrend: 'down' });
    // One satisfied tells 3, one dissatisfied tells 11.
    expect(view.loyalty.affective.wordOfMouth).toBeCloseTo((3 - 11) / (3 + 11), 10);

    const mid = given([c.rated(day(3), 3, 7)]).whenEvolved().satisfaction.lastLevel;
    expect(mid).toEqual({ scale: 7, score: 3, zh: '不太满意', en: 'somewhat dissatisfied' });
    const five = given([c.rated(day(4), 4, 5, 9)]).whenEvolved();
    expect(five.satisfaction.lastLevel).toEqual({ scale: 5, score: 4, zh: '满意', en: 'satisfied' });
    expect(five.satisfaction.average).toBe(0.75);
    expect(five.satisfaction.npsClass).toBe('promoter');
  });

  it('keeps money in a second currency apart', () => {
    const c = new CustomerEvents('C-fx');
    const view = given([
      c.purchase(day(0), { amount: 1000 }),
      c.purchase(day(1), { amount: 500, currency: 'USD' }),
      c.refund(day(2), 'X', 100, 'USD'),
    ]).whenEvolved();
    expect(view.currency).toBe('EUR');
    expect(view.historicalValue).toBe(1000);
    expect(view.foreignCurrencies).toEqual({ USD: { purchases: 1, purchaseValue: 500, refundValue: 100 } });
    expect(view.loyalty.behavioural.purchaseCount).toBe(2);
  });
});
