import { DEFAULT_CLV_POLICY, DEFAULT_SEGMENTS_POLICY } from './segmentation.policy';
import { compareWinBack, winBackPriorities, WinBackInput } from './win-back';

const lost = (customerId: string, over: Partial<WinBackInput> = {}): WinBackInput => ({
  customerId,
  lifecycleStage: 'dissolution',
  churnReason: 'price',
  historicalValue: 36_500,
  firstPurchaseAt: '2025-01-01T00:00:00.000Z',
  dissolvedAt: '2026-01-01T00:00:00.000Z', // 365 days later
  ...over,
});
const policy = { clv: DEFAULT_CLV_POLICY, segments: DEFAULT_SEGMENTS_POLICY };
// 3 years at 10 %, continuously: 3 · (1 − 1.1^−3) / (3 · ln 1.1) = 2.609221
const HORIZON_VALUE = (1 - Math.pow(1.1, -3)) / Math.log(1.1);

describe('winBackPriorities', () => {
  const { basis, groups } = winBackPriorities(
    [
      lost('a'), // 36,500 over 365 days: 36,500 a year
      lost('b', { historicalValue: 10_000, dissolvedAt: '2025-01-11T00:00:00.000Z' }), // 10 days, floored at 90: 40,555.6 a year
      lost('c', { churnReason: 'competitor', historicalValue: 1000 }),
      lost('d', { churnReason: null, historicalValue: 73_000, dissolvedAt: '2027-01-01T00:00:00.000Z' }), // inactivity: unspecified
      lost('e', { historicalValue: 0, firstPurchaseAt: null }),
      lost('f', { lifecycleStage: 'expansion' }), // not lost
      lost('g'), // ties with a: by id
    ],
    policy,
  );

  it('ranks lost customers by their historical value rate over the CLV horizon, discounted', () => {
    expect(basis).toEqual({ value: 'historical-value-rate', minRelationshipDays: 90, horizonDays: 1095, annualDiscountRate: 0.1 });
    const price = groups.find((g) => g.reason === 'price')!;
    expect(price.entries.map((e) => e.customerId)).toEqual(['b', 'a', 'g', 'e']);
    expect(price.entries[0]).toEqual({
      customerId: 'b',
      reason: 'price',
      rank: 1,
      dissolvedAt: '2025-01-11T00:00:00.000Z',
      historicalValue: 10_000,
      relationshipDays: 10,
      valuePerYear: (10_000 * 365) / 90,
      winBackValue: Math.round(((10_000 * 365) / 90) * HORIZON_VALUE),
    });
    expect(price.entries[1]).toMatchObject({ rank: 2, relationshipDays: 365, valuePerYear: 36_500, winBackValue: Math.round(36_500 * HORIZON_VALUE) });
    expect(Math.round(36_500 * HORIZON_VALUE)).toBe(95_237);
    expect(price.entries[3]).toMatchObject({ customerId: 'e', relationshipDays: null, valuePerYear: 0, winBackValue: 0 });
    expect(price.customers).toBe(4);
    expect(price.winBackValue).toBe(price.entries.reduce((s, e) => s + e.winBackValue, 0));
  });

  it('groups by churn reason in the contract order, unspecified last', () => {
    expect(groups.map((g) => [g.reason, g.customers])).toEqual([['competitor', 1], ['price', 4], ['unspecified', 1]]);
  });

  it('orders by value descending, then customer id', () => {
    expect(compareWinBack({ winBackValue: 5, customerId: 'b' }, { winBackValue: 4, customerId: 'a' })).toBeLessThan(0);
    expect(compareWinBack({ winBackValue: 5, customerId: 'a' }, { winBackValue: 5, customerId: 'b' })).toBeLessThan(0);
    expect(compareWinBack({ winBackValue: 5, customerId: 'a' }, { winBackValue: 5, customerId: 'a' })).toBe(0);
  });
});
