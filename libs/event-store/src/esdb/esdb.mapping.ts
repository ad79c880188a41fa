/**
 * Pure conversions between the port's types and @eventstore/db-client v6 types. No I/O here, so
 * every rule is unit-tested without a server (esdb.mapping.spec.ts).
 */
import {
  ANY,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  ErrorType,
  isCommandError,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as ClientRecordedEvent,
} from '@eventstore/db-client';
import {
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port';

/** Port expected revision -> client expected revision. */
export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default: {
      if (typeof expected === 'number') return BigInt(expected);
      const unhandled: never = expected;
      throw new TypeError(`unknown expectedRevision ${String(unhandled)}`);
    }
  }
}

/** Client current revision ('no_stream' or the last revision) -> the port's `actual`. */
export function toPortActualRevision(current: CurrentRevision): number | 'no_stream' {
  // Errors decoded from gRPC metadata carry -1 for a missing stream.
  if (current === NO_STREAM || current < 0n) return 'no_stream';
  return bigintToSafeNumber('revision', current);
}

/**
 * A $all position -> the port's number. Events appended over gRPC are implicit transactions:
 * the server reports commit == prepare == the event's own log position, so the commit part alone
 * is unique and strictly increasing in commit order. (Events of explicit TCP-era transactions
 * share a commit position; this adapter never writes those.) Exact below 2^53 bytes of log.
 */
export function toPortPosition(position: Position): number {
  return bigintToSafeNumber('position', position.commit);
}

/**
 * The port's `after` (exclusive) -> where the client starts reading $all. The server's read is
 * inclusive of that position, so callers still drop events at positions <= after.
 */
export function toClientReadPosition(after: number): ReadPosition {
  if (after < 0) return START;
  const at = BigInt(after);
  return { commit: at, prepare: at };
}

export function bigintToSafeNumber(what: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${value} does not fit a JavaScript number exactly`);
  }
  return Number(value);
}

/** What the port writes: JSON data (undefined becomes null, as in the SQLite adapter) and JSON metadata. */
export function toEventData(event: NewEvent): EventData {
  return {
    id: event.eventId,
    contentType: 'application/json',
    type: event.type,
    // The client JSON-stringifies data whatever its type; its JSONType is narrower than JSON.
    data: (event.data === undefined ? null : event.data) as JSONType,
    metadata: event.metadata,
  } as EventData;
}

/**
 * Events of the server and of this adapter's bookkeeping: streams and types starting with '$'
 * (system streams, link events, $stats, claim streams) and any other stream under `hiddenPrefix`.
 */
export function isUserEvent(streamId: string, type: string, hiddenPrefix: string): boolean {
  return !streamId.startsWith('$') && !type.startsWith('$') && !streamId.startsWith(hiddenPrefix);
}

/** A client record -> the port's RecordedEvent. The position is required (servers >= 22.6 send it on stream reads). */
export function toRecordedEvent(record: ClientRecordedEvent, position: Position | undefined = record.position): RecordedEvent {
  if (position === undefined) {
    throw new Error(
      `EventStoreDB did not return the position of ${record.streamId}@${record.revision}; server 22.6 or later is required`,
    );
  }
  if (!record.isJson) {
    throw new TypeError(`event ${record.id} in ${record.streamId} is not JSON; this adapter only reads what it wrote`);
  }
  return {
    streamId: record.streamId,
    eventId: record.id,
    type: record.type,
    data: record.data,
    metadata: isPlainObject(record.metadata) ? record.metadata : {},
    revision: bigintToSafeNumber('revision', record.revision),
    position: toPortPosition(position),
    recordedAt: record.created.toISOString(),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Error kinds after which the same call can succeed: the server was unreachable, busy, or not the leader. */
const UNAVAILABLE_TYPES: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
  ErrorType.CANCELLED,
]);

/** gRPC status codes UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, for errors the client did not convert. */
const UNAVAILABLE_GRPC_CODES: ReadonlySet<number> = new Set([14, 4, 10]);

export interface ErrorContext {
  streamId?: string;
  expected?: ExpectedRevision;
}

/**
 * A client error -> the port's typed error; anything else is returned unchanged (a bug or a
 * misconfiguration such as access denied is not made to look retriable).
 */
export function toStoreError(error: unknown, context: ErrorContext = {}): unknown {
  if (!(error instanceof Error)) return error;
  if (isCommandError(error)) {
    switch (error.type) {
      case ErrorType.WRONG_EXPECTED_VERSION:
        return new WrongExpectedRevisionError(
          context.streamId ?? error.streamName,
          context.expected ?? fromClientExpected(error.expectedVersion),
          toPortActualRevision(error.actualVersion),
        );
      case ErrorType.STREAM_NOT_FOUND:
        return new StreamNotFoundError(context.streamId ?? error.streamName);
      default:
        if (UNAVAILABLE_TYPES.has(error.type)) return new EventStoreUnavailableError(error.message, { cause: error });
        return error;
    }
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && UNAVAILABLE_GRPC_CODES.has(code)) {
    return new EventStoreUnavailableError(error.message, { cause: error });
  }
  // Cluster discovery failures and refused connections surface as plain errors.
  if (/Failed to discover|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|No connection established/i.test(error.message)) {
    return new EventStoreUnavailableError(error.message, { cause: error });
  }
  return error;
}

function fromClientExpected(expected: AppendExpectedRevision): ExpectedRevision {
  if (typeof expected === 'bigint') return bigintToSafeNumber('revision', expected);
  return expected;
}

/** Whether a client error proves the append was NOT stored (so its claims can be released). */
export function isDefiniteAppendFailure(error: unknown): boolean {
  if (!(error instanceof Error) || !isCommandError(error)) return false;
  switch (error.type) {
    case ErrorType.WRONG_EXPECTED_VERSION:
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
    case ErrorType.ACCESS_DENIED:
    case ErrorType.STREAM_DELETED:
    case ErrorType.INVALID_ARGUMENT:
      return true;
    default:
      return false;
  }
}

export { checkExpectedRevision } from '../event-store.assertions';

/**
 * The v6 client only parses `esdb://` and `esdb+discover://`; KurrentDB's `kurrentdb://` form
 * (accepted by the config) has the same syntax.
 */
export function toClientConnectionString(connectionString: string): string {
  return connectionString.replace(/^kurrentdb(\+discover)?:\/\//i, (_, discover: string | undefined) =>
    discover ? 'esdb+discover://' : 'esdb://',
  );
}
