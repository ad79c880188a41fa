import { CUSTOMER_STREAM_PREFIX, type StoredInteractionEvent } from '@crm/contracts';
import { CatchUpLoop, EventStore, toStoredInteractionEvent } from '@crm/event-store';
import { MessagePublisher, TOPICS, toInteractionMessage } from '@crm/messaging';
import { ReadStore } from '@crm/read-store';


export interface EventRelayOptions {
  /** @defaultValue 'crm.interactions.v1' */
  topic?: string;
  /** Events per Kafka send. @defaultValue 500 */
  batchSize?: number;
  /** @defaultValue 5 */
  flushAfterMs?: number;
  onPublished?: (info: { events: number; checkpoint: number; published: readonly StoredInteractionEvent[]; startedAt: number }) => void;
  onPublishError?: (error: Error, attempt: number) => void;
  /** Where the checkpoint was kept before (the base keyspace of the read models): read when `checkpoints` has none. */
  formerCheckpoints?: ReadStore;
}

/**
 * Event store → Kafka. The checkpoint advances only after the broker acknowledged the batch
 * (acks=all), so a crash re-sends at most the last unacknowledged batch: duplicates are
 * possible, losses are not; the projector skips what its views already reflect.
 */
export class EventRelay {
  private readonly topic: string;
  private readonly loop: CatchUpLoop;
  private stopRequested = false;
  private checkpoint = -1;

  constructor(
    private readonly eventStore: EventStore,
    private readonly publisher: MessagePublisher,
    /** Keeps the relay's checkpoint (the control store of the read models: it outlives their generations). */
    private readonly checkpoints: ReadStore,
    private readonly options: EventRelayOptions = {},
  ) {
    this.topic = options.topic ?? TOPICS.interactions;
    this.loop = new CatchUpLoop(eventStore, { streamPrefix: CUSTOMER_STREAM_PREFIX, batchSize: options.batchSize, flushAfterMs: options.flushAfterMs });
  }

  get checkpointName(): string {
    return `relay:${this.topic}`;
  }

  get position(): number {
    return this.checkpoint;
  }

  async start(): Promise<void> {
    if (this.loop.isRunning) return;
    this.stopRequested = false;
    this.checkpoint = await this.checkpoints.getCheckpoint(this.checkpointName);
    // Kept before the read models had generations in the base keyspace (generation 0): carried over once.
    if (this.checkpoint === -1 && this.options.formerCheckpoints) {
      this.checkpoint = await this.options.formerCheckpoints.getCheckpoint(this.checkpointName);
    }
    this.loop.start(this.checkpoint, async (batch) => {
      const startedAt = Date.now();
      const events = batch.map(toStoredInteractionEvent);
      const messages = events.map(toInteractionMessage);
      // Kafka unreachable: keep the batch and retry with backoff; nothing moves past it.
      for (let attempt = 0; ; attempt++) {
        try {
          await this.publisher.publish(this.topic, messages);
          break;
        } catch (error) {
          if (this.stopRequested) throw error;
          this.options.onPublishError?.(error as Error, attempt);
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
      const last = events[events.length - 1].position;
      await this.checkpoints.commit({ views: [], checkpoint: { name: this.checkpointName, position: last } });
      this.checkpoint = last;
      this.options.onPublished?.({ events: events.length, checkpoint: last, published: events, startedAt });
    });
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.loop.stop();
  }

  async status(): Promise<{ checkpoint: number; head: number; lag: number }> {
    const head = await this.eventStore.headPosition();
    return { checkpoint: this.checkpoint, head, lag: Math.max(0, head - this.checkpoint) };
  }
}
