import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  NO_STREAM,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  EventIdConflictError,
  EventStore,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type AppendedEvent,
  type AppendOptions,
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { appendStreamsConcurrently } from '../append-streams-concurrently';
import {
  DEFAULT_CLAIM_STREAM_PREFIX,
  EVENT_ID_CLAIMED,
  EVENT_ID_RELEASED,
  EventIdInFlightError,
  decideClaim,
  parseClaimEvent,
  type ClaimDecision,
  type ClaimState,
  type StoredPlace,
} from './esdb-event-id-claims';
import { EsdbSubscription } from './esdb-subscription';
import { assertExpectedRevision, assertStreamAppends, assertMaxCount, assertNewEvent, assertNonNegativeInteger, assertPosition, assertPositiveInteger, assertStreamId } from '../event-store.assertions';
import {
  bigintToSafeNumber,
  checkExpectedRevision,
  isDefiniteAppendFailure,
  isUserEvent,
  toClientConnectionString,
  toClientExpectedRevision,
  toClientReadPosition,
  toEventData,
  toPortPosition,
  toRecordedEvent,
  toStoreError,
} from './esdb.mapping';

export interface EsdbEventStoreOptions {
  /**
   * `esdb://host:2113?tls=false` (or `kurrentdb://…`, `esdb+discover://…` for a cluster). Reading
   * $all and writing the `$`-prefixed claim streams need an admin user on a secure server:
   * `esdb://admin:changeit@host:2113`.
   */
  connectionString: string;
  /** Prefix of the one-per-event-id claim streams. @defaultValue '$crm-eventid-' */
  claimStreamPrefix?: string;
  /**
   * How long a claim whose event is not stored counts as in flight (EventIdInFlightError, retriable)
   * before it is taken over as abandoned. Must exceed twice `appendDeadlineMs`. @defaultValue 30000
   */
  claimLeaseMs?: number;
  /** Deadline of each append (and claim) call. @defaultValue 10000 */
  appendDeadlineMs?: number;
  /** Parallel claim reads / writes per append. @defaultValue 32 */
  claimConcurrency?: number;
  /** Event ids whose stored place is remembered, so retries need no lookup. @defaultValue 10000 */
  placeCacheSize?: number;
  /**
   * Streams appended at once by `appendToStreams` (each append also runs up to
   * `claimConcurrency` claim calls). @defaultValue 8
   */
  streamConcurrency?: number;
}

type Settings = Required<Omit<EsdbEventStoreOptions, 'connectionString'>>;

const DEFAULTS: Settings = {
  claimStreamPrefix: DEFAULT_CLAIM_STREAM_PREFIX,
  claimLeaseMs: 30_000,
  appendDeadlineMs: 10_000,
  claimConcurrency: 32,
  placeCacheSize: 10_000,
  streamConcurrency: 8,
};

export { EventIdInFlightError };

/** A claim compare-and-set lost to a concurrent append of the same id: the append starts over. */
class ClaimContention extends Error {
  constructor(readonly eventId: string) {
    super(`claim contention on ${eventId}`);
  }
}

/** Attempts of one append when its claims race with concurrent appends of the same ids. */
const MAX_CLAIM_ATTEMPTS = 3;

/**
 * The EventStoreDB (KurrentDB) adapter over @eventstore/db-client v6 (gRPC).
 *
 * EventStoreDB gives the stream, revision, optimistic concurrency and $all semantics directly.
 * What it lacks for the port (per-event places and duplicate flags on append, idempotency across
 * any retry, one stream per event id) comes from per-event-id claim streams, see
 * esdb-event-id-claims.ts. Reads of $all filter client-side (the v6 client's readAll has no
 * filter), so readAll/count with a prefix cost a scan of the log after `after`.
 */
