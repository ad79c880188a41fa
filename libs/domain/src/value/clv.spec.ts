import { ClvPolicy, DEFAULT_CLV_POLICY } from '../segmentation/segmentation.policy';
import { conditionalExpectedPurchases } from './bg-nbd';
import { loadCdnowWithSpend } from '../../../testing/src/cdnow-data';
import { ClvCustomer, customerEquity, customerEquityBasis, customerLifetimeValue, fitClvModel } from './clv';
import { conditionalExpectedSpend } from './gamma-gamma';
import { discountedFlow, evenFlowDiscountFactor, gaussLegendre } from './quadrature';

// CDNOW in cents, horizon 39 weeks as in the paper, undiscounted like the paper's figures.
const POLICY: ClvPolicy = { ...DEFAULT_CLV_POLICY, timeUnitDays: 7, horizonDays: 273, annualDiscountRate: 0 };
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
    expect(clv.undiscountedForwardValue).toBe(clv.forwardValue);
    expect(clv.probabilityAlive).toBeGreaterThan(0);
    expect(clv.historicalValue).toBe(first.historicalValue);
  });

  // Reference: the Stieltjes sum Σ e^(−δ t_k) ΔE_k over 4,000 slices (midpoints), i.e. the
  // continuous discounting integral ∫ e^(−δt) dE(t) by brute force.
  const reference = (c: ClvCustomer, policy: ClvPolicy, slices = 4000): number => {
    const bg = model.bgNbd!;
    const H = policy.horizonDays / policy.timeUnitDays;
    let previous = 0;
    let sum = 0;
    for (let k = 1; k <= slices; k++) {
      const cumulative = conditionalExpectedPurchases(bg, (H * k) / slices, c.x, c.tx, c.T);
      sum += (cumulative - previous) * Math.pow(1 + policy.annualDiscountRate, -((policy.horizonDays * (k - 0.5)) / slices) / 365);
      previous = cumulative;
    }
    return sum * conditionalExpectedSpend(model.gammaGamma!, c.x, c.zbar);
  };

  it('discounts continuously: the default 10 % over 3 years equals the brute-force integral', () => {
    const policy: ClvPolicy = { ...POLICY, horizonDays: DEFAULT_CLV_POLICY.horizonDays, annualDiscountRate: DEFAULT_CLV_POLICY.annualDiscountRate };
    expect([policy.horizonDays, policy.annualDiscountRate]).toEqual([1095, 0.1]);
    // A regular buyer, a one-off buyer, a new customer (α + T much shorter than the horizon: the hard case).
    for (const c of [cdnow[0], { x: 0, tx: 0, T: 30, zbar: 0, historicalValue: 1000 }, { x: 1, tx: 0.5, T: 1, zbar: 2000, historicalValue: 4000 }]) {
      const clv = customerLifetimeValue(c, model, policy);
      const ref = reference(c, policy);
      expect(Math.abs(clv.forwardValue - ref)).toBeLessThanOrEqual(Math.max(1, ref * 1e-6));
      expect(clv.forwardValue).toBeLessThan(clv.undiscountedForwardValue);
    }
  });

  it('discounts a large rate correctly too (d = 50 %)', () => {
    const policy: ClvPolicy = { ...POLICY, annualDiscountRate: 0.5 };
    const c = cdnow[0];
    const discounted = customerLifetimeValue(c, model, policy);
    const plain = customerLifetimeValue(c, model, POLICY);
    expect(discounted.forwardValue).toBeLessThan(plain.forwardValue);
    expect(discounted.undiscountedForwardValue).toBe(plain.forwardValue);
    expect(discounted.expectedPurchases).toBe(plain.expectedPurchases);
    expect(Math.abs(discounted.forwardValue - reference(c, policy))).toBeLessThanOrEqual(1);
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
  const policy: ClvPolicy = { ...DEFAULT_CLV_POLICY, timeUnitDays: 7, horizonDays: 364, annualDiscountRate: 0, minCustomersForFit: 30 };
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
    expect(a).toEqual({
      probabilityAlive: null,
      expectedPurchases: (4 / 40) * 52,
      expectedSpend: 2000,
      forwardValue: Math.round(5.2 * 2000),
      undiscountedForwardValue: Math.round(5.2 * 2000),
      historicalValue: 10_000,
      method: 'historical-average',
    });
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

describe('customer equity, discounted (docs/relationship-model.md §4)', () => {
  it('defaults to 10 % a year over a 3-year horizon', () => {
    expect(DEFAULT_CLV_POLICY).toMatchObject({ annualDiscountRate: 0.1, horizonDays: 3 * 365 });
  });

  it('matches a hand-computed example', () => {
    // Time unit = one year, so the numbers stay small. One customer bought 3 times in its first
    // year (x = 2 repeat purchases in T = 1), each repeat worth 10.00: historical value 30.00,
    // rate 2 purchases a year, so 6 purchases = 60.00 in the 3-year horizon, undiscounted.
    // Continuously at 10 %: mean factor (1 − 1.1^−3) / (3 · ln 1.1)
    //   1.1^3 = 1.331, 1 / 1.331 = 0.7513148, 1 − 0.7513148 = 0.2486852,
    //   3 · ln 1.1 = 3 · 0.0953102 = 0.2859306, factor = 0.2486852 / 0.2859306 = 0.869740,
    // forward = 6000 · 0.869740 = 5218.44 → 5218 minor units.
    // (Discounting each year's 2000 at its end instead would give 1818 + 1653 + 1503 = 4974.)
    // The second customer bought once (x = 0): no repeat rate, forward 0, historical 15.00.
    const policy: ClvPolicy = { timeUnitDays: 365, horizonDays: 1095, annualDiscountRate: 0.1, minCustomersForFit: 30 };
    const customers: ClvCustomer[] = [
      { x: 2, tx: 0.8, T: 1, zbar: 1000, historicalValue: 3000 },
      { x: 0, tx: 0, T: 0.5, zbar: 0, historicalValue: 1500 },
    ];
    const model = fitClvModel(customers, policy);
    expect(model.method).toBe('historical-average');
    const [a, b] = customers.map((c) => customerLifetimeValue(c, model, policy));
    expect(a).toMatchObject({ expectedPurchases: 6, expectedSpend: 1000, undiscountedForwardValue: 6000, forwardValue: 5218 });
    expect(evenFlowDiscountFactor(0.1, 3)).toBeCloseTo(0.86974, 5);
    expect(b.forwardValue).toBe(0);
    expect(customerEquity([a, b])).toBe(3000 + 5218 + 1500);
    expect(customerEquityBasis([a, b], model, policy)).toEqual({
      historicalValue: 4500,
      forwardValue: 5218,
      undiscountedForwardValue: 6000,
      annualDiscountRate: 0.1,
      horizonDays: 1095,
      timeUnitDays: 365,
      discounting: 'continuous',
      method: 'historical-average',
      customers: 2,
    });
  });

  it('discounts an even flow exactly through the general integral too', () => {
    // E(t) = 2t over 3 years at δ = ln 1.1: ∫ e^(−δt) 2 dt = 2 (1 − 1.1^−3) / ln 1.1 = 5.21844…
    const { discounted, undiscounted } = discountedFlow((t) => 2 * t, 3, Math.log(1.1), 1);
    expect(undiscounted).toBe(6);
    expect(discounted).toBeCloseTo((2 * (1 - Math.pow(1.1, -3))) / Math.log(1.1), 12);
  });

  it('has Gauss–Legendre rules that integrate polynomials exactly', () => {
    const { nodes, weights } = gaussLegendre(16);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(2, 14);
    // ∫_{−1}^{1} x^30 dx = 2/31 (degree 2n − 2 = 30 is within the rule's exactness).
    expect(nodes.reduce((s, x, i) => s + weights[i] * Math.pow(x, 30), 0)).toBeCloseTo(2 / 31, 14);
    expect(gaussLegendre(1)).toEqual({ nodes: [0], weights: [2] });
  });
});
