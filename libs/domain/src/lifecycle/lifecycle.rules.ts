/**
 * The relationship lifecycle (客户关系生命周期, docs/relationship-model.md §2): awareness →
 * exploration → expansion → commitment, dissolution from any stage, a win-back into
 * exploration. At most one step up per event; the time rules (inactivity, volume decline,
 * commitment by tenure or by a purchase crossing into an older period) run from ../time-rules.
 */
import type { ComplaintSeverity } from '@crm/contracts';
import type { LifecycleStage, RelationshipPolicy } from '../policy';
import type { CustomerView, LifecycleRule } from '../customer/customer-view.types';
import { DAY_MS, EventFact } from '../fold/event-fact';
import { satisfactionAtLeast } from '../satisfaction/satisfaction.rules';
import { TRUST_RANK } from '../trust/trust.rules';
import { distinctPurchasePeriods, episodePurchasesSince, windowVolumes } from './purchase-windows';

export function lifecycleTo(v: CustomerView, to: LifecycleStage, eventId: string | null, rule: LifecycleRule, occurredAt: string): void {
  const lc = v.lifecycle;
  lc.transitions.push({ from: lc.stage, to, eventId, rule, occurredAt });
  lc.stage = to;
  lc.since = occurredAt;
}

export function dissolve(
  v: CustomerView,
  eventId: string | null,
  rule: 'relationship-ended' | 'volume-decline' | 'inactivity',
  occurredAt: string,
): void {
  lifecycleTo(v, 'dissolution', eventId, rule, occurredAt);
  v.lifecycle.dissolvedBy = rule;
}

/** Volume decline: the last window's volume below the ratio of the one before, while the customer was active. */
export function declineHolds(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  const s = v.state;
  const d = policy.lifecycle.dissolution;
  // "While the customer was active": both windows lie inside the current episode and it still buys.
  if (s.episodeStartMs === null || at - 2 * d.volumeWindowDays * DAY_MS < s.episodeStartMs) return false;
  const { last, prior, lastCount } = windowVolumes(v, at, policy, s.episodeStartMs);
  return lastCount >= 1 && last < d.volumeDeclineRatio * prior;
}

function hasOpenComplaint(v: CustomerView, severities: readonly ComplaintSeverity[]): boolean {
  for (const c of v.complaints.open) if (severities.includes(c.severity)) return true;
  return false;
}

/** Commitment without its purchase-period condition: tenure (from first seen), trust, satisfaction. */
export function commitmentPrerequisitesHold(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  const c = policy.lifecycle.commitment;
  if (at - v.state.firstSeenMs < c.minTenureDays * DAY_MS) return false;
  if (TRUST_RANK[v.trust.stage] < TRUST_RANK[c.minTrustStage]) return false;
  return satisfactionAtLeast(v, c.minSatisfaction);
}

export function commitmentHolds(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  if (!commitmentPrerequisitesHold(v, at, policy)) return false;
  const min = policy.lifecycle.commitment.minDistinctPeriods;
  return distinctPurchasePeriods(v, at, policy, min) >= min;
}

/** The lifecycle rules an event can fire (after its tallies and the trust rise). */
export function lifecycleOnEvent(v: CustomerView, f: EventFact, policy: RelationshipPolicy): void {
  const lc = v.lifecycle;
  if (f.type === 'RelationshipEnded') {
    v.churnReason = f.reason;
    if (lc.stage !== 'dissolution') dissolve(v, f.eventId, 'relationship-ended', f.occurredAt);
    return;
  }
  if (lc.stage === 'dissolution') {
    if (f.type === 'PurchaseMade') {
      lc.winBacks++;
      lc.dissolvedBy = null;
      v.churnReason = null;
      lifecycleTo(v, 'exploration', f.eventId, 'win-back', f.occurredAt);
    }
    return;
  }
  const s = v.state;
  switch (lc.stage) {
    case 'awareness':
      if (s.episodePurchases >= 1) lifecycleTo(v, 'exploration', f.eventId, 'first-purchase', f.occurredAt);
      return;
    case 'exploration': {
      const e = policy.lifecycle.expansion;
      if (
        episodePurchasesSince(v, f.occurredAtMs - e.windowDays * DAY_MS, f.occurredAtMs) >= e.minPurchases &&
        !hasOpenComplaint(v, e.blockingSeverities)
      ) {
        lifecycleTo(v, 'expansion', f.eventId, 'repeat-purchases', f.occurredAt);
      }
      return;
    }
    case 'expansion':
      if (commitmentHolds(v, f.occurredAtMs, policy)) lifecycleTo(v, 'commitment', f.eventId, 'commitment', f.occurredAt);
      return;
    case 'commitment':
      return;
    default: {
      const unreachable: never = lc.stage;
      throw new Error(`unhandled stage ${String(unreachable)}`);
    }
  }
}
