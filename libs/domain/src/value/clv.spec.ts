import { ClvPolicy, DEFAULT_CLV_POLICY } from '../segmentation/segmentation.policy';
import { conditionalExpectedPurchases } from './bg-nbd';
import { loadCdnowWithSpend } from '../../../testing/src/cdnow-data';
import { ClvCustomer, customerEquity, customerLifetimeValue, fitClvModel } from './clv';
import { conditionalExpectedSpend } from './gamma-gamma';

// CDNOW in cents, horizon 39 weeks as in the paper.
const POLICY: ClvPolicy = { ...DEFAULT_CLV_POLICY, timeUnitDays: 7, horizonDays: 273 };
const cdnow: ClvCustomer[] = loadCdnowWithSpend().map((r) => ({
  x: r.x,
  tx: r.tx,
  T: r.T,
  zbar: Math.round(r.zbar * 100),
  historicalValue: Math.round(r.zbar * 100) * (r.x + 1),
}));

describe('customerLifetimeValue, probabilistic', () => {
  const model = fitClvModel(cdnow, POLICY);

  it('fits both models on CDNOW', () => {
    expect(model.method).toBe('bg-nbd-gamma-gamma');
    expect(model.fallbackReason).toBeNull();
    expect(model.bgNbd?.r).toBeCloseTo(0.243, 3);
    expect((model.gammaGamma?.gamma ?? 0) / 100).toBeCloseTo(15.44, 0);
  });

  it('multiplies conditional expected purchases by conditional expected spend', () => {
    const first = cdnow[0]; // x = 2, t_x = 30.43, T = 38.86, zbar = $22.35
    const clv = customerLifetimeValue(first, model, POLICY);
    expect(clv.expectedPurchases).toBeCloseTo(1.226, 2);
    expect(clv.expectedSpend / 100).toBeCloseTo(24.65, 1);
    expect(clv.forwardValue).toBe(Math.round(clv.expectedPurchases * clv.expectedSpend));
    expect(clv.probabilityAlive).toBeGreaterThan(0);
    expect(clv.historicalValue).toBe(first.historicalValue);
  });

  it('discounts slice by slice: less than undiscounted, close to the continuous-time value', () => {
    const c = cdnow[0];
    const d = 0.5; // large on purpose so the effect is visible
    const discounted = customerLifetimeValue(c, model, { ...POLICY, annualDiscountRate: d });
    const plain = customerLifetimeValue(c, model, POLICY);
    expect(discounted.forwardValue).toBeLessThan(plain.forwardValue);
    // Reference: the same integral with 2,000 slices.
    const bg = model.bgNbd!;
    const H = POLICY.horizonDays / POLICY.timeUnitDays;
    let ref = 0;
    for (let k = 1; k <= 2000; k++) {
      const inc = conditionalExpectedPurchases(bg, (H * k) / 2000, c.x, c.tx, c.T) - conditionalExpectedPurchases(bg, (H * (k - 1)) / 2000, c.x, c.tx, c.T);
      ref += inc * Math.pow(1 + d, -((POLICY.horizonDays * (k - 0.5)) / 2000) / 365);
    }
    ref *= conditionalExpectedSpend(model.gammaGamma!, c.x, c.zbar);
    expect(Math.abs(discounted.forwardValue - ref) / ref).toBeLessThan(0.002);
  });

  it('falls back to the customer own spend when too few customers have spend to fit Gamma-Gamma', () => {
    const noSpend = cdnow.map((c, i) => (i < 2300 ? { ...c, zbar: 0 } : c));
    const partial = fitClvModel(noSpend, POLICY);
    expect(partial.method).toBe('bg-nbd-average-spend');
    expect(partial.fallbackReason).toMatch(/positive repeat spend/);
  });
});

describe('customerLifetimeValue, historical-average floor', () => {
  const tiny: ClvCustomer[] = [
    { x: 4, tx: 20, T: 40, zbar: 2000, historicalValue: 10_000 },
    { x: 0, tx: 0, T: 10, zbar: 0, historicalValue: 1500 },
    { x: 1, tx: 3, T: 0 + 6, zbar: 500, historicalValue: 1200 },
  ];
  const policy: ClvPolicy = { ...DEFAULT_CLV_POLICY, timeUnitDays: 7, horizonDays: 364, minCustomersForFit: 30 };
  const model = fitClvModel(tiny, policy);

  it('is used below minCustomersForFit and says why', () => {
    expect(model.method).toBe('historical-average');
    expect(model.bgNbd).toBeNull();
    expect(model.fallbackReason).toMatch(/fewer than minCustomersForFit = 30/);
    // Spend per repeat purchase: (4·2000 + 1·500) / 5
    expect(model.averageSpend).toBe(1700);
  });

  it('is own purchase rate × own average spend × horizon', () => {
    const [a, b, c] = tiny.map((t) => customerLifetimeValue(t, model, policy));
    expect(a).toEqual({ probabilityAlive: null, expectedPurchases: (4 / 40) * 52, expectedSpend: 2000, forwardValue: Math.round(5.2 * 2000), historicalValue: 10_000, method: 'historical-average' });
    expect(b.forwardValue).toBe(0);
    expect(b.expectedSpend).toBe(1700);
    expect(c.expectedPurchases).toBeCloseTo((1 / 6) * 52, 12);
    expect(customerEquity([a, b, c])).toBe(10_000 + 1500 + 1200 + a.forwardValue + b.forwardValue + c.forwardValue);
  });

  it('discounts with the mean factor of an even flow', () => {
    const d = 0.1;
    const discounted = customerLifetimeValue(tiny[0], model, { ...policy, annualDiscountRate: d });
    const years = 364 / 365;
    const factor = (1 - Math.pow(1 + d, -years)) / (years * Math.log(1 + d));
    expect(discounted.forwardValue).toBe(Math.round(5.2 * 2000 * factor));
    expect(factor).toBeLessThan(1);
    expect(factor).toBeGreaterThan(Math.pow(1 + d, -years));
  });
});
