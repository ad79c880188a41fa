/**
 * The event-store port. Semantics follow EventStoreDB so its adapter fits unchanged:
 * streams with 0-based revisions, a global log ($all) with strictly increasing positions
 * in commit order, optimistic concurrency by expected revision, idempotency by event id.
 *
 * Positions are JavaScript numbers: exact up to 2^53 (EventStoreDB commit positions are
 * byte offsets in its transaction log, far below that).
 */

/** One event to append. `eventId` is the publisher's UUID and the idempotency key. */
export interface NewEvent {
  eventId: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

export interface RecordedEvent {
  streamId: string;
  eventId: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  /** 0-based revision in its stream. */
  revision: number;
  /** Position in the global log, strictly increasing in commit order. */
  position: number;
  /** When the store committed it, ISO 8601 UTC. */
  recordedAt: string;
}

/**
 * - `'any'`: no check.
 * - `'no_stream'`: the stream must not exist.
 * - `'stream_exists'`: the stream must exist.
 * - a number: the revision of the stream's last event must equal it.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendedEvent {
  eventId: string;
  revision: number;
  position: number;
  /** true when the event id was already stored: nothing was written, the original place is returned. */
  duplicate: boolean;
}

export interface AppendResult {
  streamId: string;
  /**
   * Revision of the stream's last event after the append.
   * - A retry whose events were all stored already returns the original append's value
   *   (the highest revision among them), so a retry answers exactly like the original.
   * - An empty append (only checks the expected revision) returns the current revision,
   *   -1 when the stream does not exist.
   */
  nextExpectedRevision: number;
  /** One entry per event given, in the given order. */
  events: AppendedEvent[];
}

export interface AppendOptions {
  /** @defaultValue 'any' */
  expectedRevision?: ExpectedRevision;
}

/** One stream's part of a multi-stream append: what `appendToStream` would take. */
export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
  /** @defaultValue 'any' */
  expectedRevision?: ExpectedRevision;
}

/**
 * What became of one stream of a multi-stream append: its AppendResult, or the typed error
 * `appendToStream` would have thrown (WrongExpectedRevisionError, EventIdConflictError,
 * EventStoreUnavailableError, ...), in which case none of that stream's events were stored.
 */
export type StreamAppendOutcome =
  | { streamId: string; ok: true; result: AppendResult }
  | { streamId: string; ok: false; error: EventStoreError };

export interface ReadStreamOptions {
  /** First revision to read (inclusive). @defaultValue 0 */
  fromRevision?: number;
  /** @defaultValue unlimited */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events with a position strictly greater than this. @defaultValue -1 (from the start) */
  after?: number;
  /** @defaultValue unlimited */
  maxCount?: number;
  /** Only streams whose id starts with this prefix. @defaultValue all streams */
  streamPrefix?: string;
}

export interface ReadStreamsOptions {
  /** Only streams whose id starts with this prefix. @defaultValue all streams */
  streamPrefix?: string;
  /** Only events at or below this position (e.g. the head when a rebuild started). @defaultValue no bound */
  upTo?: number;
  /**
   * Only the streams whose id sorts after this one (byte order): a resumed rebuild. Only a store
   * that reads stream by stream (`readsStreamsInOrder`) can; the others throw a TypeError.
   */
  afterStream?: string;
}

export interface SubscribeOptions {
  /** Deliver events with a position strictly greater than this (a checkpoint). @defaultValue -1 */
  after?: number;
  /** Only streams whose id starts with this prefix. */
  streamPrefix?: string;
}

