import { DEFAULT_POLICY } from '../policy';
import { foldEvents } from './customer-view.evolve';
import { rfmSummary } from './rfm-summary';
import { CustomerEvents } from './testing/customer-events.test-helper';

const at = (iso: string) => iso;

describe('rfmSummary (the BG/NBD inputs of one customer)', () => {
  it('counts same-day purchases as one transaction, so a customer without repeat days has x = 0 and t_x = 0', () => {
    const c = new CustomerEvents('R-1');
    const view = foldEvents('R-1', [c.purchase(at('2025-01-01T09:00:00Z'), { amount: 1000 }), c.purchase(at('2025-01-01T17:00:00Z'), { amount: 500 })], DEFAULT_POLICY);
    expect(rfmSummary(view, '2025-03-01T00:00:00Z', DEFAULT_POLICY)).toMatchObject({ x: 0, tx: 0, zbar: 0, historicalValue: 1500 });
  });

  it('measures t_x to the first purchase of the last purchase day, in policy time units', () => {
    const c = new CustomerEvents('R-2');
    const view = foldEvents(
      'R-2',
      [c.purchase(at('2025-01-01T10:00:00Z'), { amount: 1000 }), c.purchase(at('2025-01-15T10:00:00Z'), { amount: 300 }), c.purchase(at('2025-01-15T18:00:00Z'), { amount: 100 })],
      DEFAULT_POLICY,
    );
    const summary = rfmSummary(view, '2025-01-29T10:00:00Z', DEFAULT_POLICY);
    expect(summary.x).toBe(1);
    expect(summary.tx).toBeCloseTo(2); // 14 days in weeks
    expect(summary.T).toBeCloseTo(4);
    expect(summary.zbar).toBe(400);
  });
});
