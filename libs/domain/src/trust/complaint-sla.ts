/**
 * The complaint SLA of docs/relationship-model.md §3, in one place for the customer view (integrity
 * evidence, trust violations) and the call-centre measures ("complaints resolved within SLA"),
 * so the two cannot judge a resolution differently.
 *
 * The deadline is the filing's occurredAt + complaints.slaDays[severity]. The deadline instant
 * itself is still in time: a resolution at the deadline is within SLA, and the SLA is breached
 * only from the first instant after it (deadline + 1 ms) with the complaint still open.
 */
import type { ComplaintSeverity } from '@crm/contracts';
import type { RelationshipPolicy } from '../policy';
import { DAY_MS } from '../fold/event-fact';

/** The last instant (epoch ms) at which a resolution is within the policy SLA. */
export function slaDeadlineMs(filedMs: number, severity: ComplaintSeverity, policy: RelationshipPolicy): number {
  return filedMs + policy.complaints.slaDays[severity] * DAY_MS;
}

/** The first instant past the deadline: when a complaint still open there breaches its SLA. */
export const slaBreachMs = (deadlineMs: number): number => deadlineMs + 1;

/**
 * Whether a resolution counts as within SLA: the publisher's `withinSla` when given; otherwise
 * the deadline of the complaint it resolves (resolved at or before it); null (unknown) when
 * neither is known (no open filing of that complaint precedes the resolution).
 */
export function resolvedWithinSla(publisherVerdict: boolean | null | undefined, resolvedMs: number, deadlineMs: number | null): boolean | null {
  if (publisherVerdict === true || publisherVerdict === false) return publisherVerdict;
  return deadlineMs === null ? null : resolvedMs <= deadlineMs;
}
