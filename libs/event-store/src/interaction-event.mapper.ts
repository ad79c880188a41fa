import { InteractionEvent, StoredInteractionEvent, TRACEPARENT_HEADER, streamIdFor, traceparentOf, withTraceparent } from '@crm/contracts';
import type { EventStore, NewEvent, RecordedEvent } from './event-store.port';

/**
 * How an interaction event is laid out in the store, EventStoreDB style: the payload is the
 * event's data, the envelope's other fields travel as metadata.
 */
export function toNewEvent(event: InteractionEvent): NewEvent {
  const metadata: Record<string, unknown> = {
    customerId: event.customerId,
    occurredAt: event.occurredAt,
    source: event.source,
    schemaVersion: event.schemaVersion,
  };
  if (event.correlationId !== undefined) metadata.correlationId = event.correlationId;
  if (event.causationId !== undefined) metadata.causationId = event.causationId;
  const traceparent = traceparentOf(event);
  if (traceparent !== undefined) metadata[TRACEPARENT_HEADER] = traceparent;
  return { eventId: event.eventId, type: event.type, data: event.data, metadata };
}

export function toStoredInteractionEvent(recorded: RecordedEvent): StoredInteractionEvent {
  const m = recorded.metadata;
  const event = {
    eventId: recorded.eventId,
    type: recorded.type,
    schemaVersion: (m.schemaVersion as number | undefined) ?? 1,
    customerId: m.customerId as string,
    occurredAt: m.occurredAt as string,
    source: m.source as string,
    data: recorded.data,
    revision: recorded.revision,
    position: recorded.position,
    recordedAt: recorded.recordedAt,
  } as StoredInteractionEvent;
  if (m.correlationId !== undefined) event.correlationId = m.correlationId as string;
  if (m.causationId !== undefined) event.causationId = m.causationId as string;
  return typeof m[TRACEPARENT_HEADER] === 'string' ? withTraceparent(event, m[TRACEPARENT_HEADER]) : event;
}

/**
 * Appends interaction events to their customers' streams, one atomic append per customer,
 * each customer's events in the given order (for tools, tests and benchmarks that fill a store).
 */
export async function appendByCustomer(store: EventStore, events: readonly InteractionEvent[]): Promise<void> {
  const byStream = new Map<string, NewEvent[]>();
  for (const event of events) {
    const streamId = streamIdFor(event.customerId);
    const group = byStream.get(streamId) ?? [];
    group.push(toNewEvent(event));
    byStream.set(streamId, group);
  }
  for (const [streamId, group] of byStream) await store.appendToStream(streamId, group);
}
