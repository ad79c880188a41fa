import type { EventStore } from '@crm/event-store';
import { DEAD_LETTER_HEADERS, IncomingMessage, JsonLimits, MessageBroker, MessagePublisher, parseMessageJson } from '@crm/messaging';
import { CustomerProjection, ProjectedView, RedriveTarget, redriveEvents } from '@crm/projection';
import { parseStoredEvent, toViewMessage } from '@crm/projector';
import type { ReadStore } from '@crm/read-store';

/**
 * The Kafka DLQ topic (crm.interactions.dlq.v1), listed and redriven. The projector puts there
 * the messages it could not parse, those whose fold threw and those whose view it stored but
 * could not publish (KafkaProjector, toDeadLetterMessage). Every one of them came from the
 * relay, so its event is in the event store: once the cause is fixed, a redrive parses the
 * message again with the current code and, when it parses, folds the customer again from its
 * stream (redriveEvents, as the read-store redrive does); a view that was not published is
 * published again from the read store. Kafka cannot delete one message, so what was redriven is
 * kept in one read-store document per entry (`kafka-dlq:<topic>:<partition>:<offset>`).
 */
export const KAFKA_DLQ_PREFIX = 'kafka-dlq:';

/** What the projector's reason says went wrong (its prefixes, in KafkaProjector.handleBatch). */
export type KafkaDeadLetterKind = 'unparsed' | 'fold-failed' | 'not-published';

export interface KafkaDeadLetter {
  /** `<topic>:<partition>:<offset>` of the DLQ message: what `redrive --kafka` takes. */
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  kind: KafkaDeadLetterKind;
  reason: string;
  /** Where the projector read it (the dlq-source-* headers). */
  source: { topic: string | null; partition: number | null; offset: string | null };
  /** From the payload, when it is a JSON object with them. */
  eventId: string | null;
  customerId: string | null;
  type: string | null;
  status: 'pending' | 'redriven';
  /** Last redrive attempt: when, and why it is still pending (null once redriven). */
  redrive?: { at: string; error: string | null };
}

/** The read-store document of an entry that was redriven, or whose redrive failed. */
interface EntryDocument {
  id: string;
  status: 'pending' | 'redriven';
  redrive: { at: string; error: string | null };
}

export const kafkaDeadLetterId = (m: Pick<IncomingMessage, 'topic' | 'partition' | 'offset'>) => `${m.topic}:${m.partition}:${m.offset}`;

/** Sortable per partition: kafka-dlq:crm.interactions.dlq.v1:0:00000000000000000042. */
export function kafkaDeadLetterDocument(id: string): string {
  const match = /^(.+):(\d+):(\d+)$/.exec(id);
  if (!match) throw new Error(`not a DLQ entry id (<topic>:<partition>:<offset>): ${id}`);
  return `${KAFKA_DLQ_PREFIX}${match[1]}:${match[2]}:${match[3].padStart(20, '0')}`;
}

