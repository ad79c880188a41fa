/**
 * The time rules (docs/relationship-model.md §8): rules that can fire without an event — SLA
 * breach just past the deadline, inactivity, volume decline, commitment by tenure or by a
 * purchase crossing into an older period, tenure-based identification. Each can only change
 * the outcome at a finite set of instants ("wakes") computed from the fold state; `advance`
 * visits them in order and applies the rules at each, stamping changes with the wake instant.
 * An event at t is applied after advancing to t (wakes ≤ t first). So the view is a function
 * of the applied facts and the clock, never of when anyone looked at it.
 */
import type { RelationshipPolicy } from '../policy';
import type { CustomerView } from '../customer/customer-view.types';
import { DAY_MS, iso } from '../fold/event-fact';
import { commitmentHolds, commitmentPrerequisitesHold, declineHolds, dissolve, lifecycleTo } from '../lifecycle/lifecycle.rules';
import { countAtOrBefore, firstAtOrAfter, nextPeriodEdge } from '../lifecycle/purchase-windows';
import { slaBreachMs } from '../trust/complaint-sla';
import { identificationHolds, trustTo, violate } from '../trust/trust.rules';

/** Visits every wake instant in (clock, target] in order, then sets the clock to target. */
export function advance(v: CustomerView, target: number, policy: RelationshipPolicy): void {
  const s = v.state;
  for (;;) {
    const wake = nextWake(v, policy);
    if (wake > target) break;
    s.clockMs = wake;
    applyWake(v, wake, policy);
  }
  if (target > s.clockMs) s.clockMs = target;
}

/** The earliest instant after the clock at which a time rule could change the outcome. */
export function nextWake(v: CustomerView, policy: RelationshipPolicy): number {
  const s = v.state;
  const clock = s.clockMs;
  // The earliest candidate after the clock (no closure: this runs for every event).
  let next = Infinity;
  let x: number;
  const open = v.complaints.open;
  for (let i = 0; i < open.length; i++) {
    if (open[i].breached) continue;
    x = slaBreachMs(open[i].slaDeadlineMs);
    if (x > clock && x < next) next = x;
  }
  if (v.trust.stage === 'knowledge') {
    const id = policy.trust.identification;
    x = s.trustSinceMs + id.minDaysInKnowledge * DAY_MS;
    if (x > clock && x < next) next = x;
    x = s.firstSeenMs + id.minTenureDays * DAY_MS;
    if (x > clock && x < next) next = x;
  }
  const stage = v.lifecycle.stage;
  if (stage === 'expansion') {
    x = s.firstSeenMs + policy.lifecycle.commitment.minTenureDays * DAY_MS;
    if (x > clock && x < next) next = x;
    // The periods are anchored at the instant evaluated, so the number of distinct periods can
    // grow as time passes: wake where a purchase crosses into an older period, but only while
    // the rest of the rule holds (tenure, trust and satisfaction change only at events or wakes).
    if (commitmentPrerequisitesHold(v, clock, policy)) {
      x = nextPeriodEdge(v, clock, policy);
      if (x < next) next = x;
    }
  }
  if (stage !== 'dissolution' && s.lastPurchaseMs !== null && s.episodeStartMs !== null) {
    const d = policy.lifecycle.dissolution;
    x = s.lastPurchaseMs + d.inactivityDays * DAY_MS;
    if (x > clock && x < next) next = x;
    // Volume decline can only start to hold when a purchase crosses a window edge or the episode gets old enough.
    const w = d.volumeWindowDays * DAY_MS;
    x = s.episodeStartMs + 2 * w;
    if (x > clock && x < next) next = x;
    const ts = s.purchaseTimes;
    const from = firstAtOrAfter(ts, s.episodeStartMs);
    const i1 = Math.max(from, countAtOrBefore(ts, clock - w));
    if (i1 < ts.length) {
      x = ts[i1] + w;
      if (x > clock && x < next) next = x;
    }
    const i2 = Math.max(from, countAtOrBefore(ts, clock - 2 * w));
    if (i2 < ts.length) {
      x = ts[i2] + 2 * w;
      if (x > clock && x < next) next = x;
    }
  }
  return next;
}

/** The time rules at one wake instant, each change stamped with it. */
function applyWake(v: CustomerView, at: number, policy: RelationshipPolicy): void {
  const s = v.state;
  let stamp: string | null = null;
  const when = (): string => (stamp ??= iso(at));
  let violated = false;
  for (const c of v.complaints.open) {
    // The deadline instant is still in time: breached only once it has passed.
    if (c.breached || at < slaBreachMs(c.slaDeadlineMs)) continue;
    c.breached = true;
    if (policy.trust.violation.slaBreachSeverities.includes(c.severity)) {
      violate(v, 'sla-breach', c.complaintId, null, at, when());
      violated = true;
    }
  }
  const stage = v.lifecycle.stage;
  if (stage !== 'dissolution' && s.lastPurchaseMs !== null) {
    if (at - s.lastPurchaseMs >= policy.lifecycle.dissolution.inactivityDays * DAY_MS) {
      dissolve(v, null, 'inactivity', when());
    } else if (declineHolds(v, at, policy)) {
      dissolve(v, null, 'volume-decline', when());
    }
  }
  // Only the tenure/time-based rises happen without an event.
  if (!violated && v.trust.stage === 'knowledge' && identificationHolds(v, at, policy)) {
    trustTo(v, 'identification', 'identification', null, at, when());
  }
  if (v.lifecycle.stage === 'expansion' && commitmentHolds(v, at, policy)) {
    lifecycleTo(v, 'commitment', null, 'commitment', when());
  }
}
