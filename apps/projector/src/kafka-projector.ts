import { type StoredInteractionEvent, TRACEPARENT_HEADER, withTraceparent } from '@crm/contracts';
import { compileEventSchemas, validateWithJsonSchema } from '@crm/contracts/edge';
import {
  ConsumerHandle,
  DEAD_LETTER_HEADERS,
  INTERACTION_HEADERS,
  IncomingMessage,
  JsonLimits,
  MessageBatch,
  MessageBroker,
  MessagePublisher,
  OutgoingMessage,
  TOPICS,
  TopicNames,
  parseMessageJson,
} from '@crm/messaging';
import type { ViewRecord } from '@crm/read-store';
import { BatchResult, ProjectedView, ProjectionRunner } from '@crm/projection';

export interface KafkaProjectorOptions {
  /** @defaultValue 'crm-projector' */
  groupId?: string;
  topics?: Partial<TopicNames>;
  /** Bounds checked before a message is parsed (defaults: DEFAULT_JSON_LIMITS of @crm/messaging). */
  limits?: JsonLimits;
  onBatch?: (info: { partition: number; result: BatchResult; deadLetters: readonly DeadLetter[]; lastOffset: string | undefined }) => void;
  /** A batch failed (Redis or Kafka unavailable, …): the consumer restarts and the batch comes again. */
  onError?: (error: Error) => void;
  /** The group rebalanced: this instance's partitions may have changed (state kept per customer must go). */
  onAssignment?: () => void;
}

/** Why a message went to the dead-letter topic. */
export interface DeadLetter {
  message: IncomingMessage;
  reason: string;
}

/** Longest dlq-reason header: a value with thousands of violations must not make the dead letter itself too big. */
export const MAX_REASON_LENGTH = 2000;

/**
 * Kafka → views. One consumer group; each instance folds the partitions it owns. Offsets are
 * committed only after the views are in the read store, so a crash redelivers and the views'
 * position guard makes the redelivery a no-op.
 *
 * Whatever one message holds, it cannot stop the partition: every per-message step (parse,
 * validate, fold, present) is isolated, and a message that fails one goes to the dead-letter
 * topic with the reason while the rest of the batch is applied. Only what concerns the whole
 * batch (the read store or Kafka unavailable) fails it, and then the batch comes again.
 */
export class KafkaProjector {
  private readonly topics: TopicNames;
  private handle: ConsumerHandle | null = null;

  constructor(
    private readonly runner: ProjectionRunner<unknown>,
    private readonly broker: MessageBroker,
    private readonly publisher: MessagePublisher,
    private readonly options: KafkaProjectorOptions = {},
  ) {
    this.topics = { ...TOPICS, ...options.topics };
  }

