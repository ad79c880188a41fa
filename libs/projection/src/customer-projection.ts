import type { StoredInteractionEvent } from '@crm/contracts';

/**
 * The events of one customer that its stored view reflects, read from the event store (the
 * customer's stream): what a projection folds from scratch when its compact state cannot answer
 * (a late event, an asOf before its clock, a new policy). Read only then.
 */
export type HistoryLoader = () => Promise<readonly StoredInteractionEvent[]>;

/**
 * A view function over one customer's events. The projector knows nothing of the
 * relationship science: it folds events through whichever projection is bound here.
 */
export abstract class CustomerProjection<V = unknown> {
  /** Names the checkpoint. */
  abstract readonly name: string;
  /** Recorded with each view; a different version means the view is stale until replayed. */
  abstract readonly version: string;
  abstract initial(customerId: string): V;
  /**
   * Returns the view with the event folded in. It may change `view` in place: the projector
   * owns that object and never reuses it when evolve throws. `history` gives the events the
   * view reflects (not `event`); it is read, and the result is a promise, only when needed.
   * The history still holds the events the runner skipped because their fold threw (it isolates
   * them, see ProjectionRunnerOptions.onFailed): a re-fold from it skips an event whose step
   * throws and goes on from the state before it, so it gives the view the live fold kept, and
   * throws only for `event` itself (the runner reports it).
   */
  abstract evolve(view: V, event: StoredInteractionEvent, history?: HistoryLoader): V | Promise<V>;
  /** The view as of a time (rules that depend on time passing); pure. An earlier time than the view's clock reads `history` (skipping, as evolve does, an event whose step throws). */
  abstract evaluate(view: V, asOf: string, history?: HistoryLoader): V | Promise<V>;
  /**
   * The view as of a time folded from the customer's whole history, keeping every entry of the
   * published lists the stored view bounds (the timeline). Reads `history`.
   */
  abstract evaluateWithFullHistory(customerId: string, asOf: string, history: HistoryLoader): Promise<V>;
  /** The view as of a time folded from `events` alone (any order; e.g. the events recorded by some instant): the stored view's shape. */
  abstract foldAsOf(customerId: string, events: readonly StoredInteractionEvent[], asOf: string): V;
  /** The view as downstream consumers get it (HTTP, the views topic): without the fold's bookkeeping. */
  abstract present(view: V): unknown;
  /** Values the list query filters on (lifecycle stage, trust stage, …). */
  abstract indexes(view: V): Record<string, string>;
}
