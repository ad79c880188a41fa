/** Reads an async iterable to the end. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export interface WaitForOptions {
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** @defaultValue 10 */
  intervalMs?: number;
  /** Added to the timeout error, to say what was awaited. */
  message?: string;
}

/** Polls `condition` until it is truthy (then returns it) or the timeout passes; never a fixed sleep. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
    if (Date.now() >= deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms${options.message ? `: ${options.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Consumes an async iterable in the background: `items` fills as values arrive, `finished`
 * settles when the iteration ends (rejects if it throws).
 */
export function consumeInBackground<T>(iterable: AsyncIterable<T>): { items: T[]; finished: Promise<void> } {
  const items: T[] = [];
  const finished = (async () => {
    for await (const item of iterable) items.push(item);
  })();
  // Observed by the caller through `finished`; avoid an unhandled rejection before it awaits.
  finished.catch(() => undefined);
  return { items, finished };
}

/** Rejects when `promise` has not settled within `ms`; for asserting that something ends promptly. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
