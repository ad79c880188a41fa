import * as fc from 'fast-check';
import { loadCdnowWithSpend } from '../../../testing/src/cdnow-data';
import { ownValue } from './own-record';
import { DuplicateCustomerError, SegmentInput, segmentPopulation, SegmentationPolicy } from './segment-population';
import { DEFAULT_CLV_POLICY, DEFAULT_SEGMENTS_POLICY, DEFAULT_TIER_POLICY } from './segmentation.policy';

const AS_OF = '1997-10-01T00:00:00Z';
// The CDNOW paper's 39-week horizon, undiscounted, so the figures compare with the paper.
const POLICY: SegmentationPolicy = { tiers: DEFAULT_TIER_POLICY, clv: { ...DEFAULT_CLV_POLICY, horizonDays: 273, annualDiscountRate: 0 } };

const customer = (customerId: string, over: Partial<SegmentInput> = {}): SegmentInput => ({
  customerId,
  x: 0,
  tx: 0,
  T: 10,
  zbar: 0,
  value365: 1000,
  historicalValue: 1000,
  lifecycleStage: 'exploration',
  trustStage: 'calculus',
  loyaltyStage: 'cognition',
  churnReason: null,
  ...over,
});

describe('segmentPopulation on CDNOW', () => {
  const inputs: SegmentInput[] = loadCdnowWithSpend().map((r) => {
    const zbar = Math.round(r.zbar * 100);
    return customer(`C-${String(r.id).padStart(4, '0')}`, { x: r.x, tx: r.tx, T: r.T, zbar, value365: zbar * (r.x + 1), historicalValue: zbar * (r.x + 1) });
  });
  const report = segmentPopulation(inputs, AS_OF, POLICY);

  it('uses the probabilistic models with the published parameters', () => {
    expect(report.fit.method).toBe('bg-nbd-gamma-gamma');
    expect(report.fit.bgNbd?.a).toBeCloseTo(0.793, 3);
    expect(report.fit.gammaGamma?.p).toBeCloseTo(6.25, 1);
  });

  it('reports the worked-example customer', () => {
    const first = report.clv['C-0001'];
    expect(first.expectedPurchases).toBeCloseTo(1.226, 2);
    expect(first.method).toBe('bg-nbd-gamma-gamma');
  });

  it('sums customer equity as historical + forward over every customer', () => {
    const sum = Object.values(report.clv).reduce((s, c) => s + c.historicalValue + c.forwardValue, 0);
    expect(report.customerEquity).toBe(sum);
    expect(Object.keys(report.clv)).toHaveLength(2357);
    expect(report.counts.byTier.lead + report.counts.byTier.iron + report.counts.byTier.silver + report.counts.byTier.gold + report.counts.byTier.diamond).toBe(2357);
  });
});

describe('segmentPopulation on a tiny population', () => {
  const inputs = [
    customer('c', { x: 2, tx: 5, T: 10, zbar: 300, value365: 900, historicalValue: 900, lifecycleStage: 'expansion', trustStage: 'knowledge' }),
    customer('a', { lifecycleStage: 'dissolution', churnReason: 'price', value365: 0, historicalValue: 400 }),
    customer('b', { lifecycleStage: 'dissolution', churnReason: null, value365: 0, historicalValue: 250 }),
  ];
  const report = segmentPopulation(inputs, AS_OF, POLICY);

  it('falls back to the historical average and says so', () => {
    expect(report.fit).toEqual({ bgNbd: null, gammaGamma: null, method: 'historical-average', fallbackReason: expect.stringMatching(/minCustomersForFit/) });
    expect(report.clv.c).toEqual({
      probabilityAlive: null,
      expectedPurchases: (2 / 10) * 39,
      expectedSpend: 300,
      forwardValue: Math.round(7.8 * 300),
      undiscountedForwardValue: Math.round(7.8 * 300),
      historicalValue: 900,
      method: 'historical-average',
    });
    expect(report.customerEquity).toBe(900 + 400 + 250 + Math.round(7.8 * 300));
  });

  it('counts stages, tiers and churn', () => {
    expect(report.counts.byLifecycleStage).toEqual({ dissolution: 2, expansion: 1 });
    expect(report.counts.byTrustStage).toEqual({ calculus: 2, knowledge: 1 });
    expect(report.counts.byLoyaltyStage).toEqual({ cognition: 3 });
    // floor(3 · 50 %) = 1 customer reaches iron; the two without 365-day value stay lead.
    expect(report.counts.byTier).toEqual({ lead: 2, iron: 1, silver: 0, gold: 0, diamond: 0 });
    expect(report.tiers.c).toBe('iron');
    expect(report.churn).toEqual({ dissolved: 2, rate: 2 / 3, byReason: { price: 1, unspecified: 1 } });
    expect(Object.keys(report.tiers)).toEqual(['a', 'b', 'c']);
  });

  it('gives no forward value to a customer who ended the relationship, and the model estimate to a silent churner', () => {
    const buyer = { x: 2, tx: 5, T: 10, zbar: 300, value365: 900, historicalValue: 900, lifecycleStage: 'dissolution' };
    const ended = segmentPopulation([customer('gone', { ...buyer, churnReason: 'competitor' }), customer('quiet', { ...buyer, churnReason: null })], AS_OF, POLICY);
    expect(ended.clv.gone).toMatchObject({ forwardValue: 0, undiscountedForwardValue: 0, expectedPurchases: 0, probabilityAlive: 0, historicalValue: 900 });
    expect(ended.clv.quiet.forwardValue).toBe(Math.round(7.8 * 300));
    expect(ended.customerEquity).toBe(900 + 900 + Math.round(7.8 * 300));
  });

  it('rejects a customer listed twice and an invalid asOf', () => {
    expect(() => segmentPopulation([...inputs, customer('a')], AS_OF, POLICY)).toThrow(DuplicateCustomerError);
    expect(() => segmentPopulation(inputs, 'yesterday', POLICY)).toThrow(RangeError);
  });
});