/**
 * A catch-up subscription: iterating it yields every stored event after the checkpoint,
 * then live events as they are committed, until `close()` is called.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export abstract class EventStore {
  /**
   * Appends atomically: every new event of the call or none. Event ids already stored in
   * this stream are reported as duplicates (not written again); when all are duplicates the
   * expected-revision check is skipped, because the original append passed it. An id stored
   * in another stream fails the whole call with EventIdConflictError. An id repeated inside
   * one call is stored once; the repeat is reported as a duplicate of the first.
   */
  abstract appendToStream(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;

  /**
   * Appends to several streams at once (group commit): each entry is atomic on its own, with
   * `appendToStream`'s semantics (expected revision, duplicates, id conflicts), and entries are
   * independent: one entry's failure is its outcome, the others are stored. Entries of the same
   * stream apply in the given order. One outcome per entry, in the given order; it resolves
   * only once every stored event is durable. An id stored by an earlier entry of the call for
   * another stream conflicts like an id stored before.
   *
   * Rejects (instead of giving outcomes) on invalid arguments, before anything is written, and
   * on a failure that is not the port's (a disk or adapter error): the SQLite store then has
   * stored nothing of the call; a store that appends the streams separately may have stored some,
   * so retry the whole call with the same event ids (idempotency makes that safe).
   */
  abstract appendToStreams(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;

  /** Throws StreamNotFoundError when the stream has no events. */
  abstract readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  abstract readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /** Whether readStreams yields stream after stream in id order (so it can resume `afterStream`). */
  get readsStreamsInOrder(): boolean {
    return false;
  }

  /**
   * Every event of the matching streams, once, in the cheapest complete order the store has that
   * keeps each stream's own order (revision order): what a rebuild folds, since a view depends on
   * its customer's events only. By default the global log in position order (EventStoreDB's
   * `$all`); the embedded store goes stream after stream (by its (stream, revision) index), so a
   * folder holds one customer at a time.
   */
  async *readStreams(options: ReadStreamsOptions = {}): AsyncIterable<RecordedEvent> {
    if (options.afterStream !== undefined) throw new TypeError('this store reads the streams in log order: it cannot resume after a stream');
    const upTo = options.upTo ?? Number.POSITIVE_INFINITY;
    for await (const event of this.readAll({ streamPrefix: options.streamPrefix })) {
      if (event.position > upTo) return;
      yield event;
    }
  }

  abstract subscribeToAll(options?: SubscribeOptions): Subscription;

  /** Position of the last committed event, -1 when the store is empty. */
  abstract headPosition(): Promise<number>;

  /** Number of events in the global log (for progress reporting). */
  abstract count(options?: { after?: number; streamPrefix?: string }): Promise<number>;

  abstract close(): Promise<void>;
}

/** Base of the store's typed errors; `retriable` says whether the same call can succeed later. */
export abstract class EventStoreError extends Error {
  abstract readonly retriable: boolean;
}

export class WrongExpectedRevisionError extends EventStoreError {
  readonly retriable = true;
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`Wrong expected revision for ${streamId}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly retriable = false;
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} not found`);
    this.name = 'StreamNotFoundError';
  }
}

/** An event id already stored in another stream: the same id cannot name two facts. */
export class EventIdConflictError extends EventStoreError {
  readonly retriable = false;
  constructor(
    readonly eventId: string,
    readonly existingStreamId: string,
  ) {
    super(`Event id ${eventId} is already stored in stream ${existingStreamId}`);
    this.name = 'EventIdConflictError';
  }
}

/**
 * What a caller (HTTP) is told of an EventIdConflictError: that the id is taken, nothing about the
 * stream (another customer's) that holds it; the error's message, with the stream, is for the logs.
 */
export function eventIdConflictDetail(eventId: string): string {
  return `The eventId ${eventId} is already used by another event; publish this event with an eventId of its own.`;
}

/**
 * The store cannot be reached or did not answer in time (connection refused, node not leader,
 * deadline exceeded). The same call may succeed later; an append may or may not have been
 * stored, so retry it with the same event ids (idempotency makes that safe).
 */
export class EventStoreUnavailableError extends EventStoreError {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`Event store unavailable: ${message}`, options);
    this.name = 'EventStoreUnavailableError';
  }
}
