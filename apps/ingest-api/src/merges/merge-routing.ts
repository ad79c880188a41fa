import type { InteractionEvent } from '@crm/contracts';
import { MergeLookup, resolveSurvivor } from './merge-registry.state';

/** An event as it will be stored: in the current survivor's stream when it was published for a merged id. */
export interface RoutedEvent {
  index: number;
  /** The event to store: `customerId` is the current survivor when it was published for a merged id. */
  event: InteractionEvent;
  /** Set when `event.customerId` was rewritten: the id the publisher used. */
  publishedCustomerId?: string;
}

/** A CustomersMerged event of the command that is to be registered (or is a retry of a registered one). */
export interface PlannedMerge {
  index: number;
  mergeEventId: string;
  merged: string;
  survivor: string;
  attempt: number;
  /** Already registered by an earlier publish of the same event (the registry entry is then a duplicate). */
  retry: boolean;
}

export type MergeRefusalReason = 'already-merged' | 'survivor-merged' | 'cycle' | 'merge-event-reused';

export interface MergeRefusal {
  index: number;
  eventId: string;
  reason: MergeRefusalReason;
  /** The survivor the refused merge named (its customerId). */
  customerId: string;
  mergedCustomerId: string;
  /** already-merged: the survivor mergedCustomerId now belongs to; survivor-merged: the survivor customerId was merged into. */
  currentSurvivorCustomerId?: string;
  detail: string;
}

export interface RoutingPlan {
  routed: RoutedEvent[];
  merges: PlannedMerge[];
  refusals: MergeRefusal[];
}

/**
 * Routes the events of one command in order against the registry as it is plus the merges
 * earlier in the same command (so in a batch [merge M→S, event for M], the event goes to S; an
 * event for M before the merge stays M's).
 *
 * A CustomersMerged(survivor A, merged B) is refused (409, nothing of the command stored) when
 *  - B is already merged (into anyone, A included, under another eventId): `already-merged`,
 *    naming B's current survivor;
 *  - A is itself merged into B: `cycle`;
 *  - A was merged into some C ≠ B: `survivor-merged`, naming C. A merge naming a merged id as
 *    survivor is refused rather than redirected to C: the publisher's record of who survives is
 *    wrong, and silently merging into C would hide it; it publishes the merge into C instead;
 *  - its eventId registered another merge: `merge-event-reused`.
 * The same event again (same eventId, A and B) is a retry: routed to A as before, registered
 * under the same entry id, so the store answers duplicate for both.
 */
export function planRouting(events: readonly InteractionEvent[], registry: MergeLookup): RoutingPlan {
  const overlay = new Map<string, string>();
  const plannedByEvent = new Map<string, PlannedMerge>();
  const step = (id: string) => overlay.get(id) ?? registry.directSurvivorOf(id);
  const resolve = (id: string) => resolveSurvivor(id, step);
  const routed: RoutedEvent[] = [];
  const merges: PlannedMerge[] = [];
  const refusals: MergeRefusal[] = [];

  events.forEach((event, index) => {
    if (event.type !== 'CustomersMerged') {
      const survivor = resolve(event.customerId);
      routed.push(survivor === event.customerId ? { index, event } : { index, event: { ...event, customerId: survivor }, publishedCustomerId: event.customerId });
      return;
    }
    const survivor = event.customerId;
    const merged = event.data.mergedCustomerId;
    const refuse = (reason: MergeRefusalReason, detail: string, currentSurvivorCustomerId?: string) =>
      refusals.push({ index, eventId: event.eventId, reason, customerId: survivor, mergedCustomerId: merged, ...(currentSurvivorCustomerId === undefined ? {} : { currentSurvivorCustomerId }), detail });

    const earlier = registry.mergeOfEvent(event.eventId) ?? plannedByEvent.get(event.eventId);
    if (earlier !== undefined) {
      if (earlier.merged === merged && earlier.survivor === survivor) {
        // A retry (or a repeat inside the command): where the first one went, registered once.
        const retry: PlannedMerge = { index, mergeEventId: event.eventId, merged, survivor, attempt: earlier.attempt, retry: true };
        merges.push(retry);
        routed.push({ index, event });
        return;
      }
      refuse('merge-event-reused', `eventId ${event.eventId} already names the merge of ${earlier.merged} into ${earlier.survivor}`);
      return;
    }
    const mergedInto = resolve(merged);
    if (mergedInto !== merged) {
      refuse('already-merged', `${merged} is already merged into ${mergedInto}; it cannot be merged again`, mergedInto);
      return;
    }
    const survivorInto = resolve(survivor);
    if (survivorInto === merged) {
      refuse('cycle', `${survivor} is merged into ${merged}: merging ${merged} into ${survivor} would make a cycle`);
      return;
    }
    if (survivorInto !== survivor) {
      refuse('survivor-merged', `the survivor ${survivor} is itself merged into ${survivorInto}: merge ${merged} into ${survivorInto} instead`, survivorInto);
      return;
    }
    const planned: PlannedMerge = { index, mergeEventId: event.eventId, merged, survivor, attempt: registry.nextAttemptOf(event.eventId), retry: false };
    overlay.set(merged, survivor);
    plannedByEvent.set(event.eventId, planned);
    merges.push(planned);
    routed.push({ index, event });
  });
  return { routed, merges, refusals };
}
