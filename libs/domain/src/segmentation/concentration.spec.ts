import { valueConcentration } from './concentration';
import { DEFAULT_SEGMENTS_POLICY } from './segmentation.policy';

const customers = (values: number[]) => values.map((value365, i) => ({ customerId: `C-${String(i).padStart(2, '0')}`, value365 }));

describe('valueConcentration (the 80/20 check)', () => {
  it('is the share of 365-day value the top 20 % of customers bring', () => {
    // 10 customers: the top 2 bring 800 of 1000.
    const c = valueConcentration(customers([50, 400, 10, 10, 400, 30, 30, 30, 20, 20]).reverse(), DEFAULT_SEGMENTS_POLICY.concentration);
    expect(c).toEqual({
      topCustomerShare: 0.2,
      referenceValueShare: 0.8,
      population: 10,
      topCustomers: 2,
      topValue: 800,
      totalValue: 1000,
      valueShare: 0.8,
      meetsReference: true,
    });
  });

  it('takes the smallest head that covers the share, counts negative value as 0, and is null without value', () => {
    const c = valueConcentration(customers([100, 50, -200]), { topCustomerShare: 0.2, referenceValueShare: 0.8 });
    expect(c).toMatchObject({ topCustomers: 1, topValue: 100, totalValue: 150, valueShare: 100 / 150, meetsReference: false });
    expect(valueConcentration([], DEFAULT_SEGMENTS_POLICY.concentration)).toMatchObject({ population: 0, topCustomers: 0, valueShare: null, meetsReference: null });
  });
});
