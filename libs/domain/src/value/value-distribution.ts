/**
 * How the customers' lifetime values spread (the dashboard's distribution; customer equity is
 * their sum): each customer's historical value plus its discounted forward value, in minor units.
 */
export interface ValueDistribution {
  basis: 'historicalValue + forwardValue (discounted to asOf), minor units of each customer’s own currency';
  customers: number;
  mean: number;
  /** Nearest-rank quantiles of the values (0 for an empty population). */
  quantiles: { p10: number; p25: number; p50: number; p75: number; p90: number; p99: number };
  /**
   * Customers per value band, bands on a 1-2-5 scale of major units from 0 (`[0, 100)`,
   * `[100, 200)`, `[200, 500)`, `[500, 1000)`, … in minor units), the last one open (`to: null`),
   * up to the band holding the largest value; a negative value (refunds beyond purchases) counts in
   * the first band.
   */
  buckets: { from: number; to: number | null; customers: number }[];
}

const BASIS = 'historicalValue + forwardValue (discounted to asOf), minor units of each customer’s own currency' as const;

/** The distribution of `historicalValue + forwardValue` over the estimates. Pure: the same estimates give the same answer. */
export function valueDistribution(estimates: Iterable<{ historicalValue: number; forwardValue: number }>): ValueDistribution {
  const values: number[] = [];
  for (const e of estimates) values.push(e.historicalValue + e.forwardValue);
  values.sort((a, b) => a - b);
  const n = values.length;
  const rank = (q: number) => (n === 0 ? 0 : values[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]);
  const quantiles = { p10: rank(0.1), p25: rank(0.25), p50: rank(0.5), p75: rank(0.75), p90: rank(0.9), p99: rank(0.99) };
  const max = n === 0 ? 0 : values[n - 1];
  const edges = [0];
  for (let decade = 100; edges[edges.length - 1] <= max; decade *= 10) for (const step of [1, 2, 5]) if (edges[edges.length - 1] <= max) edges.push(step * decade);
  const buckets = edges.slice(0, -1).map((from, i) => ({ from, to: i === edges.length - 2 ? null : edges[i + 1], customers: 0 }));
  if (buckets.length === 0) buckets.push({ from: 0, to: null, customers: 0 });
  let at = 0;
  for (const value of values) {
    while (at < buckets.length - 1 && value >= (buckets[at].to as number)) at++;
    buckets[at].customers++;
  }
  const mean = n === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / n;
  return { basis: BASIS, customers: n, mean, quantiles, buckets };
}