describe('segmentPopulation: customer equity discounted under the default policy', () => {
  // Default policy: 10 % a year, 3-year horizon, weeks. Customer c: 2 repeat purchases in 10
  // weeks at 3.00 each → 0.2 a week → 0.2 · 1095/7 = 31.2857 purchases = 9385.71 undiscounted
  // → 9386; continuously discounted by (1 − 1.1^−3)/(3 ln 1.1) = 0.869740 → 8163.0 → 8163.
  const inputs = [
    customer('c', { x: 2, tx: 5, T: 10, zbar: 300, value365: 900, historicalValue: 900 }),
    customer('a', { historicalValue: 400 }),
  ];
  const policy: SegmentationPolicy = { tiers: DEFAULT_TIER_POLICY, clv: DEFAULT_CLV_POLICY };
  const report = segmentPopulation(inputs, AS_OF, policy);

  it('discounts the forward value and shows how equity was computed', () => {
    expect(report.clv.c).toMatchObject({ undiscountedForwardValue: 9386, forwardValue: 8163 });
    expect(report.customerEquity).toBe(900 + 400 + 8163);
    expect(report.customerEquityBasis).toEqual({
      historicalValue: 1300,
      forwardValue: 8163,
      undiscountedForwardValue: 9386,
      annualDiscountRate: 0.1,
      horizonDays: 1095,
      timeUnitDays: 7,
      discounting: 'continuous',
      method: 'historical-average',
      customers: 2,
    });
  });

  it('uses the default segment measures when the policy names none', () => {
    expect(report.retention).toMatchObject({ periodDays: DEFAULT_SEGMENTS_POLICY.retention.periodDays, activity: 'purchase' });
    expect(report.retention.periods).toHaveLength(DEFAULT_SEGMENTS_POLICY.retention.periods);
    expect(report.concentration).toMatchObject({ topCustomerShare: 0.2, population: 2, topCustomers: 1, valueShare: 1000 / 1900 });
  });
});

