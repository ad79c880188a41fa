import * as fc from 'fast-check';
import type { CustomerView } from '../customer/customer-view.types';
import { referralValues, referredCustomersOf } from './referrals';

const AS_OF = '2026-04-01T00:00:00.000Z';
const ref = (customerId: string, occurredAt: string, eventId = `r-${customerId}`) => ({ customerId, eventId, occurredAt });

describe('referralValues', () => {
  const inputs = [
    { customerId: 'R1', historicalValue: 500, referredCustomers: [ref('N2', '2026-02-01T00:00:00Z'), ref('N1', '2026-01-01T00:00:00Z'), ref('N1', '2026-03-01T00:00:00Z', 'again')] },
    { customerId: 'R2', historicalValue: 0, referredCustomers: [ref('N1', '2026-01-15T00:00:00Z'), ref('LATER', '2026-05-01T00:00:00Z'), ref('R2', '2026-01-01T00:00:00Z'), ref('GHOST', '2026-01-20T00:00:00Z')] },
    { customerId: 'N1', historicalValue: 4000 },
    { customerId: 'N2', historicalValue: 1500, referredCustomers: [] },
    { customerId: 'LATER', historicalValue: 99 },
  ];

  it('lists the referred customers with the value they have brought as of asOf', () => {
    const { byReferrer, summary } = referralValues(inputs, AS_OF);
    expect(byReferrer.get('R1')).toEqual({
      customers: [
        { customerId: 'N1', eventId: 'r-N1', referredAt: '2026-01-01T00:00:00Z', value: 4000 },
        { customerId: 'N2', eventId: 'r-N2', referredAt: '2026-02-01T00:00:00Z', value: 1500 },
      ],
      value: 5500,
    });
    // A referral after asOf does not count yet, a self-referral never; an unknown customer brought 0.
    expect(byReferrer.get('R2')).toEqual({
      customers: [
        { customerId: 'N1', eventId: 'r-N1', referredAt: '2026-01-15T00:00:00Z', value: 4000 },
        { customerId: 'GHOST', eventId: 'r-GHOST', referredAt: '2026-01-20T00:00:00Z', value: 0 },
      ],
      value: 4000,
    });
    expect([...byReferrer.keys()]).toEqual(['R1', 'R2']);
    expect(summary).toEqual({ referrers: 2, referrals: 4, referredCustomers: 3, value: 5500 });
  });

  it('is a function of the population as of asOf, whatever the order of customers and of their referrals', () => {
    const expected = JSON.stringify([...referralValues(inputs, AS_OF).byReferrer.entries()].sort());
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const shuffle = <T>(xs: readonly T[]): T[] => fc.sample(fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length }), { seed, numRuns: 1 })[0];
        const shuffled = shuffle(inputs).map((c) => ({ ...c, referredCustomers: c.referredCustomers && shuffle(c.referredCustomers) }));
        expect(JSON.stringify([...referralValues(shuffled, AS_OF).byReferrer.entries()].sort())).toBe(expected);
      }),
      { numRuns: 30 },
    );
  });
});

describe('referredCustomersOf', () => {
  const viewWith = (conative: unknown) => ({ loyalty: { conative } }) as unknown as Pick<CustomerView, 'loyalty'>;

  it('reads the view field, and tolerates views stored before it existed', () => {
    expect(referredCustomersOf(viewWith({ referrals: 1, referredCustomers: [ref('N1', '2026-01-01T00:00:00Z')] }))).toEqual([ref('N1', '2026-01-01T00:00:00Z')]);
    expect(referredCustomersOf(viewWith({ referrals: 1 }))).toEqual([]);
    expect(referredCustomersOf(viewWith({ referredCustomers: [{ customerId: '' }, null, { customerId: 'X' }, { customerId: 'Y', occurredAt: '2026-01-01T00:00:00Z' }] }))).toEqual([
      { customerId: 'Y', eventId: '', occurredAt: '2026-01-01T00:00:00Z' },
    ]);
    expect(referredCustomersOf({} as Pick<CustomerView, 'loyalty'>)).toEqual([]);
  });
});
