import { InvalidEventError } from '../domain.errors';
import type { RelationshipPolicy } from '../policy';
import type { CustomerView } from './customer-view.types';
import { DAY_MS } from '../fold/event-fact';

/** What the population pass (BG/NBD, Gamma-Gamma, tiers) needs from one customer. */
export interface RfmSummary {
  customerId: string;
  /** Repeat purchases: distinct purchase days (UTC) after the first one (the CDNOW convention). */
  x: number;
  /** Time of the last purchase since the first, in clv.timeUnitDays units. */
  tx: number;
  /** Age since the first purchase at asOf, in clv.timeUnitDays units. */
  T: number;
  /** Mean value of the repeat purchase days (view currency, minor units); 0 without repeats. */
  zbar: number;
  /** Purchases minus refunds inside (asOf - tiers.valueWindowDays, asOf], view currency. */
  value365: number;
  /** Purchases minus refunds up to asOf, view currency. */
  historicalValue: number;
}

export function rfmSummary(view: CustomerView, asOf: string, policy: RelationshipPolicy): RfmSummary {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new InvalidEventError('(rfmSummary)', `asOf is not a date: ${asOf}`);
  const windowFrom = at - policy.tiers.valueWindowDays * DAY_MS;
  const unit = policy.clv.timeUnitDays * DAY_MS;
  // Purchase value per UTC day, in application order; foreign-currency purchases count as transactions, value 0.
  const days: number[] = [];
  const dayValues: number[] = [];
  let historicalValue = 0;
  let value365 = 0;
  let first: number | null = null;
  let last = 0;
  for (const f of view.log) {
    if (f.occurredAtMs > at) break;
    if (f.type === 'PurchaseMade') {
      const amount = f.currency === view.currency ? f.amount : 0;
      const day = Math.floor(f.occurredAtMs / DAY_MS);
      if (days.length === 0 || days[days.length - 1] !== day) {
        days.push(day);
        dayValues.push(0);
        // t_x is the time of the last repeat transaction: the first purchase of the last purchase day.
        last = f.occurredAtMs;
      }
      dayValues[dayValues.length - 1] += amount;
      first ??= f.occurredAtMs;
      historicalValue += amount;
      if (f.occurredAtMs > windowFrom) value365 += amount;
    } else if (f.type === 'PurchaseRefunded' && f.currency === view.currency) {
      historicalValue -= f.amount;
      if (f.occurredAtMs > windowFrom) value365 -= f.amount;
    }
  }
  if (first === null) return { customerId: view.customerId, x: 0, tx: 0, T: 0, zbar: 0, value365, historicalValue };
  const x = days.length - 1;
  let repeatValue = 0;
  for (let i = 1; i < dayValues.length; i++) repeatValue += dayValues[i];
  return {
    customerId: view.customerId,
    x,
    // Same-day purchases are one transaction (x counts days), so a customer without repeats has t_x = 0.
    tx: x > 0 ? (last - first) / unit : 0,
    T: (at - first) / unit,
    zbar: x > 0 ? repeatValue / x : 0,
    value365,
    historicalValue,
  };
}
