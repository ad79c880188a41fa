import { EventStoreError } from '../event-store.port';
import {
  EVENT_ID_CLAIMED,
  EVENT_ID_RELEASED,
  EventIdInFlightError,
  decideClaim,
  parseClaimEvent,
  type ClaimState,
  type StoredPlace,
} from './esdb-event-id-claims';

const NOW = new Date('2026-03-14T10:00:00.000Z');
const LEASE = 30_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const claimed = (streamId: string, ageMs: number, revision = 0n): ClaimState => ({
  kind: 'claimed',
  revision,
  streamId,
  claimedAt: ago(ageMs),
});
const place = (streamId: string): StoredPlace => ({ streamId, revision: 4, position: 9000 });

const decide = (claim: ClaimState, stored?: StoredPlace) =>
  decideClaim({ streamId: 'customer-A', claim, stored, now: NOW, leaseMs: LEASE });

describe('decideClaim', () => {
  it('an id never claimed is free, claimed against an absent claim stream', () => {
    expect(decide({ kind: 'none' })).toEqual({ kind: 'free', expected: 'no_stream' });
  });

  it('a released id is free, claimed against the release revision', () => {
    expect(decide({ kind: 'released', revision: 1n })).toEqual({ kind: 'free', expected: 1n });
  });

  it('an id stored in this stream is a duplicate at its stored place, however old the claim', () => {
    expect(decide(claimed('customer-A', 10), place('customer-A'))).toEqual({
      kind: 'duplicate',
      place: place('customer-A'),
    });
    expect(decide(claimed('customer-A', 10 * LEASE), place('customer-A')).kind).toBe('duplicate');
  });

  it('an id stored in another stream is a conflict', () => {
    expect(decide(claimed('customer-B', 10), place('customer-B'))).toEqual({
      kind: 'conflict',
      existingStreamId: 'customer-B',
    });
    expect(decide(claimed('customer-B', 10 * LEASE), place('customer-B')).kind).toBe('conflict');
  });

  it('a recent claim whose event is not stored is in flight, whichever stream it is for', () => {
    expect(decide(claimed('customer-B', LEASE - 1))).toEqual({ kind: 'in_flight', claimedFor: 'customer-B' });
    expect(decide(claimed('customer-A', 0))).toEqual({ kind: 'in_flight', claimedFor: 'customer-A' });
  });

  it('a claim older than the lease whose event is not stored is abandoned: taken over at its revision', () => {
    expect(decide(claimed('customer-B', LEASE, 2n))).toEqual({ kind: 'free', expected: 2n });
    expect(decide(claimed('customer-A', LEASE + 1, 0n))).toEqual({ kind: 'free', expected: 0n });
  });
});

describe('parseClaimEvent', () => {
  const created = ago(5);

  it('reads claims and releases', () => {
    expect(parseClaimEvent({ type: EVENT_ID_CLAIMED, data: { streamId: 'customer-A' }, revision: 0n, created })).toEqual(
      { kind: 'claimed', revision: 0n, streamId: 'customer-A', claimedAt: created },
    );
    expect(parseClaimEvent({ type: EVENT_ID_RELEASED, data: {}, revision: 1n, created })).toEqual({
      kind: 'released',
      revision: 1n,
    });
  });

  it('refuses anything else instead of guessing', () => {
    expect(() => parseClaimEvent({ type: EVENT_ID_CLAIMED, data: {}, revision: 0n, created })).toThrow(/malformed/);
    expect(() => parseClaimEvent({ type: EVENT_ID_CLAIMED, data: null, revision: 0n, created })).toThrow(/malformed/);
    expect(() => parseClaimEvent({ type: 'Other', data: {}, revision: 0n, created })).toThrow(/unexpected event type/);
  });
});

describe('EventIdInFlightError', () => {
  it('is a retriable store error', () => {
    const error = new EventIdInFlightError('e-1', 'customer-B');
    expect(error).toBeInstanceOf(EventStoreError);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('customer-B');
  });
});
