/**
 * Referral value (口碑价值, docs/relationship-model.md §7): a ReferralMade that names the referred
 * customer links the two; the referrer is shown the referred customers and the value they
 * have brought so far.
 */
import type { CustomerView } from '../customer/customer-view.types';

/** One referred customer as the referrer's view lists it (`loyalty.conative.referredCustomers`). */
export interface ReferredCustomerRef {
  customerId: string;
  /** The ReferralMade that named them. */
  eventId: string;
  occurredAt: string;
}

export interface ReferredCustomerValue {
  customerId: string;
  eventId: string;
  referredAt: string;
  /** The referred customer's historicalValue as of the pass's asOf (0 when it has no view yet). */
  value: number;
}

export interface ReferralValue {
  /** In referral order (referredAt, then customerId). */
  customers: ReferredCustomerValue[];
  /** Σ value. */
  value: number;
}

export interface ReferralSummary {
  /** Customers with at least one referral as of asOf. */
  referrers: number;
  /** (referrer, referred) links. */
  referrals: number;
  /** Distinct referred customers. */
  referredCustomers: number;
  /** Σ historicalValue of the distinct referred customers (a customer referred twice counts once here). */
  value: number;
}

export const NO_REFERRALS: ReferralValue = Object.freeze({ customers: [], value: 0 }) as ReferralValue;

/**
 * The referred customers a view lists, read defensively: the field is written by the fold and
 * may be missing in views stored before it existed (or hold entries of an older shape).
 */
export function referredCustomersOf(view: Pick<CustomerView, 'loyalty'>): ReferredCustomerRef[] {
  const listed = (view.loyalty?.conative as { referredCustomers?: unknown } | undefined)?.referredCustomers ?? [];
  if (!Array.isArray(listed)) return [];
  const out: ReferredCustomerRef[] = [];
  for (const r of listed as unknown[]) {
    const ref = r as Partial<ReferredCustomerRef> | null;
    if (!ref || typeof ref.customerId !== 'string' || ref.customerId === '' || typeof ref.occurredAt !== 'string') continue;
    out.push({ customerId: ref.customerId, eventId: typeof ref.eventId === 'string' ? ref.eventId : '', occurredAt: ref.occurredAt });
  }
  return out;
}

interface ReferralInput {
  customerId: string;
  historicalValue: number;
  referredCustomers?: readonly ReferredCustomerRef[];
}

/**
 * Crosses customers, so it is computed only once the whole population is known, from the
 * inputs of that population as of asOf: a referral counts when it occurred at or before asOf,
 * and its value is the referred customer's own historicalValue as of asOf. The result is a
 * function of (the set of views, asOf): not of scan order (a lookup in the population, lists
 * sorted by referral time), not of replay or redelivery (each view is a function of its event
 * set), and a late event changes it only through the views it changes, exactly as if it had
 * arrived in time. Each referred customer is listed once per referrer (its first referral) and
 * a self-referral is ignored; a customer referred by two referrers counts for both.
 */
export function referralValues(
  inputs: readonly ReferralInput[],
  asOf: string,
): { byReferrer: Map<string, ReferralValue>; summary: ReferralSummary } {
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new RangeError(`referralValues: asOf is not an ISO 8601 instant: ${asOf}`);
  const valueOf = new Map<string, number>();
  for (const c of inputs) valueOf.set(c.customerId, c.historicalValue);
  const byReferrer = new Map<string, ReferralValue>();
  const referred = new Set<string>();
  let referrals = 0;
  for (const c of inputs) {
    const refs = (c.referredCustomers ?? [])
      .map((r) => ({ ...r, t: Date.parse(r.occurredAt) }))
      .filter((r) => Number.isFinite(r.t) && r.t <= at && r.customerId !== c.customerId)
      .sort((u, v) => u.t - v.t || cmp(u.customerId, v.customerId) || cmp(u.eventId, v.eventId));
    const seen = new Set<string>();
    const customers: ReferredCustomerValue[] = [];
    let value = 0;
    for (const r of refs) {
      if (seen.has(r.customerId)) continue;
      seen.add(r.customerId);
      const v = valueOf.get(r.customerId) ?? 0;
      customers.push({ customerId: r.customerId, eventId: r.eventId, referredAt: r.occurredAt, value: v });
      value += v;
      referred.add(r.customerId);
    }
    if (customers.length === 0) continue;
    referrals += customers.length;
    byReferrer.set(c.customerId, { customers, value });
  }
  let value = 0;
  for (const id of referred) value += valueOf.get(id) ?? 0;
  return { byReferrer, summary: { referrers: byReferrer.size, referrals, referredCustomers: referred.size, value } };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
