import type { StoredInteractionEvent } from '@crm/contracts';
import { EventStore, RecordedEvent, toStoredInteractionEvent } from '@crm/event-store';
import { CUSTOMER_STREAM_PREFIX } from '@crm/contracts';
import { ReadStore, ViewRecord } from '@crm/read-store';
import { CustomerProjection } from './customer-projection';

export interface ProjectionRunnerOptions {
  /** Events folded per read-store commit. @defaultValue 500 */
  batchSize?: number;
  /** How long a partly filled batch waits for more events before it is committed. @defaultValue 5 */
  flushAfterMs?: number;
  /** Called after each committed batch. */
  onCommit?: (info: { events: number; views: number; checkpoint: number }) => void;
}

/** The stored view: the projection's view plus the projection version that produced it. */
export interface ProjectedView<V = unknown> {
  projectionVersion: string;
  state: V;
}

export interface BatchResult {
  applied: number;
  skipped: number;
  views: number;
  checkpoint: number;
}

const FLUSH = Symbol('flush');

/**
 * Folds the global log into views. Exactly-once effect without distributed transactions:
 * each view records the position of the last event folded into it and events at or below
 * it are skipped, and views and checkpoint are committed together. So a crash anywhere
 * replays from the last checkpoint and the replayed events change nothing twice.
 */
export class ProjectionRunner<V> {
  private readonly batchSize: number;
  private readonly flushAfterMs: number;
  private stopRequested = false;
  private running: Promise<void> | null = null;
  private subscription: { close(): Promise<void> } | null = null;
  private checkpoint = -1;

  constructor(
    private readonly eventStore: EventStore,
    private readonly readStore: ReadStore,
    private readonly projection: CustomerProjection<V>,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.flushAfterMs = options.flushAfterMs ?? 5;
  }

  get checkpointName(): string {
    return this.projection.name;
  }

  /** Position of the last committed event (-1 before the first). */
  get position(): number {
    return this.checkpoint;
  }

  /** Folds one batch of events (in global order) and commits views and checkpoint atomically. */
  async applyBatch(events: readonly StoredInteractionEvent[], checkpoint?: number): Promise<BatchResult> {
    const ids = [...new Set(events.map((e) => e.customerId))];
    const existing = await this.readStore.getViews<ProjectedView<V>>(ids);
    const changed = new Map<string, ViewRecord<ProjectedView<V>>>();
    let applied = 0;
    let skipped = 0;
    for (const event of events) {
      const current = changed.get(event.customerId) ?? existing.get(event.customerId);
      if (current && event.position <= current.position) {
        skipped++;
        continue;
      }
      const state = this.projection.evolve(current ? current.view.state : this.projection.initial(event.customerId), event);
      changed.set(event.customerId, {
        customerId: event.customerId,
        position: event.position,
        indexes: {},
        view: { projectionVersion: this.projection.version, state },
      });
      applied++;
    }
    for (const record of changed.values()) record.indexes = this.projection.indexes(record.view.state);
    const last = checkpoint ?? (events.length > 0 ? events[events.length - 1].position : this.checkpoint);
    const views = [...changed.values()];
    await this.readStore.commit({ views, checkpoint: { name: this.checkpointName, position: last } });
    this.checkpoint = last;
    this.options.onCommit?.({ events: events.length, views: views.length, checkpoint: last });
    return { applied, skipped, views: views.length, checkpoint: last };
  }

  /** Starts the catch-up-then-live loop from the stored checkpoint. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopRequested = false;
    this.checkpoint = await this.readStore.getCheckpoint(this.checkpointName);
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.subscription?.close();
    await this.running;
  }

  /** Resolves once every event up to `position` is committed (or rejects after the timeout). */
  async waitForPosition(position: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.checkpoint < position) {
      if (Date.now() > deadline) throw new Error(`projector did not reach position ${position} (at ${this.checkpoint})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async loop(): Promise<void> {
    const subscription = this.eventStore.subscribeToAll({ after: this.checkpoint, streamPrefix: CUSTOMER_STREAM_PREFIX });
    this.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let buffer: StoredInteractionEvent[] = [];
    let pending = iterator.next();
    // One timer per batch, not per event, so catch-up over millions of events stays cheap.
    const timer: { promise: Promise<typeof FLUSH> | null; handle?: NodeJS.Timeout } = { promise: null };
    const flush = async () => {
      clearTimeout(timer.handle);
      timer.promise = null;
      if (buffer.length === 0) return;
      const batch = buffer;
      buffer = [];
      await this.applyBatch(batch);
    };
    try {
      while (!this.stopRequested) {
        if (buffer.length > 0 && !timer.promise) {
          timer.promise = new Promise((resolve) => {
            timer.handle = setTimeout(() => resolve(FLUSH), this.flushAfterMs);
          });
        }
        const next: IteratorResult<RecordedEvent> | typeof FLUSH = timer.promise ? await Promise.race([pending, timer.promise]) : await pending;
        if (next === FLUSH) {
          await flush();
          continue;
        }
        if (next.done) break;
        buffer.push(toStoredInteractionEvent(next.value));
        pending = iterator.next();
        if (buffer.length >= this.batchSize) await flush();
      }
      await flush();
    } finally {
      clearTimeout(timer.handle);
      await subscription.close();
    }
  }
}
