import type { StoredInteractionEvent } from '@crm/contracts';
import { validateInteractionEvent } from '@crm/contracts/edge';
import { ConsumerHandle, IncomingMessage, MessageBatch, MessageBroker, MessagePublisher, OutgoingMessage, TOPICS, TopicNames } from '@crm/messaging';
import { BatchResult, ProjectionRunner } from './projection-runner';

export interface KafkaProjectorOptions {
  /** @defaultValue 'crm-projector' */
  groupId?: string;
  topics?: Partial<TopicNames>;
  onBatch?: (info: { partition: number; result: BatchResult; deadLettered: number }) => void;
  /** A batch failed (Redis or Kafka unavailable, …): the consumer restarts and the batch comes again. */
  onError?: (error: Error) => void;
}

/** Why a message went to the dead-letter topic. */
export interface DeadLetter {
  message: IncomingMessage;
  reason: string;
}

/**
 * Kafka → views. One consumer group; each instance folds the partitions it owns. Offsets are
 * committed only after the views are in the read store, so a crash redelivers and the views'
 * position guard makes the redelivery a no-op. A message that fails validation or the view
 * function goes to the dead-letter topic and the partition keeps moving.
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
    this.handle = await this.broker.consume({
      topic: this.topics.interactions,
      groupId: this.options.groupId ?? 'crm-projector',
      fromBeginning: true,
      onError: this.options.onError,
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
    const messageOf = new Map<string, IncomingMessage>();
    for (const message of batch.messages) {
      const parsed = parseStoredEvent(message);
      if ('reason' in parsed) deadLetters.push({ message, reason: parsed.reason });
      else {
        events.push(parsed.event);
        messageOf.set(parsed.event.eventId, message);
      }
    }
    const result = await this.runner.applyBatch(events, null, { shard: `p${batch.partition}` });
    for (const { event, error } of result.failed) {
      deadLetters.push({ message: messageOf.get(event.eventId)!, reason: `view function failed: ${error.message}` });
    }
    // Downstream topics first, then (by returning) the offset commit: at-least-once everywhere.
    await Promise.all([
      this.publisher.publish(this.topics.interactionsDlq, deadLetters.map(toDeadLetterMessage)),
      this.publisher.publish(
        this.topics.customerViews,
        result.views.map((v) => ({
          key: v.customerId,
          value: JSON.stringify({ customerId: v.customerId, position: v.position, indexes: v.indexes, projectionVersion: v.view.projectionVersion, segment: v.view.segment ?? null, view: this.runner.present(v.view.state) }),
          headers: { position: String(v.position) },
        })),
      ),
      this.publisher.publish(
        this.topics.relationshipChanges,
        result.changes.map((c) => ({ key: c.customerId, value: JSON.stringify(c), headers: { eventId: c.eventId, key: c.key } })),
      ),
    ]);
    this.options.onBatch?.({ partition: batch.partition, result, deadLettered: deadLetters.length });
  }
}

/** Validates a message again at this edge: the envelope by the contract, the store fields by shape. */
export function parseStoredEvent(message: IncomingMessage): { event: StoredInteractionEvent } | { reason: string } {
  if (message.value === null) return { reason: 'empty message value' };
  let raw: unknown;
  try {
    raw = JSON.parse(message.value);
  } catch {
    return { reason: 'value is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { reason: 'value is not a JSON object' };
  const { revision, position, recordedAt, ...envelope } = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (!Number.isSafeInteger(revision) || (revision as number) < 0) problems.push('revision: must be a non-negative integer');
  if (!Number.isSafeInteger(position) || (position as number) < 0) problems.push('position: must be a non-negative integer');
  if (typeof recordedAt !== 'string' || Number.isNaN(Date.parse(recordedAt))) problems.push('recordedAt: must be an ISO 8601 timestamp');
  const validation = validateInteractionEvent(envelope);
  if (!validation.ok) problems.push(...validation.violations.map((v) => `${v.path || '(body)'}: ${v.messages.join('; ')}`));
  if (validation.ok && message.key !== null && message.key !== validation.event.customerId) problems.push('key: does not match customerId');
  if (problems.length > 0 || !validation.ok) return { reason: `invalid event: ${problems.join(' | ')}` };
  return { event: { ...validation.event, revision: revision as number, position: position as number, recordedAt: recordedAt as string } };
}

function toDeadLetterMessage({ message, reason }: DeadLetter): OutgoingMessage {
  return {
    key: message.key ?? '',
    value: message.value ?? '',
    headers: {
      ...message.headers,
      'dlq-reason': reason,
      'dlq-source-topic': message.topic,
      'dlq-source-partition': String(message.partition),
      'dlq-source-offset': message.offset,
    },
  };
}
