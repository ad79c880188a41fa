import type { InteractionEvent } from '@crm/contracts';
import { CrmAbortedError, CrmClientError, CrmNetworkError, errorFromResponse } from './crm-client.errors';
import { isBatchResponseBody, isEventOutcome, type BatchEventResult, type PublishBatchResult, type PublishedEvent, type SkippedEvent } from './publish-results';
import { backoffDelay, parseRetryAfter } from './retry-policy';

/** The most events the ingest API takes in one batch request by default (its BATCH_MAX_EVENTS). */
export const DEFAULT_BATCH_SIZE = 1000;

/** What a retry is about to do, for logs and counters. */
export interface RetryInfo {
  operation: 'publish' | 'publishBatch';
  /** 1 for the first retry of the request (of the chunk, in publishBatch). */
  retry: number;
  maxRetries: number;
  /** How long the client waits before it: Retry-After when the API sent one, else the backoff. */
  delayMs: number;
  /** `HTTP 503: …`, `network error: fetch failed (ECONNREFUSED)`, `3 events failed with a retriable error (HTTP 207)`. */
  reason: string;
  /** The status that caused it; undefined after a network error or timeout. */
  status?: number;
  /** The error the client would have thrown had it not retried (none for a 207's failed events). */
  error?: CrmClientError;
  /** Events the retry sends (a 207's retry sends only the retriable failures). */
  events: number;
}

export interface CrmClientOptions {
  /** Base URL of the ingest API (or the all-in-one platform), e.g. `http://localhost:3000`; a path prefix is kept. */
  baseUrl: string;
  /** An API key with the `publish` scope, sent as `Authorization: Bearer <apiKey>`. @defaultValue none: the API answers 401 */
  apiKey?: string;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Retries of one request (of one chunk in publishBatch) after a network error, a timeout, 408, 429, 500, 502, 503, 504 or a 207's retriable failures. @defaultValue 8 */
  maxRetries?: number;
  /** First delay of the exponential backoff (doubled each retry, with jitter). @defaultValue 250 ms */
  retryBaseMs?: number;
  /** Longest wait before a retry. A Retry-After longer than this is not waited for: the error is thrown. @defaultValue 30000 ms */
  maxRetryDelayMs?: number;
  /** Time limit of each attempt, the body of the answer included (AbortSignal.timeout). @defaultValue 30000 ms */
  timeoutMs?: number;
  /** Events per batch request; publishBatch splits longer lists. At most the API's BATCH_MAX_EVENTS. @defaultValue 1000 */
  batchSize?: number;
  /** How the client waits between attempts (tests make it instant); resolve early when `signal` aborts. @defaultValue setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each retry. @defaultValue none */
  onRetry?: (info: RetryInfo) => void;
  /** The jitter's source of randomness, in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** Clock for Retry-After given as an HTTP date. @defaultValue Date.now */
  now?: () => number;
}

/** `expectedRevision` of POST /v1/events: the stream's current revision, or a word. */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface PublishOptions {
  /** Optimistic concurrency: a 409 concurrency-conflict (CrmConflictError) when the stream is not at this revision. @defaultValue 'any' */
  expectedRevision?: ExpectedRevision;
  /** Aborts the call, retries and waits included (CrmAbortedError). */
  signal?: AbortSignal;
}

export interface PublishBatchOptions {
  /** Aborts the call, retries and waits included (CrmAbortedError). */
  signal?: AbortSignal;
}

/** The outcome of publish: stored now (202) or a retried eventId already stored (200). */
export type PublishOutcome = PublishedEvent;

