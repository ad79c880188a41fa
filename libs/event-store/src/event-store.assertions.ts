import { ExpectedRevision, NewEvent, StreamAppend, WrongExpectedRevisionError } from './event-store.port';

// Argument checks every adapter of the port makes before touching its server or file.

export function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('streamId must be a non-empty string');
}

export function assertNewEvent(event: NewEvent): void {
  if (typeof event?.eventId !== 'string' || event.eventId.length === 0) {
    throw new TypeError('every event needs a non-empty string eventId');
  }
  if (typeof event.type !== 'string' || event.type.length === 0) {
    throw new TypeError(`event ${event.eventId} needs a non-empty string type`);
  }
}

export function assertExpectedRevision(expected: ExpectedRevision): void {
  if (typeof expected === 'number') assertNonNegativeInteger('expectedRevision', expected);
  else if (expected !== 'any' && expected !== 'no_stream' && expected !== 'stream_exists') {
    throw new TypeError(`unknown expectedRevision ${String(expected)}`);
  }
}

export function assertMaxCount(maxCount: number): void {
  if (maxCount !== Number.POSITIVE_INFINITY) assertNonNegativeInteger('maxCount', maxCount);
}

export function assertNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

export function assertPosition(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < -1) throw new RangeError(`${name} must be an integer >= -1`);
}

export function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
}

/**
 * The port's rule for an expected revision against the stream's last revision (null: no stream).
 * The server applies it to real appends; the adapter applies it itself only to empty appends.
 */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, head: number | null): void {
  let ok: boolean;
  switch (expected) {
    case 'any':
      ok = true;
      break;
    case 'no_stream':
      ok = head === null;
      break;
    case 'stream_exists':
      ok = head !== null;
      break;
    default:
      ok = head === expected;
  }
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, head ?? 'no_stream');
}

/** The argument checks of `appendToStream`, for every entry of a multi-stream append. */
export function assertStreamAppends(appends: readonly StreamAppend[]): void {
  if (!Array.isArray(appends)) throw new TypeError('appends must be an array');
  for (const append of appends) {
    assertStreamId(append?.streamId);
    if (!Array.isArray(append.events)) throw new TypeError(`events of ${append.streamId} must be an array`);
    for (const event of append.events) assertNewEvent(event);
    assertExpectedRevision(append.expectedRevision ?? 'any');
  }
}