export function kindOf(reason: string): KafkaDeadLetterKind {
  if (reason.startsWith('view stored but not published')) return 'not-published';
  if (reason.startsWith('view function failed')) return 'fold-failed';
  return 'unparsed';
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** An entry as the DLQ message and its document (if any) say. Never throws, whatever the message holds. */
export function describeKafkaDeadLetter(message: IncomingMessage, document?: EntryDocument): KafkaDeadLetter {
  const h = message.headers;
  const reason = h[DEAD_LETTER_HEADERS.reason] ?? '(no dlq-reason header)';
  const json = parseMessageJson(message);
  const payload = json.ok && typeof json.value === 'object' && json.value !== null && !Array.isArray(json.value) ? (json.value as Record<string, unknown>) : {};
  const sourcePartition = Number(h[DEAD_LETTER_HEADERS.sourcePartition]);
  return {
    id: kafkaDeadLetterId(message),
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
    kind: kindOf(reason),
    reason,
    source: {
      topic: h[DEAD_LETTER_HEADERS.sourceTopic] ?? null,
      partition: h[DEAD_LETTER_HEADERS.sourcePartition] !== undefined && Number.isSafeInteger(sourcePartition) ? sourcePartition : null,
      offset: h[DEAD_LETTER_HEADERS.sourceOffset] ?? null,
    },
    eventId: text(payload.eventId),
    customerId: text(payload.customerId),
    type: text(payload.type),
    status: document?.status ?? 'pending',
    ...(document ? { redrive: document.redrive } : {}),
  };
}

/** Every entry of the DLQ topic (as retained now), each with its message, in topic order. */
async function readEntries(broker: MessageBroker, readStore: ReadStore, topic: string): Promise<{ entry: KafkaDeadLetter; message: IncomingMessage; version: number }[]> {
  const messages: IncomingMessage[] = [];
  for await (const message of broker.readTopic(topic)) messages.push(message);
  const names = messages.map((m) => kafkaDeadLetterDocument(kafkaDeadLetterId(m)));
  const documents = new Map<string, { value: EntryDocument; version: number }>();
  for (let i = 0; i < names.length; i += 500) {
    for (const [name, document] of await readStore.getDocuments<EntryDocument>(names.slice(i, i + 500))) documents.set(name, document);
  }
  return messages.map((message, i) => {
    const document = documents.get(names[i]);
    return { entry: describeKafkaDeadLetter(message, document?.value), message, version: document?.version ?? 0 };
  });
}

/** Every entry of the DLQ topic, pending and redriven, partition by partition in offset order. */
export async function listKafkaDeadLetters(broker: MessageBroker, readStore: ReadStore, topic: string): Promise<KafkaDeadLetter[]> {
  return (await readEntries(broker, readStore, topic)).map((e) => e.entry);
}

export interface KafkaRedriveOptions {
  /** Only these entries (ids as listed); default every pending one. */
  ids?: readonly string[];
  /** The parse bounds of the projector (KafkaProjectorOptions.limits). */
  limits?: JsonLimits;
  now?: () => Date;
}

export interface KafkaRedriveResult {
  /** Entries now redriven: their event folded into the view, or their view published. */
  redriven: string[];
  /** Entries still pending, with why (the new parse reason, the fold's error, the publish's). */
  failing: { id: string; error: string }[];
  /** Ids asked for that are not in the topic (or no longer retained). */
  unknown: string[];
  /** Ids asked for that were redriven before (nothing done again). */
  alreadyRedriven: string[];
  /** Customers whose view was folded again, and views published to the views topic. */
  customers: number;
  published: number;
}

export interface KafkaRedriveDeps {
  broker: MessageBroker;
  publisher: MessagePublisher;
  readStore: ReadStore;
  eventStore: EventStore;
  projection: CustomerProjection;
  topics: { interactionsDlq: string; customerViews: string };
}

/**
 * Redrives pending DLQ entries: each message parsed again with the current code and bounds (one
 * that still does not parse stays pending with the reason it gives now); the events that parse
 * folded in again, their customers re-folded from their streams (redriveEvents, under the
 * view-writers lease; a read-store dead letter of the same event is marked too); then the views of
 * those customers, and of the entries whose view was not published, published from the read
 * store as the projector publishes them. An entry is redriven once its view is published.
 */
export async function redriveKafkaDeadLetters(deps: KafkaRedriveDeps, { ids, limits, now = () => new Date() }: KafkaRedriveOptions = {}): Promise<KafkaRedriveResult> {
  const { broker, publisher, readStore, eventStore, projection, topics } = deps;
  const all = await readEntries(broker, readStore, topics.interactionsDlq);
  const wanted = ids === undefined ? null : new Set(ids);
  const known = new Set(all.map((e) => e.entry.id));
  const pending = all.filter((e) => e.entry.status === 'pending' && (wanted === null || wanted.has(e.entry.id)));
  const result: KafkaRedriveResult = {
    redriven: [],
    failing: [],
    unknown: ids?.filter((id) => !known.has(id)) ?? [],
    alreadyRedriven: wanted === null ? [] : all.filter((e) => e.entry.status === 'redriven' && wanted.has(e.entry.id)).map((e) => e.entry.id),
    customers: 0,
    published: 0,
  };
  if (pending.length === 0) return result;

  const errors = new Map<string, string>();
  const customerOf = new Map<string, string>();
  const targets = new Map<string, RedriveTarget>();
  const toFold: { id: string; eventId: string }[] = [];
  for (const { entry, message } of pending) {
    const parsed = parseStoredEvent(message, limits);
    if ('reason' in parsed) {
      errors.set(entry.id, parsed.reason);
      continue;
    }
    const { event } = parsed;
    customerOf.set(entry.id, event.customerId);
    // A view that was stored but not published needs no fold: its event is in it.
    if (entry.kind === 'not-published') continue;
    targets.set(event.eventId, { eventId: event.eventId, customerId: event.customerId, position: event.position });
    toFold.push({ id: entry.id, eventId: event.eventId });
  }

  const folded = await redriveEvents(readStore, eventStore, projection, [...targets.values()], { now });
  result.customers = folded.customers;
  const foldErrors = new Map(folded.failing.map((f) => [f.eventId, f.error]));
  for (const { id, eventId } of toFold) {
    const error = foldErrors.get(eventId);
    if (error !== undefined) errors.set(id, error);
  }

  // Publish each customer's view once, from the read store (what the projector would publish now).
  const customers = new Set([...customerOf].filter(([id]) => !errors.has(id)).map(([, customerId]) => customerId));
  const publishErrors = new Map<string, string>();
  for (const customerId of customers) {
    const stored = await readStore.getView<ProjectedView>(customerId);
    try {
      if (!stored) throw new Error(`no view of ${customerId} in the read store`);
      await publisher.publish(topics.customerViews, [toViewMessage(stored, (state) => projection.present(state))]);
      result.published++;
    } catch (error) {
      publishErrors.set(customerId, `view not published to ${topics.customerViews}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }

  const at = now().toISOString();
  for (const { entry, version } of pending) {
    const customerId = customerOf.get(entry.id);
    const error = errors.get(entry.id) ?? (customerId === undefined ? undefined : publishErrors.get(customerId));
    const document: EntryDocument = { id: entry.id, status: error === undefined ? 'redriven' : 'pending', redrive: { at, error: error ?? null } };
    await readStore.putDocuments([{ name: kafkaDeadLetterDocument(entry.id), expectedVersion: version, value: document }]);
    if (error === undefined) result.redriven.push(entry.id);
    else result.failing.push({ id: entry.id, error });
  }
  return result;
}