export class EsdbEventStore extends EventStore {
  private closed = false;
  private readonly subscriptions = new Set<EsdbSubscription>();
  /** eventId -> where it is stored; events never move, so entries never go stale. LRU by insertion. */
  private readonly places = new Map<string, StoredPlace>();

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly settings: Settings,
  ) {
    super();
  }

  /** Connects and checks the server answers (reading the head of $all), so a bad URL fails at start-up. */
  static async connect(options: EsdbEventStoreOptions): Promise<EsdbEventStore> {
    const settings: Settings = {
      claimStreamPrefix: options.claimStreamPrefix ?? DEFAULTS.claimStreamPrefix,
      claimLeaseMs: options.claimLeaseMs ?? DEFAULTS.claimLeaseMs,
      appendDeadlineMs: options.appendDeadlineMs ?? DEFAULTS.appendDeadlineMs,
      claimConcurrency: options.claimConcurrency ?? DEFAULTS.claimConcurrency,
      placeCacheSize: options.placeCacheSize ?? DEFAULTS.placeCacheSize,
      streamConcurrency: options.streamConcurrency ?? DEFAULTS.streamConcurrency,
    };
    if (typeof options.connectionString !== 'string' || options.connectionString.length === 0) {
      throw new TypeError('EsdbEventStore.connect needs a connectionString');
    }
    if (settings.claimStreamPrefix.length === 0) throw new RangeError('claimStreamPrefix must not be empty');
    for (const name of ['claimLeaseMs', 'appendDeadlineMs', 'claimConcurrency', 'placeCacheSize', 'streamConcurrency'] as const) {
      assertPositiveInteger(name, settings[name]);
    }
    if (settings.claimLeaseMs <= 2 * settings.appendDeadlineMs) {
      throw new RangeError('claimLeaseMs must exceed twice appendDeadlineMs, or an abandoned claim could still be appended');
    }

    const client = EventStoreDBClient.connectionString(toClientConnectionString(options.connectionString));
    const store = new EsdbEventStore(client, settings);
    try {
      await store.headPosition();
    } catch (error) {
      await client.dispose();
      throw error;
    }
    return store;
  }

  override async appendToStream(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    assertStreamId(streamId);
    if (!Array.isArray(events)) throw new TypeError('events must be an array');
    for (const event of events) assertNewEvent(event);
    const expected = options.expectedRevision ?? 'any';
    assertExpectedRevision(expected);

    if (events.length === 0) {
      const head = await this.streamHead(streamId);
      checkExpectedRevision(streamId, expected, head);
      return { streamId, nextExpectedRevision: head ?? -1, events: [] };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.appendOnce(streamId, events, expected);
      } catch (error) {
        if (!(error instanceof ClaimContention)) throw error;
        if (attempt >= MAX_CLAIM_ATTEMPTS) throw new EventIdInFlightError(error.eventId, streamId);
      }
    }
  }

  /**
   * EventStoreDB commits each stream append on its own (and groups commits itself), so the
   * streams are appended concurrently, `streamConcurrency` at a time, each as `appendToStream`.
   */
  override async appendToStreams(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    this.assertOpen();
    assertStreamAppends(appends);
    return appendStreamsConcurrently(appends, this.settings.streamConcurrency, ({ streamId, events, expectedRevision }) =>
      this.appendToStream(streamId, events, { expectedRevision }),
    );
  }

  override readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    assertStreamId(streamId);
    const fromRevision = options.fromRevision ?? 0;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertNonNegativeInteger('fromRevision', fromRevision);
    assertMaxCount(maxCount);
    return this.streamEvents(streamId, fromRevision, maxCount);
  }

  override readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const after = options.after ?? -1;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertPosition('after', after);
    assertMaxCount(maxCount);
    return this.allEvents(after, maxCount, options.streamPrefix);
  }

  override subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const after = options.after ?? -1;
    assertPosition('after', after);
    const prefix = options.streamPrefix;
    // The server filter saves bandwidth; convertAll() re-checks exactly (literal prefix, no '$' streams).
    const filter =
      prefix === undefined ? streamNameFilter({ regex: '^[^$]' }) : streamNameFilter({ prefixes: [prefix] });
    const source = this.client.subscribeToAll({ fromPosition: toClientReadPosition(after), filter });
    const subscription = new EsdbSubscription(source, {
      convert: (resolved) => this.convertAll(resolved, after, prefix),
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Position of the last event this adapter would deliver (system and claim events skipped), -1 if none. */
  override async headPosition(): Promise<number> {
    this.assertOpen();
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    try {
      for await (const resolved of read) {
        const event = resolved.event;
        if (event !== undefined && isUserEvent(event.streamId, event.type, this.settings.claimStreamPrefix)) {
          return toPortPosition(event.position);
        }
      }
      return -1;
    } catch (error) {
      throw toStoreError(error);
    } finally {
      await cancelQuietly(read);
    }
  }

  /** O(events after `after`): EventStoreDB has no count, so this reads and counts (for progress bars, not hot paths). */
  override async count(options: { after?: number; streamPrefix?: string } = {}): Promise<number> {
    this.assertOpen();
    const after = options.after ?? -1;
    assertPosition('after', after);
    let n = 0;
    for await (const _event of this.allEvents(after, Number.POSITIVE_INFINITY, options.streamPrefix)) n++;
    return n;
  }

  /** Ends every open subscription, then closes the connection. Idempotent. */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  // ---- append --------------------------------------------------------------------------------

  private async appendOnce(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const firstIndexOf = new Map<string, number>();
    const unique: NewEvent[] = [];
    events.forEach((event, index) => {
      if (firstIndexOf.has(event.eventId)) return;
      firstIndexOf.set(event.eventId, index);
      unique.push(event);
    });

    const decisions = await this.decide(streamId, unique.map((event) => event.eventId));
    const decisionOf = (eventId: string): ClaimDecision => decisions.get(eventId) as ClaimDecision;
    // Conflicts first (definite, not retriable), in call order; nothing has been written yet.
    for (const { eventId } of unique) {
      const decision = decisionOf(eventId);
      if (decision.kind === 'conflict') throw new EventIdConflictError(eventId, decision.existingStreamId);
    }
    for (const { eventId } of unique) {
      const decision = decisionOf(eventId);
      if (decision.kind === 'in_flight') throw new EventIdInFlightError(eventId, decision.claimedFor);
    }

    const placeOf = new Map<string, { revision: number; position: number }>();
    let storedMax = -1;
    for (const { eventId } of unique) {
      const decision = decisionOf(eventId);
      if (decision.kind === 'duplicate') {
        placeOf.set(eventId, decision.place);
        storedMax = Math.max(storedMax, decision.place.revision);
      }
    }
    const fresh = unique.filter((event) => decisionOf(event.eventId).kind === 'free');

    let nextExpectedRevision: number;
    if (fresh.length === 0) {
      // A pure retry: the original append passed the expected-revision check; answer as it did.
      nextExpectedRevision = storedMax;
    } else {
      const claims = await this.claimAll(streamId, fresh, decisions);
      let last: number;
      try {
        const result = await this.client.appendToStream(streamId, fresh.map(toEventData), {
          expectedRevision: toClientExpectedRevision(expected),
          deadline: this.settings.appendDeadlineMs,
        });
        if (!result.success) {
          const current = result.nextExpectedRevision;
          throw new WrongExpectedRevisionError(streamId, expected, current < 0n ? 'no_stream' : bigintToSafeNumber('revision', current));
        }
        last = bigintToSafeNumber('revision', result.nextExpectedRevision);
      } catch (error) {
        // Only a definite failure frees the ids; after a timeout the append may be stored.
        if (error instanceof WrongExpectedRevisionError || isDefiniteAppendFailure(error)) await this.releaseAll(claims);
        throw toStoreError(error, { streamId, expected });
      }
      // The append result gives only the last revision and position: read the new events back.
      const written = await this.readBack(streamId, last - fresh.length + 1, fresh);
      for (const event of written) {
        placeOf.set(event.eventId, event);
        this.remember({ streamId, revision: event.revision, position: event.position }, event.eventId);
      }
      nextExpectedRevision = last;
    }

    const placed: AppendedEvent[] = events.map((event, index) => {
      const place = placeOf.get(event.eventId) as { revision: number; position: number };
      const duplicate = firstIndexOf.get(event.eventId) !== index || decisionOf(event.eventId).kind === 'duplicate';
      return { eventId: event.eventId, revision: place.revision, position: place.position, duplicate };
    });
    return { streamId, nextExpectedRevision, events: placed };
  }

  /** For each id: free, stored here, stored elsewhere, or claimed by an append in flight. */
  private async decide(streamId: string, eventIds: string[]): Promise<Map<string, ClaimDecision>> {
    const decisions = new Map<string, ClaimDecision>();
    const claims = new Map<string, ClaimState>();
    const toRead: string[] = [];
    for (const eventId of eventIds) {
      const known = this.places.get(eventId);
      if (known === undefined) toRead.push(eventId);
      else decisions.set(eventId, placeDecision(streamId, known));
    }
    await forEachLimited(toRead, this.settings.claimConcurrency, async (eventId) => {
      claims.set(eventId, await this.readClaim(eventId));
    });

    // Verify claims against the claimed streams: a claim alone does not prove the event is stored.
    const wantedByStream = new Map<string, Set<string>>();
    for (const [eventId, claim] of claims) {
      if (claim.kind !== 'claimed') continue;
      const wanted = wantedByStream.get(claim.streamId) ?? new Set<string>();
      wanted.add(eventId);
      wantedByStream.set(claim.streamId, wanted);
    }
    const stored = new Map<string, StoredPlace>();
    await forEachLimited([...wantedByStream], this.settings.claimConcurrency, async ([claimedStream, wanted]) => {
      for (const [eventId, place] of await this.findInStream(claimedStream, wanted)) {
        stored.set(eventId, place);
        this.remember(place, eventId);
      }
    });

    const now = new Date();
    for (const [eventId, claim] of claims) {
      decisions.set(
        eventId,
        decideClaim({ streamId, claim, stored: stored.get(eventId), now, leaseMs: this.settings.claimLeaseMs }),
      );
    }
    return decisions;
  }

  private async readClaim(eventId: string): Promise<ClaimState> {
    const read = this.client.readStream(this.claimStream(eventId), { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    try {
      for await (const resolved of read) {
        if (resolved.event !== undefined) return parseClaimEvent(resolved.event);
      }
      return { kind: 'none' };
    } catch (error) {
      const mapped = toStoreError(error);
      if (mapped instanceof StreamNotFoundError) return { kind: 'none' };
      throw mapped;
    }
  }

  /** Scans a stream from its end for the wanted ids; stops once all are found. */
  private async findInStream(streamId: string, wanted: ReadonlySet<string>): Promise<Map<string, StoredPlace>> {
    const found = new Map<string, StoredPlace>();
    const read = this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END });
    try {
      for await (const resolved of read) {
        const event = resolved.event;
        if (event === undefined || !wanted.has(event.id)) continue;
        const { revision, position } = toRecordedEvent(event);
        found.set(event.id, { streamId, revision, position });
        if (found.size === wanted.size) break;
      }
      return found;
    } catch (error) {
      const mapped = toStoreError(error);
      if (mapped instanceof StreamNotFoundError) return found;
      throw mapped;
    } finally {
      await cancelQuietly(read);
    }
  }

  /** Writes the claims of the new ids. On any failure, releases the ones it wrote and throws. */
  private async claimAll(
    streamId: string,
    fresh: NewEvent[],
    decisions: Map<string, ClaimDecision>,
  ): Promise<Map<string, bigint>> {
    const claimed = new Map<string, bigint>();
    let contended: string | undefined;
    let failure: unknown;
    await forEachLimited(fresh, this.settings.claimConcurrency, async ({ eventId }) => {
      const decision = decisions.get(eventId);
      if (decision?.kind !== 'free') throw new Error(`claimAll: ${eventId} is not free`);
      try {
        const result = await this.client.appendToStream(
          this.claimStream(eventId),
          jsonEvent({ type: EVENT_ID_CLAIMED, data: { streamId } }),
          {
            expectedRevision: decision.expected === 'no_stream' ? NO_STREAM : decision.expected,
            deadline: this.settings.appendDeadlineMs,
          },
        );
        claimed.set(eventId, result.nextExpectedRevision);
      } catch (error) {
        if (isCommandError(error as Error) && (error as { type?: string }).type === ErrorType.WRONG_EXPECTED_VERSION) {
          contended ??= eventId;
        } else {
          failure ??= error;
        }
      }
    });
    if (contended === undefined && failure === undefined) return claimed;
    await this.releaseAll(claimed);
    if (failure !== undefined) throw toStoreError(failure);
    throw new ClaimContention(contended as string);
  }

  /** Best effort: a release that fails leaves a claim that expires with the lease. */
  private async releaseAll(claims: Map<string, bigint>): Promise<void> {
    await forEachLimited([...claims], this.settings.claimConcurrency, async ([eventId, revision]) => {
      try {
        await this.client.appendToStream(this.claimStream(eventId), jsonEvent({ type: EVENT_ID_RELEASED, data: {} }), {
          expectedRevision: revision,
          deadline: this.settings.appendDeadlineMs,
        });
      } catch {
        // The lease covers it.
      }
    });
  }

  private async readBack(streamId: string, fromRevision: number, fresh: NewEvent[]): Promise<RecordedEvent[]> {
    const read: RecordedEvent[] = [];
    for await (const event of this.streamEvents(streamId, fromRevision, fresh.length)) read.push(event);
    const mismatch = read.length !== fresh.length || read.some((event, i) => event.eventId !== fresh[i].eventId);
    if (mismatch) {
      throw new Error(`appended to ${streamId} but reading back from revision ${fromRevision} found other events`);
    }
    return read;
  }

  private async streamHead(streamId: string): Promise<number | null> {
    const read = this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    try {
      for await (const resolved of read) {
        if (resolved.event !== undefined) return bigintToSafeNumber('revision', resolved.event.revision);
      }
      return null;
    } catch (error) {
      const mapped = toStoreError(error, { streamId });
      if (mapped instanceof StreamNotFoundError) return null;
      throw mapped;
    }
  }

  private remember(place: StoredPlace, eventId: string): void {
    this.places.delete(eventId);
    this.places.set(eventId, place);
    if (this.places.size > this.settings.placeCacheSize) {
      this.places.delete(this.places.keys().next().value as string);
    }
  }

  private claimStream(eventId: string): string {
    return `${this.settings.claimStreamPrefix}${eventId}`;
  }

  // ---- reads ---------------------------------------------------------------------------------

  private async *streamEvents(streamId: string, fromRevision: number, maxCount: number): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    if (maxCount === 0) {
      // Nothing to read, but a missing stream is still an error, as on every adapter.
      if ((await this.streamHead(streamId)) === null) throw new StreamNotFoundError(streamId);
      return;
    }
    const read = this.client.readStream(streamId, {
      fromRevision: BigInt(fromRevision),
      ...(maxCount === Number.POSITIVE_INFINITY ? {} : { maxCount }),
    });
    yield* this.drain(read, (resolved) => (resolved.event === undefined ? undefined : toRecordedEvent(resolved.event)), {
      streamId,
    });
  }

  private async *allEvents(after: number, maxCount: number, prefix: string | undefined): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    if (maxCount === 0) return;
    // No server-side maxCount: it would count the system and other-prefix events filtered out here.
    const read = this.client.readAll({ fromPosition: toClientReadPosition(after) });
    let yielded = 0;
    for await (const event of this.drain(read, (resolved) => this.convertAll(resolved, after, prefix))) {
      yield event;
      if (++yielded >= maxCount) return;
    }
  }

  /** Iterates a client read, mapping its errors; cancels the server call if the consumer stops early. */
  private async *drain<E>(
    read: StreamingRead<E>,
    convert: (resolved: E) => RecordedEvent | undefined,
    context: { streamId?: string } = {},
  ): AsyncGenerator<RecordedEvent> {
    let finished = false;
    try {
      for await (const resolved of read) {
        const event = convert(resolved);
        if (event !== undefined) yield event;
      }
      finished = true;
    } catch (error) {
      const mapped = toStoreError(error, context);
      // A deleted stream has no events, as far as the port can tell.
      if (context.streamId !== undefined && isStreamDeleted(error)) throw new StreamNotFoundError(context.streamId);
      throw mapped;
    } finally {
      if (!finished) await cancelQuietly(read);
    }
  }

  /** A $all event as the caller may see it, or undefined when it is filtered out. */
  private convertAll(resolved: AllStreamResolvedEvent, after: number, prefix: string | undefined): RecordedEvent | undefined {
    const event = resolved.event;
    if (event === undefined) return undefined;
    if (!isUserEvent(event.streamId, event.type, this.settings.claimStreamPrefix)) return undefined;
    if (prefix !== undefined && !event.streamId.startsWith(prefix)) return undefined;
    // The server starts reads at `after` inclusively; the port's `after` is exclusive.
    if (toPortPosition(event.position) <= after) return undefined;
    return toRecordedEvent(event, event.position);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EsdbEventStore is closed');
  }
}

function placeDecision(streamId: string, place: StoredPlace): ClaimDecision {
  return place.streamId === streamId
    ? { kind: 'duplicate', place }
    : { kind: 'conflict', existingStreamId: place.streamId };
}

function isStreamDeleted(error: unknown): boolean {
  return error instanceof Error && isCommandError(error) && error.type === ErrorType.STREAM_DELETED;
}

async function cancelQuietly(read: { cancel(): Promise<void> }): Promise<void> {
  try {
    await read.cancel();
  } catch {
    // Already ended or the connection is gone: nothing left to cancel.
  }
}

/** Runs `task` over `items` with at most `limit` in flight; rethrows the first failure after all settle. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