/** One request's retry budget and counters (publish, or one chunk of publishBatch). */
interface Call {
  operation: RetryInfo['operation'];
  signal: AbortSignal | undefined;
  attempts: number;
  retries: number;
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, application/problem+json' };

/**
 * A typed publisher of interaction events to the ingest API. Every retry is safe because the
 * eventId is the idempotency key: an event stored by an attempt whose answer was lost comes
 * back as a duplicate, never stored twice.
 *
 * ```ts
 * const client = new CrmClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.CRM_API_KEY });
 * const { status, position } = await client.publish(event);
 * const summary = await client.publishBatch(events); // chunks of 1,000, per-event results
 * ```
 */
export class CrmClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;
  readonly batchSize: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: CrmClientOptions) {
    try {
      new URL(options.baseUrl);
    } catch {
      throw new TypeError(`CrmClient: baseUrl must be an absolute URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey || undefined;
    const injected = options.fetch;
    // Called unbound: a browser's fetch refuses another `this`.
    this.fetchFn = injected ?? ((input, init) => globalThis.fetch(input, init));
    this.maxRetries = count('maxRetries', options.maxRetries ?? 8, 0);
    this.retryBaseMs = count('retryBaseMs', options.retryBaseMs ?? 250, 0);
    this.maxRetryDelayMs = count('maxRetryDelayMs', options.maxRetryDelayMs ?? 30_000, 0);
    this.timeoutMs = count('timeoutMs', options.timeoutMs ?? 30_000, 1);
    this.batchSize = count('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE, 1);
    this.sleep = options.sleep ?? sleep;
    this.onRetry = options.onRetry;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /**
   * POST /v1/events: one event. Resolves with where it is (`stored`, or `duplicate` for an
   * eventId stored before, with its original position); rejects with a CrmClientError subclass.
   */
  async publish(event: InteractionEvent, options: PublishOptions = {}): Promise<PublishOutcome> {
    const { expectedRevision } = options;
    const query = expectedRevision === undefined ? '' : `?expectedRevision=${encodeURIComponent(String(expectedRevision))}`;
    const call = this.newCall('publish', options.signal);
    const answer = await this.exchange(call, `/v1/events${query}`, JSON.stringify(event), 1);
    const body = parseJson(answer.text);
    if (!isEventOutcome(body) || (body.status !== 'stored' && body.status !== 'duplicate')) throw unexpectedAnswer('POST /v1/events', answer, call);
    return body;
  }

  /**
   * POST /v1/events/batch, in chunks of `batchSize` sent one after the other, so each
   * customer's events reach its stream in the order given. In a 207 only the events `failed`
   * with a retriable error are sent again (storage is atomic per customer, so they are whole
   * customers of the chunk), before the next chunk; conflicts are not retried. Once an event of
   * a customer is not stored, that customer's later events of the call are `skipped` (not
   * sent), since storing them first would break its order. A request error (400, 401, 403, 409
   * customer-merged, 413, retries exhausted) rejects with the chunk's place and what the
   * earlier chunks settled in `error.batch`.
   */
  async publishBatch(events: readonly InteractionEvent[], options: PublishBatchOptions = {}): Promise<PublishBatchResult> {
    const results: BatchEventResult[] = new Array(events.length);
    /** customerId -> the first of its events not stored in this call. */
    const blocked = new Map<string, number>();
    let requests = 0;
    let retries = 0;
    for (let offset = 0; offset < events.length; offset += this.batchSize) {
      const size = Math.min(this.batchSize, events.length - offset);
      const send: number[] = [];
      for (let index = offset; index < offset + size; index++) {
        const first = blocked.get(events[index].customerId);
        if (first === undefined) send.push(index);
        else results[index] = skipped(index, events[index], first, results[first]);
      }
      if (send.length === 0) continue;
      const call = this.newCall('publishBatch', options.signal);
      try {
        await this.sendChunk(call, events, send, results);
      } catch (error) {
        if (error instanceof CrmClientError) error.batch = { offset, size, settled: results.filter((r) => r !== undefined) };
        throw error;
      } finally {
        requests += call.attempts;
        retries += call.retries;
      }
      for (const index of send) {
        const { status } = results[index];
        if ((status === 'conflict' || status === 'failed') && !blocked.has(events[index].customerId)) blocked.set(events[index].customerId, index);
      }
    }
    const counts: Record<BatchEventResult['status'], number> = { stored: 0, duplicate: 0, conflict: 0, failed: 0, skipped: 0 };
    for (const result of results) counts[result.status]++;
    return { stored: counts.stored, duplicates: counts.duplicate, conflicts: counts.conflict, failed: counts.failed, skipped: counts.skipped, requests, retries, results };
  }

  /** One chunk: sent, then its retriable failures sent again while the budget lasts. */
  private async sendChunk(call: Call, events: readonly InteractionEvent[], chunk: readonly number[], results: BatchEventResult[]): Promise<void> {
    let pending = chunk;
    for (;;) {
      const answer = await this.exchange(call, '/v1/events/batch', JSON.stringify({ events: pending.map((index) => events[index]) }), pending.length, pending);
      const body = parseJson(answer.text);
      if (!isBatchResponseBody(body, pending.length)) throw unexpectedAnswer('POST /v1/events/batch', answer, call);
      const again: number[] = [];
      for (const outcome of body.results) {
        const index = pending[outcome.index];
        results[index] = { ...outcome, index };
        if (outcome.status === 'failed' && outcome.error.retriable) again.push(index);
      }
      if (again.length === 0) return;
      again.sort((a, b) => a - b); // each customer's events in the order given
      const reason = `${again.length} event${again.length === 1 ? '' : 's'} failed with a retriable error (HTTP ${answer.status})`;
      // Out of retries: the failures stay in the results as the API reported them.
      if (!(await this.waitToRetry(call, { reason, status: answer.status, events: again.length }))) return;
      pending = again;
    }
  }

  /**
   * Sends until a 2xx comes back, retrying what a retry can help, and returns it; otherwise
   * throws the typed error. `indexes`: the caller's index of each event of a batch body, so an
   * error names `events[i]` as the caller counts them.
   */
  private async exchange(call: Call, path: string, body: string, events: number, indexes?: readonly number[]): Promise<Answer> {
    const request = `POST ${path.replace(/\?.*$/, '')}`;
    for (;;) {
      call.attempts++;
      const result = await this.attempt(call, path, body);
      let error: CrmClientError;
      let reason: string;
      let retryAfterMs: number | undefined;
      if ('status' in result) {
        if (result.status >= 200 && result.status < 300) return result;
        retryAfterMs = parseRetryAfter(result.headers.get('retry-after'), this.now());
        const retryAfterSec = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
        error = errorFromResponse({ request, status: result.status, text: result.text, headers: result.headers, attempts: call.attempts, indexes, retryAfterSec });
        reason = `HTTP ${result.status}: ${error.problem?.title ?? error.body?.slice(0, 200) ?? '(no body)'}`;
      } else {
        const cause = describeCause(result.error);
        const timedOut = result.timedOut;
        const what = timedOut ? `no answer within ${this.timeoutMs} ms` : `network error: ${cause}`;
        const tried = call.attempts > 1 ? ` after ${call.attempts} attempts` : '';
        error = new CrmNetworkError(`${request}: ${what}${tried}`, { retriable: true, attempts: call.attempts, reason: what, cause: result.error, timedOut });
        reason = what;
      }
      if (!error.retriable) throw error;
      if (!(await this.waitToRetry(call, { reason, status: 'status' in result ? result.status : undefined, error, events }, retryAfterMs))) throw error;
    }
  }

  /** One HTTP attempt under the per-attempt timeout and the caller's signal; no answer is a value, not a throw. */
  private async attempt(call: Call, path: string, body: string): Promise<Answer | { error: unknown; timedOut: boolean }> {
    const caller = call.signal;
    if (caller?.aborted) throw aborted(call);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    // Both signals in one, with listeners removed after the attempt (a long-lived caller signal
    // must not collect one per request).
    const controller = new AbortController();
    const abort = () => controller.abort(timeout.aborted ? timeout.reason : caller?.reason);
    timeout.addEventListener('abort', abort, { once: true });
    caller?.addEventListener('abort', abort, { once: true });
    try {
      const response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: this.apiKey === undefined ? JSON_HEADERS : { ...JSON_HEADERS, authorization: `Bearer ${this.apiKey}` },
        body,
        signal: controller.signal,
      });
      const text = await response.text();
      return { status: response.status, text, headers: response.headers };
    } catch (error) {
      if (caller?.aborted) throw aborted(call, error);
      return { error, timedOut: timeout.aborted };
    } finally {
      timeout.removeEventListener('abort', abort);
      caller?.removeEventListener('abort', abort);
    }
  }

  /** Waits before a retry and returns true, or returns false when the budget is spent (or the wait would be longer than maxRetryDelayMs). */
  private async waitToRetry(call: Call, info: Omit<RetryInfo, 'operation' | 'retry' | 'maxRetries' | 'delayMs'>, retryAfterMs?: number): Promise<boolean> {
    if (call.retries >= this.maxRetries) return false;
    // The API's Retry-After as it is: an earlier retry would be refused again.
    if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryDelayMs) return false;
    const delayMs = retryAfterMs ?? backoffDelay(call.retries, this.retryBaseMs, this.maxRetryDelayMs, this.random);
    call.retries++;
    this.onRetry?.({ operation: call.operation, retry: call.retries, maxRetries: this.maxRetries, delayMs, ...info });
    await this.sleep(delayMs, call.signal);
    if (call.signal?.aborted) throw aborted(call);
    return true;
  }

  private newCall(operation: Call['operation'], signal: AbortSignal | undefined): Call {
    return { operation, signal, attempts: 0, retries: 0 };
  }
}

function count(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`CrmClient: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function unexpectedAnswer(request: string, answer: Answer, call: Call): CrmClientError {
  const reason = `a body that is not the ingest API's: ${answer.text.slice(0, 300) || '(empty)'}`;
  return new CrmClientError(`${request} answered ${answer.status} with ${reason}`, {
    status: answer.status,
    reason,
    body: answer.text.slice(0, 500),
    retriable: false,
    attempts: call.attempts,
  });
}

function aborted(call: Call, cause: unknown = call.signal?.reason): CrmAbortedError {
  return new CrmAbortedError(`${call.operation} aborted by the caller after ${call.attempts} attempt${call.attempts === 1 ? '' : 's'}`, { retriable: true, attempts: call.attempts, cause });
}

/** `fetch failed (connect ECONNREFUSED 127.0.0.1:9)`: undici hides the reason in `cause`. */
function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== error.message ? `${error.message} (${cause.message})` : error.message;
}

function skipped(index: number, event: InteractionEvent, first: number, firstResult: BatchEventResult): SkippedEvent {
  return {
    index,
    eventId: event.eventId,
    customerId: event.customerId,
    status: 'skipped',
    error: {
      title: 'Not sent',
      detail: `Not sent: events[${first}] of customer ${event.customerId} was not stored (${firstResult.status}); publish this event after it, so the customer's stream keeps the order given.`,
      retriable: true,
    },
  };
}
