/**
 * The messaging port: keyed messages on partitioned topics, consumed in groups with
 * at-least-once delivery. Offsets are committed only after the handler's batch resolved,
 * so a crash redelivers (consumers must be idempotent). Same-key messages keep their order.
 */

export interface OutgoingMessage {
  /** Partitioning key: all messages of one key land in one partition, in order. */
  key: string;
  /** Text, or bytes passed through as they are (a dead letter keeps the original bytes). */
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka offsets exceed 2^53 in principle. */
  offset: string;
  key: string | null;
  /** The value decoded as UTF-8 (bytes that are not valid UTF-8 become U+FFFD). */
  value: string | null;
  /** The value's bytes as the transport delivered them, when it has bytes (Kafka); check them with isUtf8. */
  valueBytes?: Buffer | null;
  headers: Record<string, string>;
}

export interface MessageBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
}

export interface ConsumeOptions {
  topic: string;
  groupId: string;
  /** Where a group without committed offsets starts. @defaultValue true */
  fromBeginning?: boolean;
  /** Partitions handled at once by this member (order within each is kept). @defaultValue 3 */
  concurrency?: number;
  /**
   * Longest a fetch waits for new messages on an idle topic. Stopping a consumer waits for its
   * fetch in flight, so this bounds how long a shutdown takes. @defaultValue 1000
   */
  maxWaitMs?: number;
  /** Told when a batch handler failed and the consumer restarts (the batch comes again). */
  onError?: (error: Error) => void;
  /**
   * Told after the group rebalanced (this member joined, or others joined or left): the
   * partitions it handles may have changed, so anything it keeps per key must be dropped.
   * Also told when the member first joins.
   */
  onAssignment?: () => void;
  /**
   * Resolving commits the batch's offsets; throwing (any error, whatever its type) redelivers
   * it after a restart of the consumer: a handler error never stops consuming for good.
   */
  eachBatch: (batch: MessageBatch) => Promise<void>;
}

export interface ConsumerHandle {
  /** Stops fetching, waits for the batch in hand, commits, leaves the group. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  /** @defaultValue 6 */
  partitions?: number;
  /** Broker configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
}

/** Publishes keyed messages; resolves once the broker acknowledged all of them (acks=all). */
export abstract class MessagePublisher {
  abstract publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  abstract close(): Promise<void>;
}

/** Starts group consumers and manages topics. */
export abstract class MessageBroker {
  abstract ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  abstract consume(options: ConsumeOptions): Promise<ConsumerHandle>;
  /**
   * Every message of `topic` as it stands now: each partition from its oldest retained message
   * up to its high watermark at the call (messages published meanwhile are not waited for), in
   * offset order within a partition. Reads outside any consumer group's committed offsets, for
   * tools that inspect a topic (the dead-letter redrive lists the DLQ with it).
   */
  abstract readTopic(topic: string): AsyncIterable<IncomingMessage>;
  /**
   * The offset the next message of each partition of `topic` will get (Kafka's high watermark),
   * as a decimal string: with a consumer's last processed offset, its lag per partition.
   */
  abstract endOffsets(topic: string): Promise<Map<number, string>>;
  abstract close(): Promise<void>;
}

/** Topics of the platform (infra/kafka/create-topics.sh creates the same). */
export const TOPICS = {
  interactions: 'crm.interactions.v1',
  interactionsDlq: 'crm.interactions.dlq.v1',
  customerViews: 'crm.customer-views.v1',
  relationshipChanges: 'crm.relationship-changes.v1',
} as const;

/** The topic names a deployment uses (the defaults, or prefixed ones for tests and tenants). */
export type TopicNames = { [K in keyof typeof TOPICS]: string };

/**
 * Header names of a message on crm.interactions.v1: the relay sets them all, the projector
 * requires them and checks them against the payload (infra/asyncapi.yaml documents them).
 */
export const INTERACTION_HEADERS = {
  eventId: 'eventId',
  type: 'type',
  schemaVersion: 'schemaVersion',
  position: 'position',
  customerId: 'customerId',
  contentType: 'content-type',
} as const;

/** Headers the projector adds to a dead letter (the original headers are kept). */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
} as const;

const EIGHT_MIB = String(8 * 1024 * 1024);

export const platformTopics = (partitions = 6, names: TopicNames = TOPICS): TopicSpec[] => [
  { topic: names.interactions, partitions },
  // A dead letter is the original message plus headers: above the interactions topic's limit, so any fits.
  { topic: names.interactionsDlq, partitions: 1, config: { 'max.message.bytes': EIGHT_MIB } },
  // A view can outgrow the 1 MiB default for a customer with a long history.
  { topic: names.customerViews, partitions, config: { 'cleanup.policy': 'compact', 'max.message.bytes': EIGHT_MIB } },
  { topic: names.relationshipChanges, partitions },
];
