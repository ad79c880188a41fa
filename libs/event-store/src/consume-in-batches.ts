export interface ConsumeInBatchesOptions {
  /** Largest batch handed to the handler. */
  batchSize: number;
  /** How long a partly filled batch waits for more items. */
  flushAfterMs: number;
  /** Checked between items; true ends the loop after flushing what is buffered. */
  stopRequested: () => boolean;
}

const FLUSH = Symbol('flush');

/**
 * Reads an async iterable (a catch-up subscription) and hands it on in batches: full batches
 * at once during catch-up, a partial batch after `flushAfterMs` of quiet when live. One timer
 * per batch, not per item, so catch-up over millions of events stays cheap.
 */
export async function consumeInBatches<T>(
  source: AsyncIterable<T>,
  options: ConsumeInBatchesOptions,
  handle: (batch: T[]) => Promise<void>,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let buffer: T[] = [];
  let pending = iterator.next();
  const timer: { promise: Promise<typeof FLUSH> | null; handle?: NodeJS.Timeout } = { promise: null };
  const flush = async () => {
    clearTimeout(timer.handle);
    timer.promise = null;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    await handle(batch);
  };
  try {
    while (!options.stopRequested()) {
      if (buffer.length > 0 && !timer.promise) {
        timer.promise = new Promise((resolve) => {
          timer.handle = setTimeout(() => resolve(FLUSH), options.flushAfterMs);
        });
      }
      const next = timer.promise ? await Promise.race([pending, timer.promise]) : await pending;
      if (next === FLUSH) {
        await flush();
        continue;
      }
      if (next.done) break;
      buffer.push(next.value);
      pending = iterator.next();
      if (buffer.length >= options.batchSize) await flush();
    }
    await flush();
  } finally {
    clearTimeout(timer.handle);
  }
}
