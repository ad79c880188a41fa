import { EventEmitter } from 'node:events';
import {
  ConsumeOptions,
  ConsumerHandle,
  IncomingMessage,
  MessageBroker,
  MessagePublisher,
  OutgoingMessage,
  TopicSpec,
} from '../messaging.port';

interface Member {
  id: number;
  options: ConsumeOptions;
  partitions: number[];
  stopped: boolean;
  loop: Promise<void>;
}

/** Same partitioning idea as Kafka's: a stable hash of the key (FNV-1a here, not murmur2). */
export function partitionFor(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

interface PartitionLog {
  /** Offset of messages[0]: older messages were dropped by retention. */
  base: number;
  messages: IncomingMessage[];
}

/**
 * The embedded bus: partitioned topics in memory with consumer groups, committed offsets and
 * at-least-once redelivery, the semantics of the Kafka adapter in one process. Nothing is
 * durable: in the embedded mode the event store is the durable log and this only fans out.
 * Retention keeps the last `retainPerPartition` messages, like a size-bounded Kafka topic;
 * a group that fell further behind resumes at the oldest retained message.
 */
export class InProcessBus {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly committed = new Map<string, number>();
  private readonly groups = new Map<string, Member[]>();
  private readonly signal = new EventEmitter().setMaxListeners(0);
  private nextMemberId = 0;

  constructor(
    private readonly defaultPartitions = 6,
    private readonly retainPerPartition = 10_000,
  ) {}

  ensureTopic(spec: TopicSpec): PartitionLog[] {
    let partitions = this.topics.get(spec.topic);
    if (!partitions) {
      partitions = Array.from({ length: spec.partitions ?? this.defaultPartitions }, () => ({ base: 0, messages: [] }));
      this.topics.set(spec.topic, partitions);
    }
    return partitions;
  }

  publish(topic: string, messages: readonly OutgoingMessage[]): void {
    const partitions = this.ensureTopic({ topic });
    for (const m of messages) {
      const partition = partitionFor(m.key, partitions.length);
      const log = partitions[partition];
      const offset = log.base + log.messages.length;
      const value = typeof m.value === 'string' ? { value: m.value } : { value: m.value.toString(), valueBytes: Buffer.from(m.value) };
      log.messages.push({ topic, partition, offset: String(offset), key: m.key, ...value, headers: { ...(m.headers ?? {}) } });
      if (log.messages.length > this.retainPerPartition) {
        const drop = log.messages.length - this.retainPerPartition;
        log.messages.splice(0, drop);
        log.base += drop;
      }
    }
    this.signal.emit('append');
  }

  /** The messages retained now, partition by partition (a copy: later publishes are not in it). */
  endOffsets(topic: string): Map<number, string> {
    return new Map(this.ensureTopic({ topic }).map((log, partition) => [partition, String(log.base + log.messages.length)]));
  }

  snapshot(topic: string): IncomingMessage[] {
    return this.ensureTopic({ topic }).flatMap((log) => [...log.messages]);
  }

  join(options: ConsumeOptions): ConsumerHandle {
    const groupKey = `${options.groupId}\u0000${options.topic}`;
    const members = this.groups.get(groupKey) ?? [];
    this.groups.set(groupKey, members);
    // A new group that starts at the end: pin the end now, or messages published meanwhile would be skipped.
    if (options.fromBeginning === false) {
      this.ensureTopic({ topic: options.topic }).forEach((log, partition) => {
        const key = `${groupKey}\u0000${partition}`;
        if (!this.committed.has(key)) this.committed.set(key, log.base + log.messages.length);
      });
    }
    const member: Member = { id: this.nextMemberId++, options, partitions: [], stopped: false, loop: Promise.resolve() };
    members.push(member);
    this.rebalance(groupKey, options.topic);
    member.loop = this.run(member, groupKey);
    return {
      stop: async () => {
        member.stopped = true;
        this.signal.emit('append');
        await member.loop;
        members.splice(members.indexOf(member), 1);
        this.rebalance(groupKey, options.topic);
      },
    };
  }

  private rebalance(groupKey: string, topic: string): void {
    const members = this.groups.get(groupKey) ?? [];
    const count = this.ensureTopic({ topic }).length;
    members.forEach((m) => (m.partitions = []));
    for (let p = 0; p < count && members.length > 0; p++) members[p % members.length].partitions.push(p);
    for (const m of members) m.options.onAssignment?.();
  }

  private async run(member: Member, groupKey: string): Promise<void> {
    const { options } = member;
    const maxBatch = 500;
    while (!member.stopped) {
      let delivered = false;
      for (const partition of member.partitions) {
        const log = this.ensureTopic({ topic: options.topic })[partition];
        const key = `${groupKey}\u0000${partition}`;
        const end = log.base + log.messages.length;
        const from = Math.max(log.base, this.committed.get(key) ?? (options.fromBeginning === false ? end : 0));
        if (from >= end) continue;
        const messages = log.messages.slice(from - log.base, from - log.base + maxBatch);
        try {
          await options.eachBatch({ topic: options.topic, partition, messages });
          this.committed.set(key, from + messages.length);
        } catch (error) {
          options.onError?.(error instanceof Error ? error : new Error(String(error)));
          // Not committed: redelivered on the next round, after a pause.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        delivered = true;
        if (member.stopped) return;
      }
      if (!delivered) await new Promise<void>((resolve) => this.signal.once('append', () => resolve()));
    }
  }
}

export class InProcessPublisher extends MessagePublisher {
  constructor(private readonly bus: InProcessBus) {
    super();
  }
  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.bus.publish(topic, messages);
  }
  async close(): Promise<void> {}
}

export class InProcessBroker extends MessageBroker {
  private readonly handles = new Set<ConsumerHandle>();
  constructor(private readonly bus: InProcessBus) {
    super();
  }
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    topics.forEach((t) => this.bus.ensureTopic(t));
  }
  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    const handle = this.bus.join(options);
    this.handles.add(handle);
    return { stop: async () => { this.handles.delete(handle); await handle.stop(); } };
  }
  async *readTopic(topic: string): AsyncIterable<IncomingMessage> {
    yield* this.bus.snapshot(topic);
  }
  async endOffsets(topic: string): Promise<Map<number, string>> {
    return this.bus.endOffsets(topic);
  }
  async close(): Promise<void> {
    await Promise.all([...this.handles].map((h) => h.stop()));
    this.handles.clear();
  }
}
