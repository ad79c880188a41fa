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

/**
 * From the fold state's tallies, so `view` must reflect no event after `asOf`: evaluate it as of
 * asOf first (the population pass does), which re-folds a view that is ahead from its history.
 */
export function rfmSummary(view: CustomerView, asOf: string, policy: RelationshipPolicy): RfmSummary {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new InvalidEventError('(rfmSummary)', `asOf is not a date: ${asOf}`);
  const s = view.state;
  if (view.eventCount > 0 && s.lastEventMs > at) throw new RangeError(`rfmSummary: the view of ${view.customerId} has events after ${asOf}; evaluate it as of asOf first`);
  const windowFrom = at - policy.tiers.valueWindowDays * DAY_MS;
  const unit = policy.clv.timeUnitDays * DAY_MS;
  // Purchases minus refunds inside the value window (inside the fold horizon, so still in the state).
  let value365 = 0;
  for (let i = s.purchaseTimes.length - 1; i >= 0 && s.purchaseTimes[i] > windowFrom; i--) value365 += s.purchaseValues[i];
  for (let i = s.refundTimes.length - 1; i >= 0 && s.refundTimes[i] > windowFrom; i--) value365 -= s.refundValues[i];
  const historicalValue = view.historicalValue;
  const first = s.firstPurchaseMs;
  if (first === null) return { customerId: view.customerId, x: 0, tx: 0, T: 0, zbar: 0, value365, historicalValue };
  const x = s.purchaseDays - 1;
  // Repeat value: the purchases of the days after the first purchase day (foreign-currency ones count as transactions, value 0).
  const repeatValue = view.loyalty.behavioural.purchaseValue - s.firstDayValue;
  const last = s.lastPurchaseDayStartMs ?? first;
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
