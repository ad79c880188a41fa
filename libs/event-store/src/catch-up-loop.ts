import { consumeInBatches } from './consume-in-batches';
import { EventStore, RecordedEvent, Subscription } from './event-store.port';

export interface CatchUpLoopOptions {
  /** Only streams with this prefix. */
  streamPrefix?: string;
  /** @defaultValue 500 */
  batchSize?: number;
  /** @defaultValue 5 */
  flushAfterMs?: number;
}

/**
 * A checkpointed reader of the global log: from a position, catch up then follow live,
 * handing batches to `handle` one at a time until stopped. The caller stores its checkpoint
 * inside `handle` (projector: with the views; relay: after Kafka acknowledged).
 */
export class CatchUpLoop {
  private stopRequested = false;
  private subscription: Subscription | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly eventStore: EventStore,
    private readonly options: CatchUpLoopOptions = {},
  ) {}

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Starts reading after `position`; a second start while running does nothing. */
  start(position: number, handle: (batch: RecordedEvent[]) => Promise<void>): void {
    if (this.running) return;
    this.stopRequested = false;
    const subscription = this.eventStore.subscribeToAll({ after: position, streamPrefix: this.options.streamPrefix });
    this.subscription = subscription;
    this.running = consumeInBatches(
      subscription,
      { batchSize: this.options.batchSize ?? 500, flushAfterMs: this.options.flushAfterMs ?? 5, stopRequested: () => this.stopRequested },
      handle,
    ).finally(async () => {
      await subscription.close();
      this.running = null;
    });
  }

  /** Flushes what is buffered, ends the subscription and waits for the loop. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.subscription?.close();
    await this.running;
  }
}
