import type { InteractionEvent, StoredInteractionEvent } from '@crm/contracts';
import type { NewEvent, RecordedEvent } from './event-store.port';

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
  return event;
}
