/**
 * One step of the fold (docs/relationship-model.md §2–§3, §8), applied to a view IN PLACE:
 * the time rules up to the fact's instant, the fact's tallies, then the event rules (trust
 * first: commitment needs trust ≥ knowledge). Callers own the view they pass
 * (customer-view.evolve.ts copies before calling when purity is asked for).
 */
import type { RelationshipPolicy } from '../policy';
import type { CustomerView } from '../customer/customer-view.types';
import { lifecycleOnEvent } from '../lifecycle/lifecycle.rules';
import { advance } from '../time-rules/wakes';
import { trustRise } from '../trust/trust.rules';
import type { EventFact } from './event-fact';
import { OrderHistory, applyFact, pruneWindows } from './event-tallies';
import { foldHorizonMs } from './horizon';
import { trimPublishedHistory } from './published-history';

/**
 * Applies one fact: time rules up to its instant, then the fact, then the event rules, then the
 * published lists trimmed to the horizon (unless `keepPublishedHistory`: the timeline's re-fold).
 */
export function step(v: CustomerView, f: EventFact, policy: RelationshipPolicy, orders: OrderHistory | null = null, keepPublishedHistory = false): void {
  const s = v.state;
  if (v.eventCount === 0) {
    // The first event of any type creates the customer in awareness / calculus trust.
    s.clockMs = f.occurredAtMs;
    s.firstSeenMs = f.occurredAtMs;
    s.trustSinceMs = f.occurredAtMs;
    v.firstSeenAt = f.occurredAt;
    v.lifecycle.stage = 'awareness';
    v.lifecycle.since = f.occurredAt;
    v.lifecycle.transitions.push({ from: null, to: 'awareness', eventId: f.eventId, rule: 'first-seen', occurredAt: f.occurredAt });
    v.trust.stage = 'calculus';
    v.trust.since = f.occurredAt;
    v.trust.transitions.push({ from: null, to: 'calculus', eventId: f.eventId, rule: 'first-seen', occurredAt: f.occurredAt });
  } else {
    advance(v, f.occurredAtMs, policy);
  }
  const violated = applyFact(v, f, policy, orders);
  pruneWindows(v, f.occurredAtMs, policy);
  if (f.occurredAtMs > s.clockMs) s.clockMs = f.occurredAtMs;
  // Trust first: commitment needs trust ≥ knowledge. A violation in this event blocks a rise in it.
  if (!violated) trustRise(v, f.occurredAtMs, f.eventId, f.occurredAt, policy);
  lifecycleOnEvent(v, f, policy);
  if (!keepPublishedHistory) trimPublishedHistory(v, s.clockMs - foldHorizonMs(policy));
}
