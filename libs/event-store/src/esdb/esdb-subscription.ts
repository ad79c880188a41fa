import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import { EventStoreUnavailableError, type RecordedEvent, type Subscription } from '../event-store.port';
import { toStoreError } from './esdb.mapping';

export interface EsdbSubscriptionOptions {
  /** Drops what the caller must not see (system events, other prefixes, positions <= after). */
  convert: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined;
  /** Called once when the subscription closes, so the store can forget it. */
  onClosed: (subscription: EsdbSubscription) => void;
}

/**
 * Wraps the client's catch-up subscription to $all. The client's readable does not end when it is
 * unsubscribed (the cancelled gRPC call is swallowed), so a pending `next()` is raced against
 * `close()` instead of waiting for the stream to end. Single-use, like the SQLite subscription.
 */
export class EsdbSubscription implements Subscription {
  private closed = false;
  private readonly closedSignal: Promise<{ done: true; value: undefined }>;
  private signalClosed!: () => void;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;

  constructor(
    private readonly source: AllStreamSubscription,
    private readonly options: EsdbSubscriptionOptions,
  ) {
    this.closedSignal = new Promise((resolve) => {
      this.signalClosed = () => resolve({ done: true, value: undefined });
    });
    // The server call starts now, iteration maybe later: without a listener an early error would
    // be an uncaught 'error' event. The iterator still sees it (the stream stays errored).
    source.on('error', () => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  /** Ends the iteration (a pending `next()` resolves with `done` right away) and cancels the server call. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signalClosed();
    this.options.onClosed(this);
    try {
      await this.source.unsubscribe();
    } finally {
      // The readable never ends by itself after unsubscribe; destroying it frees its buffer.
      this.source.destroy();
    }
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    const events = this.source[Symbol.asyncIterator]();
    try {
      while (!this.closed) {
        const pending = events.next();
        // Left pending when close() wins the race; its late rejection is not an error of ours.
        pending.catch(() => undefined);
        let step: IteratorResult<AllStreamResolvedEvent>;
        try {
          step = await Promise.race([pending, this.closedSignal]);
        } catch (error) {
          if (this.closed) return;
          throw toStoreError(error);
        }
        if (this.closed) return;
        // Only close() ends a subscription; the server ending it (node shutdown, leader change) is an outage.
        if (step.done) throw new EventStoreUnavailableError('the server ended the subscription');
        const event = this.options.convert(step.value);
        if (event === undefined) continue;
        yield event;
      }
    } finally {
      // Reached when the consumer breaks out of for-await too.
      await this.close();
    }
  }
}
