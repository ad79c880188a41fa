import { type StoredInteractionEvent, TRACEPARENT_HEADER, traceparentOf } from '@crm/contracts';
import { INTERACTION_HEADERS, type OutgoingMessage } from './messaging.port';

/** One stored event as a Kafka message: keyed by customer so each customer's events stay in order. */
export function toInteractionMessage(event: StoredInteractionEvent): OutgoingMessage {
  const traceparent = traceparentOf(event);
  return {
    key: event.customerId,
    value: JSON.stringify(event),
    headers: {
      [INTERACTION_HEADERS.eventId]: event.eventId,
      [INTERACTION_HEADERS.type]: event.type,
      [INTERACTION_HEADERS.schemaVersion]: String(event.schemaVersion),
      [INTERACTION_HEADERS.position]: String(event.position),
      [INTERACTION_HEADERS.customerId]: event.customerId,
      [INTERACTION_HEADERS.contentType]: 'application/json',
      ...(traceparent === undefined ? {} : { [TRACEPARENT_HEADER]: traceparent }),
    },
  };
}
