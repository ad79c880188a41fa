import { randomUUID } from 'node:crypto';
import { Admin, Consumer, IHeaders, KafkaMessage, Kafka, KafkaConfig, logLevel, Partitioners, Producer, SASLOptions } from 'kafkajs';
import {
  ConsumeOptions,
  ConsumerHandle,
  IncomingMessage,
  MessageBroker,
  MessagePublisher,
  OutgoingMessage,
  TopicSpec,
} from '../messaging.port';

export interface KafkaMessagingOptions {
  /** Comma-separated host:port list. */
  brokers: string;
  /** @defaultValue 'crm-platform' */
  clientId?: string;
  /** @defaultValue logLevel.WARN */
  logLevel?: logLevel;
  /** TLS to the brokers: `true` (the system CAs) or tls.connect options (`ca`, `cert`, `key`). @defaultValue none (plaintext) */
  ssl?: KafkaConfig['ssl'];
  /** SASL authentication (plain, scram-sha-256, scram-sha-512). @defaultValue none */
  sasl?: SASLOptions;
  /** Where the client's own log entries go (the app's logger); unset: kafkajs's console logger. */
  log?: KafkaLogSink;
  /** Extra kafkajs settings (retry, timeouts); they override the above. */
  kafka?: Partial<KafkaConfig>;
}

export type KafkaLogSink = (level: 'error' | 'warn' | 'log' | 'debug', namespace: string, message: string, details: Record<string, unknown>) => void;

/**
 * kafkajs's entries mapped to the app's levels. An ERROR that kafkajs marks retriable, or that is
 * one of the broker's transient states (a leader election, a coordinator moving, a topic being
 * created), is a warning: the client retries it, and it is what a healthy cluster says while
 * partitions move (the tests create topics and groups all the time).
 */
export function kafkaLogCreator(sink: KafkaLogSink): KafkaConfig['logCreator'] {
  const transient = /leadership election|not the leader|no leader|coordinator (is )?not available|NOT_COORDINATOR|LEADER_NOT_AVAILABLE|UNKNOWN_TOPIC_OR_PARTITION|rebalanc/i;
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _t, logger: _l, ...details } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
    const text = `${message}${typeof details.error === 'string' ? `: ${details.error}` : ''}`;
    if (level === logLevel.ERROR || level === logLevel.NOTHING) sink(details.retriable === true || transient.test(text) ? 'warn' : 'error', namespace, text, details);
    else if (level === logLevel.WARN) sink('warn', namespace, text, details);
    else if (level === logLevel.INFO) sink('log', namespace, text, details);
    else sink('debug', namespace, text, details);
  };
}

export function createKafka(options: KafkaMessagingOptions): Kafka {
  return new Kafka({
    clientId: options.clientId ?? 'crm-platform',
    brokers: options.brokers.split(',').map((b) => b.trim()),
    logLevel: options.logLevel ?? logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 100 },
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    ...(options.log === undefined ? {} : { logCreator: kafkaLogCreator(options.log) }),
    ...options.kafka,
  });
}

