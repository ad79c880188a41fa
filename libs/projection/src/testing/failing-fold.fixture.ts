/**
 * Test-only (not exported by the lib): a fold that throws on some events, for the specs of the
 * paths that isolate such events (the runner's skip-and-restore, dead letters and their redrive).
 */
import { randomUUID } from 'node:crypto';
import type { InteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY, RelationshipPolicy } from '@crm/domain';

const { low: _low, ...slaWithoutLow } = DEFAULT_POLICY.complaints.slaDays;

/**
 * The default policy without an SLA for `low` complaints: the fold throws half-way through the
 * step of a low complaint (its deadline is not a date). DEFAULT_POLICY is then "the fix".
 */
export const POLICY_FAILING_ON_LOW_COMPLAINTS: RelationshipPolicy = {
  ...DEFAULT_POLICY,
  complaints: { ...DEFAULT_POLICY.complaints, slaDays: slaWithoutLow as RelationshipPolicy['complaints']['slaDays'] },
};

/** A low complaint of `like`'s customer, at `like`'s instant (a fresh event id). */
export const lowComplaintLike = (like: InteractionEvent): InteractionEvent => ({
  ...like,
  eventId: randomUUID(),
  type: 'ComplaintFiled',
  data: { complaintId: `K-${like.eventId}`, category: 'delivery', severity: 'low', channel: 'phone' },
});
