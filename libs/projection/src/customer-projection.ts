import type { StoredInteractionEvent } from '@crm/contracts';

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
   * owns that object and never reuses it when evolve throws.
   */
  abstract evolve(view: V, event: StoredInteractionEvent): V;
  /** The view as of a time (rules that depend on time passing); pure. */
  abstract evaluate(view: V, asOf: string): V;
  /** The view as downstream consumers get it (HTTP, the views topic): without the fold's bookkeeping. */
  abstract present(view: V): unknown;
  /** Values the list query filters on (lifecycle stage, trust stage, …). */
  abstract indexes(view: V): Record<string, string>;
}
