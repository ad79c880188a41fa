/**
 * Trust (信任, docs/relationship-model.md §3): calculus → knowledge → identification, one step
 * up per event (or per time instant), one step down per violation; the competence, benevolence
 * and integrity scores from their evidence.
 */
import type { RelationshipPolicy, TrustStage } from '../policy';
import type { CustomerView, TrustViolationKind } from '../customer/customer-view.types';
import { DAY_MS } from '../fold/event-fact';
import { satisfactionAtLeast } from '../satisfaction/satisfaction.rules';

export const TRUST_RANK: Record<TrustStage, number> = { calculus: 0, knowledge: 1, identification: 2 };

const TRUST_DROP: Record<TrustStage, TrustStage> = { identification: 'knowledge', knowledge: 'calculus', calculus: 'calculus' };

/** Knowledge-based trust: enough interactions over a long enough span, and competence. */
export function knowledgeHolds(v: CustomerView, policy: RelationshipPolicy): boolean {
  const k = policy.trust.knowledge;
  const s = v.state;
  return (
    s.trustInteractions >= k.minInteractions &&
    s.trustFirstInteractionMs !== null &&
    s.trustLastInteractionMs !== null &&
    s.trustLastInteractionMs - s.trustFirstInteractionMs >= k.minSpanDays * DAY_MS &&
    v.trust.competence >= k.minCompetence
  );
}

/** Identification-based trust: long enough in knowledge, satisfied, no open complaint, a referral or tenure. */
export function identificationHolds(v: CustomerView, at: number, policy: RelationshipPolicy): boolean {
  const id = policy.trust.identification;
  const s = v.state;
  if (at - s.trustSinceMs < id.minDaysInKnowledge * DAY_MS) return false;
  if (!satisfactionAtLeast(v, id.minSatisfaction)) return false;
  if (id.requireNoOpenComplaint && v.complaints.open.length > 0) return false;
  return v.loyalty.conative.referrals >= id.minReferrals || at - s.firstSeenMs >= id.minTenureDays * DAY_MS;
}

/** At most one trust step up. */
export function trustRise(v: CustomerView, at: number, eventId: string, occurredAt: string, policy: RelationshipPolicy): void {
  if (v.trust.stage === 'calculus') {
    if (knowledgeHolds(v, policy)) trustTo(v, 'knowledge', 'knowledge', eventId, at, occurredAt);
  } else if (v.trust.stage === 'knowledge') {
    if (identificationHolds(v, at, policy)) trustTo(v, 'identification', 'identification', eventId, at, occurredAt);
  }
}

export function trustTo(
  v: CustomerView,
  to: TrustStage,
  rule: 'knowledge' | 'identification' | TrustViolationKind,
  eventId: string | null,
  at: number,
  occurredAt: string,
): void {
  v.trust.transitions.push({ from: v.trust.stage, to, eventId, rule, occurredAt });
  v.trust.stage = to;
  v.trust.since = occurredAt;
  v.state.trustSinceMs = at;
}

/** A violation drops trust one stage and restarts the experience that knowledge-based trust counts. */
export function violate(
  v: CustomerView,
  kind: TrustViolationKind,
  complaintId: string,
  eventId: string | null,
  at: number,
  occurredAt: string,
): void {
  const from = v.trust.stage;
  const to = TRUST_DROP[from];
  v.trust.violations.push({ kind, complaintId, eventId, occurredAt, from, to });
  if (to !== from) trustTo(v, to, kind, eventId, at, occurredAt);
  const s = v.state;
  s.trustInteractions = 0;
  s.trustFirstInteractionMs = null;
  s.trustLastInteractionMs = null;
}

/** A contact or purchase: experience that knowledge-based trust counts. */
export function noteInteraction(v: CustomerView, t: number): void {
  const s = v.state;
  s.trustInteractions++;
  if (s.trustFirstInteractionMs === null) s.trustFirstInteractionMs = t;
  s.trustLastInteractionMs = t;
}

/** A trust score 0–100 from its evidence and the policy's priors. */
export function trustScore(positive: number, negative: number, policy: RelationshipPolicy): number {
  const { priorPositive, priorNegative } = policy.trust.score;
  return Math.round((100 * (positive + priorPositive)) / (positive + negative + priorPositive + priorNegative));
}
