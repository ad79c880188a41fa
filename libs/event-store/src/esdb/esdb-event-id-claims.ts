/**
 * Event-id claims: EventStoreDB has no global index of event ids, so the adapter keeps one stream
 * per event id, `<claimStreamPrefix><eventId>`, written with compare-and-set before the event is
 * appended. It makes "one id, one stream" hold across processes:
 *
 * - `EventIdClaimed { streamId }`: the id belongs to that stream (or is about to).
 * - `EventIdReleased {}`: the append that claimed it failed definitely; the id is free again.
 *
 * A claim is proof of intent, not of storage: a claimer may crash between the claim and the
 * append. So a claim whose event is not in its stream is treated as in flight (a retriable error)
 * until it is older than the lease, then as abandoned and taken over. The lease must exceed the
 * append deadline, so an abandoned claimer can no longer complete its append.
 */
import { EventStoreError } from '../event-store.port';

export const EVENT_ID_CLAIMED = 'EventIdClaimed';
export const EVENT_ID_RELEASED = 'EventIdReleased';

export const DEFAULT_CLAIM_STREAM_PREFIX = '$crm-eventid-';

/** The last event of an id's claim stream, as read. `revision` is the claim stream's revision. */
export type ClaimState =
  | { kind: 'none' }
  | { kind: 'released'; revision: bigint }
  | { kind: 'claimed'; revision: bigint; streamId: string; claimedAt: Date };

/** Where an event is stored, as far as an append needs to know. */
export interface StoredPlace {
  streamId: string;
  revision: number;
  position: number;
}

/** What an append does with one of its event ids. */
export type ClaimDecision =
  /** Not stored anywhere: claim it, compare-and-set against `expected` ('no_stream' or the claim stream's revision). */
  | { kind: 'free'; expected: 'no_stream' | bigint }
  /** Already stored in the stream being appended to: a duplicate. */
  | { kind: 'duplicate'; place: StoredPlace }
  /** Stored in another stream: EventIdConflictError. */
  | { kind: 'conflict'; existingStreamId: string }
  /** Claimed recently, not (yet) stored: another append of this id may be running. */
  | { kind: 'in_flight'; claimedFor: string };

export interface DecideClaimInput {
  streamId: string;
  claim: ClaimState;
  /** Where the claimed stream holds the event, if it does. */
  stored: StoredPlace | undefined;
  now: Date;
  leaseMs: number;
}

export function decideClaim({ streamId, claim, stored, now, leaseMs }: DecideClaimInput): ClaimDecision {
  switch (claim.kind) {
    case 'none':
      return { kind: 'free', expected: 'no_stream' };
    case 'released':
      return { kind: 'free', expected: claim.revision };
    case 'claimed': {
      if (stored !== undefined) {
        return stored.streamId === streamId
          ? { kind: 'duplicate', place: stored }
          : { kind: 'conflict', existingStreamId: stored.streamId };
      }
      const age = now.getTime() - claim.claimedAt.getTime();
      if (age < leaseMs) return { kind: 'in_flight', claimedFor: claim.streamId };
      return { kind: 'free', expected: claim.revision };
    }
    default: {
      const unhandled: never = claim;
      throw new Error(`unhandled claim ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Reads a claim stream's last event back into a ClaimState. */
export function parseClaimEvent(event: { type: string; data: unknown; revision: bigint; created: Date }): ClaimState {
  switch (event.type) {
    case EVENT_ID_RELEASED:
      return { kind: 'released', revision: event.revision };
    case EVENT_ID_CLAIMED: {
      const streamId = (event.data as { streamId?: unknown } | null)?.streamId;
      if (typeof streamId !== 'string' || streamId.length === 0) {
        throw new Error(`malformed ${EVENT_ID_CLAIMED} event at revision ${event.revision}`);
      }
      return { kind: 'claimed', revision: event.revision, streamId, claimedAt: event.created };
    }
    default:
      throw new Error(`unexpected event type ${event.type} in an event-id claim stream`);
  }
}

/**
 * Another append of the same event id is in progress (or crashed less than the claim lease ago).
 * Retrying later answers it: as a duplicate once that append is stored, or by taking the claim
 * over once the lease has passed.
 */
export class EventIdInFlightError extends EventStoreError {
  readonly retriable = true;
  constructor(
    readonly eventId: string,
    readonly claimedFor: string,
  ) {
    super(`Event id ${eventId} is being appended to stream ${claimedFor} by another call; retry later`);
    this.name = 'EventIdInFlightError';
  }
}
