import type { StoredInteractionEvent } from '@crm/contracts';

/**
 * A view function over one customer's events. The projector knows nothing of the
 * relationship science: it folds events through whichever projection is bound here.
 */
export abstract class CustomerProjection<V = unknown> {
  /** Names the checkpoint; a new name after a breaking change forces a rebuild. */
  abstract readonly name: string;
  /** Recorded with each view; a different version means the view is stale until replayed. */
  abstract readonly version: string;
  abstract initial(customerId: string): V;
  /** Pure: returns the view with the event folded in. */
  abstract evolve(view: V, event: StoredInteractionEvent): V;
  /** Values the list query filters on (lifecycle stage, tier, …). */
  abstract indexes(view: V): Record<string, string>;
}
