/**
 * The W3C trace context an event was published under (its `traceparent`), carried beside the
 * event rather than in it: in the store's metadata, in a Kafka header, and on the in-memory event
 * as a non-enumerable property, so no JSON of the event, no view and no comparison sees it.
 * Absent when tracing is off.
 */
const TRACEPARENT = Symbol.for('crm.traceparent');

/** The metadata key and Kafka header that carry it. */
export const TRACEPARENT_HEADER = 'traceparent';

export function traceparentOf(event: object): string | undefined {
  return (event as { [TRACEPARENT]?: string })[TRACEPARENT];
}

/** Attaches `traceparent` to the event (non-enumerable); returns the event. */
export function withTraceparent<E extends object>(event: E, traceparent: string | undefined): E {
  if (traceparent !== undefined) Object.defineProperty(event, TRACEPARENT, { value: traceparent, enumerable: false, configurable: true });
  return event;
}
