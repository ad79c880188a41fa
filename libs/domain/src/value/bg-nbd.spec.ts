import {
  bgNbdLogLikelihood,
  conditionalExpectedPurchases,
  expectedPurchases,
  fitBgNbd,
  probabilityAlive,
  probabilityOfNPurchases,
} from './bg-nbd';
import { loadCdnowSummary } from '../../../testing/src/cdnow-data';
import { hyp2f1, lnGamma } from './special-functions';

const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('special functions', () => {
  it('lnGamma matches exact values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lnGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    expect(lnGamma(171.5)).toBeCloseTo(709.1431630309282, 9); // reference values from Python math.lgamma
    expect(lnGamma(3.7)).toBeCloseTo(1.4280723266653883, 13);
  });

  it('hyp2f1 matches closed forms', () => {
    for (const z of [0, 0.1, 0.5, 0.9, 0.99]) {
      // 2F1(1, 1; 2; z) = −ln(1−z)/z and 2F1(a, b; b; z) = (1−z)^−a
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(z === 0 ? 1 : -Math.log(1 - z) / z, 10);
      expect(hyp2f1(0.7, 2.5, 2.5, z)).toBeCloseTo(Math.pow(1 - z, -0.7), 10);
    }
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });
});

describe('BG/NBD on CDNOW (Fader, Hardie & Lee 2005)', () => {
  const rows = loadCdnowSummary();
  // One fit shared by the tests (fits are slow under jest's VM; fast in node: see README).
  let fit: ReturnType<typeof fitBgNbd>;
  beforeAll(() => {
    fit = fitBgNbd(rows);
  });

  it('reads all 2,357 customers', () => {
    expect(rows).toHaveLength(2357);
  });

  it('reproduces the published maximum-likelihood parameters', () => {
    expect(fit.converged).toBe(true);
    expect(fit.params.r).toBeCloseTo(PUBLISHED.r, 3);
    expect(fit.params.alpha).toBeCloseTo(PUBLISHED.alpha, 2);
    expect(fit.params.a).toBeCloseTo(PUBLISHED.a, 3);
    expect(fit.params.b).toBeCloseTo(PUBLISHED.b, 2);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[key] / PUBLISHED[key] - 1)).toBeLessThan(0.005);
    }
    // The paper reports LL = −9582.4 at the optimum.
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgNbdLogLikelihood(PUBLISHED, rows));
  });

  it('lands on the same optimum whatever the row order', () => {
    const reversed = fitBgNbd([...rows].reverse());
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(reversed.params[key]).toBeCloseTo(fit.params[key], 4);
  });

  it('reproduces the worked example: 1.226 purchases in 39 weeks for x=2, t_x=30.43, T=38.86', () => {
    expect(conditionalExpectedPurchases(PUBLISHED, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('reproduces P(X(39) = 0) = 0.5737864 (BTYD)', () => {
    expect(probabilityOfNPurchases(PUBLISHED, 39, 0)).toBeCloseTo(0.5737864, 7);
  });

  it('P(X(t)=n) is a distribution whose mean is E[X(t)]', () => {
    let total = 0;
    let mean = 0;
    for (let n = 0; n < 400; n++) {
      const p = probabilityOfNPurchases(PUBLISHED, 39, n);
      expect(p).toBeGreaterThanOrEqual(0);
      total += p;
      mean += n * p;
    }
    expect(total).toBeCloseTo(1, 9);
    expect(mean).toBeCloseTo(expectedPurchases(PUBLISHED, 39), 5);
  });

  it('a new customer (x=0, T=0) is expected to buy E[X(t)]', () => {
    expect(conditionalExpectedPurchases(PUBLISHED, 39, 0, 0, 0)).toBeCloseTo(expectedPurchases(PUBLISHED, 39), 10);
  });

  it('P(alive) is 1 without repeat purchases and falls with time since the last one', () => {
    expect(probabilityAlive(PUBLISHED, 0, 0, 38.86)).toBe(1);
    const recent = probabilityAlive(PUBLISHED, 2, 38, 38.86);
    const lapsed = probabilityAlive(PUBLISHED, 2, 5, 38.86);
    expect(recent).toBeGreaterThan(lapsed);
    expect(lapsed).toBeGreaterThan(0);
  });

  it('is continuous through a = 1, where the closed form divides by a − 1', () => {
    const at = (a: number) => conditionalExpectedPurchases({ ...PUBLISHED, a }, 39, 3, 20, 38);
    expect(at(1)).toBeCloseTo((at(1 - 1e-3) + at(1 + 1e-3)) / 2, 5);
    expect(Number.isFinite(expectedPurchases({ ...PUBLISHED, a: 1 }, 39))).toBe(true);
  });

  it('weights are the same as repeated rows', () => {
    const repeated = [{ x: 1, tx: 2, T: 10 }, { x: 1, tx: 2, T: 10 }, { x: 0, tx: 0, T: 8 }];
    const weighted = [{ x: 1, tx: 2, T: 10, weight: 2 }, { x: 0, tx: 0, T: 8 }];
    expect(bgNbdLogLikelihood(PUBLISHED, weighted)).toBeCloseTo(bgNbdLogLikelihood(PUBLISHED, repeated), 12);
  });

  it('rejects inconsistent summaries', () => {
    expect(() => fitBgNbd([{ x: 1, tx: 5, T: 3 }])).toThrow(RangeError);
    expect(() => fitBgNbd([{ x: 1.5, tx: 1, T: 3 }])).toThrow(RangeError);
    expect(() => fitBgNbd([])).toThrow(RangeError);
  });
});
