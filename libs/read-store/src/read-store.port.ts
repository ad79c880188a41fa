/**
 * The read-store port: where projected views live and where the projector keeps its
 * checkpoint. `commit` writes views and the checkpoint atomically (a SQLite transaction,
 * a Redis MULTI), so a crash can never store one without the other.
 */

export interface ViewRecord<V = unknown> {
  customerId: string;
  /** Global position of the last event folded into this view (the projector's idempotency guard). */
  position: number;
  /** Secondary-index values the list query filters on, e.g. { lifecycleStage: 'expansion' }. */
  indexes: Record<string, string>;
  view: V;
}

export interface Checkpoint {
  name: string;
  /** Position of the last event whose effects are stored; -1 before the first. */
  position: number;
}

export interface ViewCommit<V = unknown> {
  views: ViewRecord<V>[];
  checkpoint?: Checkpoint;
}

export interface ListViewsQuery {
  /** Every key must match (AND). */
  filter?: Record<string, string>;
  /** Return customers whose id sorts after this (the previous page's nextCursor). */
  after?: string;
  /** @defaultValue 50 */
  limit?: number;
}

export interface ViewPage<V = unknown> {
  items: ViewRecord<V>[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export abstract class ReadStore {
  abstract getView<V>(customerId: string): Promise<ViewRecord<V> | null>;

  /** Views of the given ids that exist, keyed by id. */
  abstract getViews<V>(customerIds: readonly string[]): Promise<Map<string, ViewRecord<V>>>;

  /** Writes every view and the checkpoint in one atomic step. */
  abstract commit<V>(commit: ViewCommit<V>): Promise<void>;

  /** -1 when the checkpoint was never written. */
  abstract getCheckpoint(name: string): Promise<number>;

  /** Paged by customer id, ascending. */
  abstract listViews<V>(query?: ListViewsQuery): Promise<ViewPage<V>>;

  /** Every view, in customer-id order, streamed (for population passes). */
  abstract scanViews<V>(options?: { batchSize?: number }): AsyncIterable<ViewRecord<V>>;

  abstract countViews(filter?: Record<string, string>): Promise<number>;

  /** Removes every view and checkpoint (before a rebuild). */
  abstract clear(): Promise<void>;

  abstract close(): Promise<void>;
}
