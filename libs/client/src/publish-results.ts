/**
 * What the ingest API answers, as the client hands it over. The same shapes as the API's own
 * (StoredEventResponse, UnstoredEventResponse and BatchResultResponse in apps/ingest-api,
 * RecordOutcome of its command), declared here because a lib does not import an app; the
 * OpenAPI document at /docs/openapi.json describes them too.
 */

/** An event that is in its customer's stream: stored now, or by an earlier request with its eventId. */
export interface PublishedEvent {
  /** Index of the event in the caller's list (0 for a single publish). */
  index: number;
  eventId: string;
  /** `customer-<customerId>`, the survivor's stream for an event of a merged customer. */
  streamId: string;
  /** `duplicate`: a retry of a stored eventId; nothing was stored again, the position is the original one. */
  status: 'stored' | 'duplicate';
  /** The event's revision in its customer stream. */
  streamRevision: number;
  /** Global position: a view reflecting the event has `position` >= this. */
  position: number;
  /** Only for an event published for a customer merged into another: the surviving customer it was stored under. */
  survivorCustomerId?: string;
}

/** Why an event of a batch was not stored, as the API says it. */
export interface EventError {
  title: string;
  detail: string;
  /** Whether sending the event again can store it (the client already did, up to maxRetries). */
  retriable: boolean;
}

/**
 * A batch event the API did not store, because its customer's append did not succeed (storage
 * is atomic per customer: every event of that customer in the request shares the outcome).
 * `conflict`: an eventId already used by another event (the client never retries it);
 * `failed`: the store failed (retried while `retriable`, up to maxRetries).
 */
export interface UnstoredEvent {
  index: number;
  eventId: string;
  streamId: string;
  status: 'conflict' | 'failed';
  error: EventError;
}

/**
 * A batch event the client did not send: an earlier event of the same customer in this call was
 * not stored (conflict, or failed after the retries), and storing a later one before it would
 * put the customer's stream out of publish order. Publish it again after its predecessor.
 */
export interface SkippedEvent {
  index: number;
  eventId: string;
  customerId: string;
  status: 'skipped';
  error: EventError;
}

export type BatchEventResult = PublishedEvent | UnstoredEvent | SkippedEvent;
export type BatchEventStatus = BatchEventResult['status'];

/** The outcome of publishBatch: one result per event, in the caller's order, and the counts. */
export interface PublishBatchResult {
  /** Events stored by this call. */
  stored: number;
  /** Events already stored (retried eventIds). */
  duplicates: number;
  conflicts: number;
  /** Events whose store failed, after the retries when it was retriable. */
  failed: number;
  /** Events not sent to keep a customer's order (see SkippedEvent). */
  skipped: number;
  /** HTTP requests made (chunks, their retries and the re-sending of failed customers). */
  requests: number;
  /** Of those, retries. */
  retries: number;
  /** Every event's result, `results[i].index === i`. */
  results: BatchEventResult[];
}

/** The API's answer to POST /v1/events/batch, as it is on the wire (indexes relative to the request). */
export interface BatchResponseBody {
  stored: number;
  duplicates: number;
  conflicts: number;
  failed: number;
  results: (PublishedEvent | UnstoredEvent)[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Whether `value` is one event's outcome as the API answers it (the fields the client relies on). */
export function isEventOutcome(value: unknown): value is PublishedEvent | UnstoredEvent {
  if (!isRecord(value) || !isCount(value.index) || typeof value.eventId !== 'string' || typeof value.streamId !== 'string') return false;
  switch (value.status) {
    case 'stored':
    case 'duplicate':
      return isCount(value.streamRevision) && isCount(value.position) && (value.survivorCustomerId === undefined || typeof value.survivorCustomerId === 'string');
    case 'conflict':
    case 'failed':
      return isRecord(value.error) && typeof value.error.retriable === 'boolean';
    default:
      return false;
  }
}

/** Whether `value` is a batch answer for `sent` events: one outcome per event, each index once. */
export function isBatchResponseBody(value: unknown, sent: number): value is BatchResponseBody {
  if (!isRecord(value) || !Array.isArray(value.results) || value.results.length !== sent) return false;
  const seen = new Set<number>();
  for (const result of value.results) {
    if (!isEventOutcome(result) || result.index >= sent || seen.has(result.index)) return false;
    seen.add(result.index);
  }
  return true;
}