  async start(): Promise<void> {
    compileEventSchemas('stored'); // before the first batch, which would otherwise pay for it
    this.handle = await this.broker.consume({
      topic: this.topics.interactions,
      groupId: this.options.groupId ?? 'crm-projector',
      fromBeginning: true,
      onError: this.options.onError,
      onAssignment: this.options.onAssignment,
      eachBatch: (batch) => this.handleBatch(batch),
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    this.handle = null;
  }

  async handleBatch(batch: MessageBatch): Promise<void> {
    const deadLetters: DeadLetter[] = [];
    const events: StoredInteractionEvent[] = [];
    const messageOf = new Map<StoredInteractionEvent, IncomingMessage>();
    const messageAt = new Map<number, IncomingMessage>();
    for (const message of batch.messages) {
      const parsed = parseStoredEvent(message, this.options.limits);
      if ('reason' in parsed) deadLetters.push({ message, reason: parsed.reason });
      else {
        events.push(parsed.event);
        messageOf.set(parsed.event, message);
        messageAt.set(parsed.event.position, message);
      }
    }
    const result = await this.runner.applyBatch(events, null, { shard: `p${batch.partition}` });
    for (const { event, error } of result.failed) {
      deadLetters.push({ message: messageOf.get(event)!, reason: `view function failed: ${describeError(error)}` });
    }
    const views: OutgoingMessage[] = [];
    for (const record of result.views) {
      try {
        views.push(this.viewMessage(record));
      } catch (error) {
        // Stored, but it cannot be published: say so with the message that produced it.
        const message = messageAt.get(record.position);
        if (message) deadLetters.push({ message, reason: `view stored but not published to ${this.topics.customerViews}: ${describeError(error)}` });
      }
    }
    // Downstream topics first, then (by returning) the offset commit: at-least-once everywhere.
    await Promise.all([
      this.publisher.publish(this.topics.interactionsDlq, deadLetters.map(toDeadLetterMessage)),
      this.publisher.publish(this.topics.customerViews, views),
      this.publisher.publish(
        this.topics.relationshipChanges,
        result.changes.map((c) => ({ key: c.customerId, value: JSON.stringify(c), headers: { eventId: c.eventId, key: c.key } })),
      ),
    ]);
    this.options.onBatch?.({ partition: batch.partition, result, deadLetters, lastOffset: batch.messages.at(-1)?.offset });
  }

  private viewMessage(v: ViewRecord<ProjectedView>): OutgoingMessage {
    return toViewMessage(v, (state) => this.runner.present(state));
  }
}

/** The views topic carries the presented view (what GET /v1/customers/:id returns), not the stored fold state. */
export function toViewMessage(v: ViewRecord<ProjectedView>, present: (state: unknown) => unknown): OutgoingMessage {
  return {
    key: v.customerId,
    value: JSON.stringify({
      customerId: v.customerId,
      position: v.position,
      indexes: v.indexes,
      projectionVersion: v.view.projectionVersion,
      segment: v.view.segment ?? null,
      view: present(v.view.state),
    }),
    headers: { position: String(v.position) },
  };
}

export type ParsedStoredEvent = { event: StoredInteractionEvent } | { reason: string };

/**
 * Validates a message again at this edge, and never throws: the value bounded (UTF-8, size,
 * nesting) before it is parsed, the envelope by the contract (upcast, then the compiled JSON
 * Schemas of GET /v1/schemas in their stored form, where a personal-data field is a sealed value:
 * the verdict and violated fields of the HTTP edge's class-validator DTOs, without building DTO
 * instances per message), the store fields by shape, and
 * the key and headers against the payload (the relay sets them all; a message without them
 * did not come from it).
 */
export function parseStoredEvent(message: IncomingMessage, limits?: JsonLimits): ParsedStoredEvent {
  try {
    return parseUnguarded(message, limits);
  } catch (error) {
    return { reason: `could not be parsed: ${describeError(error)}` };
  }
}

function parseUnguarded(message: IncomingMessage, limits: JsonLimits | undefined): ParsedStoredEvent {
  const json = parseMessageJson(message, limits);
  if (!json.ok) return { reason: json.reason };
  const raw = json.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { reason: 'value is not a JSON object' };
  const { revision, position, recordedAt, ...envelope } = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (!Number.isSafeInteger(revision) || (revision as number) < 0) problems.push('revision: must be a non-negative integer');
  if (!Number.isSafeInteger(position) || (position as number) < 0) problems.push('position: must be a non-negative integer');
  if (typeof recordedAt !== 'string' || Number.isNaN(Date.parse(recordedAt))) problems.push('recordedAt: must be an ISO 8601 timestamp');
  let validation: ReturnType<typeof validateWithJsonSchema>;
  try {
    validation = validateWithJsonSchema(envelope, { form: 'stored' });
  } catch (error) {
    return { reason: `the validator failed: ${describeError(error)}` };
  }
  if (!validation.ok) problems.push(...validation.violations.map((v) => `${v.path || '(body)'}: ${v.messages.join('; ')}`));
  if (problems.length > 0 || !validation.ok) return { reason: `invalid event: ${problems.join(' | ')}` };
  const event = validation.event;
  const mismatches = envelopeMismatches(message, {
    [INTERACTION_HEADERS.eventId]: event.eventId,
    [INTERACTION_HEADERS.type]: event.type,
    [INTERACTION_HEADERS.customerId]: event.customerId,
    [INTERACTION_HEADERS.position]: String(position),
    [INTERACTION_HEADERS.schemaVersion]: envelope.schemaVersion === undefined ? undefined : String(envelope.schemaVersion),
  });
  if (mismatches.length > 0) return { reason: `envelope does not match the payload: ${mismatches.join(' | ')}` };
  const stored = { ...event, revision: revision as number, position: position as number, recordedAt: recordedAt as string } as StoredInteractionEvent;
  return { event: withTraceparent(stored, message.headers[TRACEPARENT_HEADER]) };
}

/** The key must be the customer id; each header must be present and, when the payload has the value, equal to it. */
function envelopeMismatches(message: IncomingMessage, expected: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (message.key === null) problems.push('key: missing (must be the customerId)');
  else if (message.key !== expected[INTERACTION_HEADERS.customerId]) problems.push('key: does not match customerId');
  for (const [name, value] of Object.entries(expected)) {
    const header = message.headers[name];
    if (header === undefined) problems.push(`header ${name}: missing`);
    else if (value !== undefined && header !== value) problems.push(`header ${name}: ${JSON.stringify(clip(header, 80))} is not the payload's ${JSON.stringify(value)}`);
  }
  return problems;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The original key, bytes and headers, plus why and where from. A null value or key becomes empty. */
export function toDeadLetterMessage({ message, reason }: DeadLetter): OutgoingMessage {
  return {
    key: message.key ?? '',
    value: message.valueBytes ?? message.value ?? '',
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: clip(reason, MAX_REASON_LENGTH),
      [DEAD_LETTER_HEADERS.sourceTopic]: message.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
    },
  };
}