/** Idempotent producer with acks=all: a retried send is never duplicated by the broker. */
export class KafkaPublisher extends MessagePublisher {
  private connected: Promise<void> | null = null;
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    /** Upper bound of the payload of one send. @defaultValue 512 KiB */
    private readonly maxRequestBytes = 512 * 1024,
  ) {
    super();
    // The default partitioner named: kafkajs 2 warns on every producer otherwise. It is murmur2 on
    // the key, the Java client's: a customer's events go to one partition whichever client sent them.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    // One send is one record batch per partition, and the broker refuses batches over
    // message.max.bytes (1 MiB by default): split big publishes into bounded sends, in order.
    for (const chunk of chunksBySize(messages, this.maxRequestBytes)) {
      await this.producer.send({
        topic,
        acks: -1,
        messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}

export class KafkaBroker extends MessageBroker {
  private readonly consumers = new Set<Consumer>();
  private admin: Admin | null = null;

  constructor(private readonly kafka: Kafka) {
    super();
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions ?? 6,
          replicationFactor: -1,
          configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // Another instance (or another module of this one) created them between list and create: fine.
      const now = new Set(await admin.listTopics());
      if (!missing.every((t) => now.has(t.topic))) throw error;
    }
  }

  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // Short session so a killed instance's partitions move to the others quickly.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      // kafkajs waits 5 s by default, and disconnect() waits for that fetch: shutdowns took 5 s per consumer.
      maxWaitTimeInMs: options.maxWaitMs ?? 1000,
      // A handler error is never a reason to stop consuming for good: restart (the batch is
      // redelivered from the committed offset) and say so through onError.
      retry: { retries: 8, initialRetryTime: 300, restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.CRASH, (event) => options.onError?.(event.payload.error));
    if (options.onAssignment) consumer.on(consumer.events.GROUP_JOIN, () => options.onAssignment?.());
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      // Partitions are independent (per-customer order lives inside one), so fold several at once.
      partitionsConsumedConcurrently: options.concurrency ?? 3,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages = batch.messages.map((m) => incomingMessage(batch.topic, batch.partition, m));
        try {
          await options.eachBatch({ topic: batch.topic, partition: batch.partition, messages });
        } catch (error) {
          throw asRestartableError(error);
        }
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        // The committed offset is the next one to read.
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  /**
   * A consumer of a fresh group (deleted afterwards; it never commits) from the earliest offset,
   * until each partition reached the high watermark fetched at the start. Progress is tracked on
   * kafkajs' END_BATCH_PROCESS, which also reports batches of only control records, so a partition
   * whose last offsets are not messages still ends. At most a few batches wait for the reader.
   */
  async endOffsets(topic: string): Promise<Map<number, string>> {
    const admin = await this.adminClient();
    return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, high]));
  }

  async *readTopic(topic: string): AsyncIterable<IncomingMessage> {
    const admin = await this.adminClient();
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist`);
    const ends = new Map<number, bigint>();
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
    }
    if (ends.size === 0) return;
    const groupId = `crm-read-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, retry: { retries: 5, restartOnFailure: async () => false } });
    const queue: IncomingMessage[][] = [];
    const remaining = new Set(ends.keys());
    // Set from kafkajs callbacks: an object, so the loop below does not take them for constants.
    const state: { failure: Error | null; stopped: boolean; wake: (() => void) | null; drained: (() => void) | null } = { failure: null, stopped: false, wake: null, drained: null };
    const notify = () => {
      state.wake?.();
      state.wake = null;
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = ends.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end && remaining.delete(payload.partition)) notify();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      state.failure = payload.error;
      notify();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.partition);
          const messages = end === undefined ? [] : batch.messages.filter((m) => BigInt(m.offset) < end).map((m) => incomingMessage(topic, batch.partition, m));
          if (messages.length === 0) return;
          queue.push(messages);
          notify();
          while (queue.length >= 4 && !state.stopped) await new Promise<void>((resolve) => (state.drained = resolve));
        },
      });
      for (;;) {
        const next = queue.shift();
        if (next) {
          state.drained?.();
          state.drained = null;
          yield* next;
          continue;
        }
        if (state.failure) throw state.failure;
        if (remaining.size === 0) return;
        await new Promise<void>((resolve) => (state.wake = resolve));
      }
    } finally {
      state.stopped = true;
      state.drained?.();
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await this.admin?.disconnect();
    this.admin = null;
  }
}

/** Consecutive chunks whose estimated size stays under the limit (a single larger message goes alone). */
export function chunksBySize(messages: readonly OutgoingMessage[], maxBytes: number): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let size = 0;
  for (const m of messages) {
    let bytes = Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + 64;
    for (const [name, value] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * kafkajs gives up for good (no retry, no restart, on every partition of the member) when a
 * handler throws a RangeError, ReferenceError, SyntaxError or TypeError, or a kafkajs error
 * marked not retriable (a producer's "message too large", say). A handler error is about one
 * batch, so it becomes a plain Error with the original as its cause: retried, then the
 * consumer restarts from the committed offset and the batch comes again.
 */
export function asRestartableError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const wrapped = new Error(`batch handler failed: ${original.name}: ${original.message}`, { cause: original });
  wrapped.name = 'BatchHandlerError';
  return wrapped;
}

function incomingMessage(topic: string, partition: number, m: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString() : null,
    value: m.value ? m.value.toString() : null,
    valueBytes: m.value,
    headers: decodeHeaders(m.headers),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    result[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return result;
}
