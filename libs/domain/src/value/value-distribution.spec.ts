import { valueDistribution } from './value-distribution';

const of = (...values: number[]) => values.map((v) => ({ historicalValue: v, forwardValue: 0 }));

describe('valueDistribution', () => {
  it('counts every customer once, in 1-2-5 bands of major units, the last band open', () => {
    const d = valueDistribution([...of(0, 50, 99, 100, 150, 199, 200, 499, 500, 1250), { historicalValue: 300, forwardValue: 400.5 }]);
    expect(d.customers).toBe(11);
    expect(d.buckets).toEqual([
      { from: 0, to: 100, customers: 3 },
      { from: 100, to: 200, customers: 3 },
      { from: 200, to: 500, customers: 2 },
      { from: 500, to: 1000, customers: 2 },
      { from: 1000, to: null, customers: 1 },
    ]);
    expect(d.buckets.reduce((n, b) => n + b.customers, 0)).toBe(d.customers);
  });

  it('gives nearest-rank quantiles and the mean', () => {
    const d = valueDistribution(of(...Array.from({ length: 100 }, (_, i) => (i + 1) * 10)));
    expect(d.quantiles).toEqual({ p10: 100, p25: 250, p50: 500, p75: 750, p90: 900, p99: 990 });
    expect(d.mean).toBe(505);
  });

  it('puts a negative value in the first band, and answers an empty population', () => {
    expect(valueDistribution(of(-300, 20)).buckets).toEqual([{ from: 0, to: null, customers: 2 }]);
    expect(valueDistribution([])).toMatchObject({ customers: 0, mean: 0, quantiles: { p50: 0 }, buckets: [{ from: 0, to: null, customers: 0 }] });
  });
});
