import type { RecordedEvent, Subscription } from '../event-store.port';

/** What a subscription needs from its store: a paged read and an in-process append signal. */
export interface SubscriptionSource {
  /** Up to `limit` events with a position strictly greater than `after`, in position order. */
  readPage(after: number, limit: number): RecordedEvent[];
  /** Calls `listener` after every commit of this store instance; returns the unregister function. */
  onAppend(listener: () => void): () => void;
}

export interface SqliteSubscriptionOptions {
  after: number;
  pageSize: number;
  pollIntervalMs: number;
  /** Called once when the subscription closes, so the store can forget it. */
  onClosed: (subscription: SqliteSubscription) => void;
}

/**
 * Catch-up then live. Live mode waits for whichever comes first: the store's in-process append
 * signal (immediate) or the poll timer (sees appends made by other processes on the same file).
 * Single-use: iterating it twice continues the same iteration.
 */
export class SqliteSubscription implements Subscription {
  private closed = false;
  private position: number;
  /** Set when an append signal arrives while nobody waits, so it is not lost. */
  private wakePending = false;
  private wakeWaiter: (() => void) | undefined;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;
  private readonly unregister: () => void;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly options: SqliteSubscriptionOptions,
  ) {
    this.position = options.after;
    this.unregister = source.onAppend(() => this.wake());
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  /** Ends the iteration: a pending `next()` resolves with `done` right away. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    this.wake();
    this.options.onClosed(this);
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    try {
      while (!this.closed) {
        // Cleared before reading: a commit signalled after this point is not in the page.
        this.wakePending = false;
        const page = this.source.readPage(this.position, this.options.pageSize);
        for (const event of page) {
          // The consumer may close (or the store may close) while we are suspended at yield.
          if (this.closed) return;
          this.position = event.position;
          yield event;
        }
        if (this.closed) return;
        if (page.length === this.options.pageSize) {
          // Still catching up; let timers and I/O run between pages.
          await new Promise<void>((resolve) => setImmediate(resolve));
        } else {
          await this.waitForAppend();
        }
      }
    } finally {
      // Reached when the consumer breaks out of for-await too.
      await this.close();
    }
  }

  private waitForAppend(): Promise<void> {
    if (this.wakePending || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWaiter = undefined;
        resolve();
      }, this.options.pollIntervalMs);
      this.wakeWaiter = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        resolve();
      };
    });
  }

  private wake(): void {
    if (this.wakeWaiter) this.wakeWaiter();
    else this.wakePending = true;
  }
}