describe('segmentPopulation with customer ids that are Object.prototype members', () => {
  const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a'];
  const inputs = ids.map((id, i) =>
    customer(id, {
      value365: 1000 * (i + 1),
      historicalValue: 1000 * (i + 1),
      lifecycleStage: i < 3 ? 'dissolution' : 'exploration',
      churnReason: i === 0 ? 'price' : null,
      dissolvedAt: i < 3 ? '1997-09-01T00:00:00.000Z' : null,
      firstPurchaseAt: '1997-01-01T00:00:00.000Z',
      referredCustomers: i === 1 ? [{ customerId: '__proto__', eventId: 'e-1', occurredAt: '1997-02-01T00:00:00Z' }] : [],
    }),
  );
  const report = segmentPopulation(inputs, AS_OF, POLICY);

  it('keeps every customer as an ordinary key of each record', () => {
    for (const id of ids) {
      expect(Object.prototype.hasOwnProperty.call(report.tiers, id)).toBe(true);
      expect(Object.prototype.hasOwnProperty.call(report.clv, id)).toBe(true);
      expect(typeof ownValue(report.tiers, id)).toBe('string');
      expect(ownValue(report.clv, id)?.historicalValue).toBeGreaterThan(0);
    }
    expect(Object.keys(report.tiers)).toEqual([...ids].sort());
    expect(Object.values(report.counts.byTier).reduce((s, n) => s + n, 0)).toBe(ids.length);
    expect(report.customerEquityBasis.customers).toBe(ids.length);
    expect(ownValue(report.referrals, 'constructor')).toEqual({ customers: [{ customerId: '__proto__', eventId: 'e-1', referredAt: '1997-02-01T00:00:00Z', value: 1000 }], value: 1000 });
    expect(ownValue(report.referrals, 'toString')).toBeUndefined();
    expect(report.winBack.groups.flatMap((g) => g.entries.map((e) => e.customerId)).sort()).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it('survives a JSON round trip with the same keys (what the read store does)', () => {
    const back = JSON.parse(JSON.stringify(report)) as typeof report;
    expect(Object.keys(back.tiers)).toEqual(Object.keys(report.tiers));
    expect(ownValue(back.tiers, '__proto__')).toBe(report.tiers['__proto__']);
    expect(ownValue(back.clv, 'valueOf')).toBeUndefined();
    expect(back.churn.byReason).toEqual({ price: 1, unspecified: 2 });
  });

  it('counts reasons and stages named like prototype members', () => {
    const odd = segmentPopulation(
      [customer('x', { lifecycleStage: 'dissolution', churnReason: '__proto__' }), customer('y', { lifecycleStage: 'dissolution', churnReason: 'constructor' }), customer('z', { trustStage: 'toString' })],
      AS_OF,
      POLICY,
    );
    expect(Object.keys(odd.churn.byReason)).toEqual(['__proto__', 'constructor']);
    expect(ownValue(odd.churn.byReason, '__proto__')).toBe(1);
    expect(ownValue(odd.counts.byTrustStage, 'toString')).toBe(1);
    expect(odd.winBack.groups.map((g) => g.reason)).toEqual(['__proto__', 'constructor']);
  });
});

describe('segmentPopulation is deterministic', () => {
  // Summaries consistent with the model: t_x ≤ T, t_x = 0 without repeat purchases.
  const summary = fc
    .record({
      x: fc.integer({ min: 0, max: 12 }),
      T: fc.integer({ min: 1, max: 52 }),
      txShare: fc.integer({ min: 0, max: 4 }),
      zbar: fc.integer({ min: 100, max: 20_000 }),
      value365: fc.integer({ min: 0, max: 50_000 }),
      stage: fc.constantFrom('awareness', 'exploration', 'dissolution'),
      reason: fc.constantFrom('price', 'competitor', null),
      periods: fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 6 }),
      refs: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 400 })), { maxLength: 3 }),
      lostDay: fc.integer({ min: 0, max: 300 }),
    })
    .map((s) => ({
      x: s.x,
      T: s.T,
      tx: s.x === 0 ? 0 : (s.T * s.txShare) / 4,
      zbar: s.x === 0 ? 0 : s.zbar,
      value365: s.value365,
      historicalValue: s.value365 * 2,
      lifecycleStage: s.stage,
      trustStage: 'calculus',
      loyaltyStage: 'cognition',
      churnReason: s.stage === 'dissolution' ? s.reason : null,
      dissolvedAt: s.stage === 'dissolution' ? new Date(Date.UTC(1997, 0, 1) + s.lostDay * 86_400_000).toISOString() : null,
      firstPurchaseAt: '1997-01-01T00:00:00.000Z',
      activePeriods: [...s.periods].sort((a, b) => a - b),
      refs: s.refs,
    }));
  const population = fc
    .uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), summary), { minLength: 0, maxLength: 60, selector: ([id]) => id })
    .map((rows) =>
      rows.map(([customerId, { refs, ...s }]) => ({
        customerId,
        ...s,
        // Referrals name other generated customers (and some unknown ids), before and after asOf.
        referredCustomers: refs.map(([j, d]) => ({
          customerId: j % 5 === 0 ? `unknown-${j}` : rows[j % rows.length][0],
          eventId: `e-${j}`,
          occurredAt: new Date(Date.UTC(1997, 0, 1) + d * 86_400_000).toISOString(),
        })),
      })),
    );

  it('gives the identical report for any order of the same inputs (fit included)', () => {
    // A low fit threshold so most generated populations go through the BG/NBD and Gamma-Gamma fits.
    const policy: SegmentationPolicy = { tiers: DEFAULT_TIER_POLICY, clv: { ...POLICY.clv, minCustomersForFit: 5 } };
    fc.assert(
      fc.property(population, fc.integer(), (inputs, seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray(inputs, { minLength: inputs.length, maxLength: inputs.length }), { seed, numRuns: 1 })[0];
        const a = segmentPopulation(inputs, AS_OF, policy);
        const b = segmentPopulation(shuffled, AS_OF, policy);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 40 },
    );
  });
});
