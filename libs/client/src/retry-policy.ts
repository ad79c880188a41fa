/**
 * When the client sends a request again. Every retry is safe: the eventId of each event is its
 * idempotency key, so an event stored by an attempt whose answer was lost comes back as a
 * duplicate with its original position, never stored twice.
 */

/**
 * Statuses that a later attempt of the same request can turn into a success: a rate limit,
 * an overloaded or restarting server, a gateway that lost it, and 408 (the server gave up
 * waiting for the body). Any other status is the request's fault (400, 401, 403, 404, 409,
 * 413, 415) and is reported at once.
 */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export const isRetriableStatus = (status: number): boolean => RETRIABLE_STATUSES.has(status);

/**
 * The delay before retry number `retry` (0 for the first): exponential from `baseMs`, capped at
 * `maxMs`, with "equal jitter" (half of it fixed, half random) so that publishers which failed
 * together do not come back together, while the wait still grows with every attempt.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * `Retry-After` in milliseconds: delay-seconds (`2`) or an HTTP date, relative to `nowMs`;
 * undefined when absent or not one of those (then the backoff applies).
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined; // "1.5", "-1": neither form
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
