import { loadCdnowWithSpend } from '../../../testing/src/cdnow-data';
import { conditionalExpectedSpend, fitGammaGamma, gammaGammaLogLikelihood, populationMeanSpend } from './gamma-gamma';

describe('Gamma-Gamma on CDNOW (Fader, Hardie & Lee 2005, RFM and CLV)', () => {
  const rows = loadCdnowWithSpend();
  const repeaters = rows.filter((r) => r.x > 0);
  const fit = fitGammaGamma(repeaters);

  it('fits on the 946 customers with repeat purchases', () => {
    expect(repeaters).toHaveLength(946);
    expect(fit.converged).toBe(true);
  });

  it('reproduces p = 6.25, q = 3.74, gamma = 15.44', () => {
    expect(fit.params.p).toBeCloseTo(6.25, 2);
    expect(fit.params.q).toBeCloseTo(3.74, 2);
    // Published 15.44; the optimum is 15.447 (lifetimes gets 15.4472): within 0.1 %.
    expect(Math.abs(fit.params.gamma / 15.44 - 1)).toBeLessThan(0.001);
  });

  it('is at least as likely as the published parameters', () => {
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(gammaGammaLogLikelihood({ p: 6.25, q: 3.74, gamma: 15.44 }, repeaters));
  });

  it('reproduces the conditional expected spend of the first ten customers', () => {
    const published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    const ours = rows.slice(0, 10).map((r) => conditionalExpectedSpend(fit.params, r.x, r.zbar));
    ours.forEach((v, i) => expect(Math.abs(v - published[i])).toBeLessThanOrEqual(0.01));
  });

  it('gives a customer without repeat purchases the population mean', () => {
    expect(conditionalExpectedSpend(fit.params, 0, 0)).toBeCloseTo(populationMeanSpend(fit.params), 10);
  });

  it('does not depend on the money unit (cents give 100 × gamma)', () => {
    const cents = fitGammaGamma(repeaters.map((r) => ({ x: r.x, zbar: Math.round(r.zbar * 100) })));
    expect(cents.params.p).toBeCloseTo(fit.params.p, 1);
    expect(cents.params.gamma / 100).toBeCloseTo(fit.params.gamma, 0);
  });

  it('rejects rows without repeat purchases', () => {
    expect(() => fitGammaGamma([{ x: 0, zbar: 0 }])).toThrow(RangeError);
  });
});
