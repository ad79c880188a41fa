/**
 * What moved since the last read-out, as bits (one number: no object per event on the hot path).
 * `ALL` is a full recompute (replays, evaluate).
 */
export const ALL = 1;
/** A purchase-time read-out can have moved (a purchase ever, or everything). */
export const BOUGHT = 2;
export const PURCHASE = 4;
export const MONEY = 8;
export const RECOMMENDATION = 16;
export const COMPETITOR = 32;
export const FILED = 64;
export const TRUST_MOVED = 128;
export const OPEN_MOVED = 256;
