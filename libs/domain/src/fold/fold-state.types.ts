/**
 * The fold state: the running tallies the rules (lifecycle, trust, loyalty, satisfaction, the
 * time rules) need beyond the published view, so the fast path never rescans the history.
 * Not shown downstream (RelationshipProjection.present leaves it out).
 *
 * Its size does not grow with the number of events: counts instead of lists, and the lists
 * that remain are windows that keep only what a rule can still look at — the purchase, refund
 * and activity times inside the fold horizon (the longest window any rule looks back over,
 * horizon.ts), the last ratings of the trend, the complaints still open or still inside the
 * refund-violation window, the follow-ups still pending. What a window dropped is still in the customer's stream: a fact
 * that needs it (a late event, an asOf before the clock, a refund of an order bought before
 * the horizon, a follow-up of a contact before it) re-folds the customer from the event store.
 */
import type { RatingContext } from '@crm/contracts';

export interface CustomerViewState {
  /** Instant (epoch ms) up to which time rules have been applied: max(last event, last evaluate). */
  clockMs: number;
  firstSeenMs: number;
  /** The key of the last applied fact in application order (occurredAt, position, eventId). */
  lastEventMs: number;
  lastPosition: number;
  lastEventId: string | null;
  /** Start of the current relationship episode: first purchase, or the last win-back. */
  episodeStartMs: number | null;
  episodePurchases: number;
  /** Largest gap between consecutive purchases of the current episode. */
  episodeMaxGapMs: number;
  firstPurchaseMs: number | null;
  /** occurredAt (epoch ms) of the purchases inside the horizon, ascending: what the windows search. */
  purchaseTimes: number[];
  /** Amount of each of those purchases in the view currency (0 for another currency), parallel to purchaseTimes. */
  purchaseValues: number[];
  /** The orderId of each of those purchases, parallel to purchaseTimes. */
  purchaseOrders: string[];
  /** Purchases that fell out of the horizon (their order ids are only in the stream). */
  purchasesBeforeHorizon: number;
  lastPurchaseMs: number | null;
  /** Distinct UTC days with a purchase, and the first purchase of the first and of the last such day (BG/NBD x, t_x). */
  purchaseDays: number;
  lastPurchaseDayStartMs: number | null;
  /** Value of the purchases of the first purchase day (the rest is repeat value: Gamma-Gamma zbar). */
  firstDayValue: number;
  /** Refunds inside the horizon, ascending, with their view-currency amount (0 otherwise) and order. */
  refundTimes: number[];
  refundValues: number[];
  refundOrders: string[];
  /** Refunds that fell out of the horizon. */
  refundsBeforeHorizon: number;
  /** Times of the interactions (any event but an ending) inside the horizon; kept only for the retention rule's `interaction` activity. */
  interactionTimes: number[];
  trustSinceMs: number;
  /** Interactions counted for knowledge-based trust since the trust epoch (first seen or last violation). */
  trustInteractions: number;
  trustFirstInteractionMs: number | null;
  trustLastInteractionMs: number | null;
  ratingSum: number;
  /** Sum of the normalised ratings per rating context (counts are in satisfaction.byContext). */
  contextRatingSums: Record<RatingContext, number>;
  /** Last 2 × trendWindow normalised ratings, oldest first. */
  recentRatings: number[];
  positiveSignals: number;
  negativeSignals: number;
  neutralSignals: number;
  /** Purchases per product category; keys are publisher input (read and write them with own-keys.ts). */
  categories: Record<string, number>;
  repeatChoices: number;
  purchasesAfterComplaint: number;
  /** Contacts with outcome follow_up not yet followed up, inside the horizon (their contactId, else eventId), and when. */
  pendingFollowUps: string[];
  pendingFollowUpTimes: number[];
  /** Pending follow-ups that fell out of the horizon. */
  followUpsBeforeHorizon: number;
  /** Resolved complaints still inside the refund-violation window. */
  recentlyResolved: { complaintId: string; resolvedMs: number; violated: boolean }[];
}
