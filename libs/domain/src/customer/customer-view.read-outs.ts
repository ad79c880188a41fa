/**
 * Derived read-outs of the view (assessment, loyalty, satisfaction summary) as of the view's
 * clock; they never feed back into the rules. `finalize` recomputes all of them; the live path
 * (`finalizeAfter`, one in-order fact) recomputes the clock-dependent ones and those the fact's
 * kind can move, and leaves the rest, which the previous finalize left current. Each read-out
 * lives in its own small object of a long-lived view, so not touching the unchanged ones is
 * what keeps the projector's fold fast (the property tests compare live against full replays).
 * The read-outs themselves live by their theory: ../lifecycle, ../loyalty, ../satisfaction.
 */
import type { RelationshipPolicy, TrustStage } from '../policy';
import { EventFactType, iso } from '../fold/event-fact';
import { refreshAssessment } from '../lifecycle/lifecycle-assessment';
import { refreshBehaviour, refreshTraitsAndFormation } from '../loyalty/loyalty.read-outs';
import { refreshRatings, refreshSignals } from '../satisfaction/satisfaction.read-outs';
import type { CustomerView } from './customer-view.types';
import { ALL, BOUGHT, COMPETITOR, FILED, MONEY, OPEN_MOVED, PURCHASE, RECOMMENDATION, TRUST_MOVED } from './read-out-changes';

/** Full recompute of every read-out (replays, evaluate). */
export function finalize(v: CustomerView, policy: RelationshipPolicy): void {
  refresh(v, policy, null, true);
}

/**
 * After `step` applied one in-order fact of kind `kind` to a view that was final before it:
 * `trustBefore` is the trust stage before the step (wakes and the fact can move it).
 */
export function finalizeAfter(v: CustomerView, policy: RelationshipPolicy, kind: EventFactType, trustBefore: TrustStage): void {
  // The first event fills the empty evidence of a fresh view: everything.
  if (v.eventCount <= 1) refresh(v, policy, null, true);
  else refresh(v, policy, kind, v.trust.stage !== trustBefore);
}

/** `kind` null: everything. */
function refresh(v: CustomerView, policy: RelationshipPolicy, kind: EventFactType | null, trustMoved: boolean): void {
  const s = v.state;
  const at = s.clockMs;
  if (v.eventCount === 0) return;
  // On the live path the clock is the last event's instant: its own string, no formatting.
  v.asOf = s.lastEventMs === at && v.lastEventAt !== null ? v.lastEventAt : iso(at);

  const all = kind === null;
  const purchase = all || kind === 'PurchaseMade';
  const money = purchase || kind === 'PurchaseRefunded';
  const rating = all || kind === 'SatisfactionRated';
  const signals = rating || kind === 'ContactLogged';
  const recommendation = rating || kind === 'ReferralMade';
  const competitor = all || kind === 'CompetitorOfferDeclined';
  const filed = all || kind === 'ComplaintFiled';
  const openMoved = filed || kind === 'ComplaintResolved';
  // Without any purchase the purchase-time read-outs keep their initial values.
  const bought = all || v.loyalty.behavioural.purchaseCount > 0;
  const changes =
    (all ? ALL : 0) |
    (bought ? BOUGHT : 0) |
    (purchase ? PURCHASE : 0) |
    (money ? MONEY : 0) |
    (recommendation ? RECOMMENDATION : 0) |
    (competitor ? COMPETITOR : 0) |
    (filed ? FILED : 0) |
    (trustMoved ? TRUST_MOVED : 0) |
    (openMoved ? OPEN_MOVED : 0);

  refreshBehaviour(v, at, changes);
  if (rating) refreshRatings(v, policy);
  if (signals) refreshSignals(v, policy);
  refreshTraitsAndFormation(v, at, policy, changes);
  refreshAssessment(v, at, policy, changes);
}
