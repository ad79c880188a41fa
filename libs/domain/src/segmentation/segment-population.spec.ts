import * as fc from 'fast-check';
import { loadCdnowWithSpend } from '../../../testing/src/cdnow-data';
import { DuplicateCustomerError, SegmentInput, segmentPopulation, SegmentationPolicy } from './segment-population';
import { DEFAULT_CLV_POLICY, DEFAULT_TIER_POLICY } from './segmentation.policy';

const AS_OF = '1997-10-01T00:00:00Z';
const POLICY: SegmentationPolicy = { tiers: DEFAULT_TIER_POLICY, clv: { ...DEFAULT_CLV_POLICY, horizonDays: 273 } };

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
    expect(report.clv.c).toEqual({ probabilityAlive: null, expectedPurchases: (2 / 10) * 39, expectedSpend: 300, forwardValue: Math.round(7.8 * 300), historicalValue: 900, method: 'historical-average' });
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

  it('rejects a customer listed twice and an invalid asOf', () => {
    expect(() => segmentPopulation([...inputs, customer('a')], AS_OF, POLICY)).toThrow(DuplicateCustomerError);
    expect(() => segmentPopulation(inputs, 'yesterday', POLICY)).toThrow(RangeError);
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
    }));
  const population = fc
    .uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), summary), { minLength: 0, maxLength: 60, selector: ([id]) => id })
    .map((rows) => rows.map(([customerId, s]) => ({ customerId, ...s })));

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
