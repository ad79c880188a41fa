/**
 * The fold's running tallies: what the rules (lifecycle, trust, loyalty, satisfaction, the time
 * rules) need beyond the published view, so that the fast path never rescans the history.
 * Not shown downstream (RelationshipProjection.present leaves it out).
 */
import type { RatingContext } from '@crm/contracts';

export interface CustomerViewState {
  /** Instant (epoch ms) up to which time rules have been applied: max(last event, last evaluate). */
  clockMs: number;
  firstSeenMs: number;
  /** Start of the current relationship episode: first purchase, or the last win-back. */
  episodeStartMs: number | null;
  episodePurchases: number;
  /** Largest gap between consecutive purchases of the current episode. */
  episodeMaxGapMs: number;
  firstPurchaseMs: number | null;
  /** occurredAt (epoch ms) of every purchase, ascending: the compact purchase history the windows search. */
  purchaseTimes: number[];
  /** Amount of each purchase in the view currency (0 for another currency), parallel to purchaseTimes. */
  purchaseValues: number[];
  lastPurchaseMs: number | null;
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
  refundedOrders: string[];
  pendingFollowUps: string[];
  /** Resolved complaints still inside the refund-violation window. */
  recentlyResolved: { complaintId: string; resolvedMs: number; violated: boolean }[];
}

