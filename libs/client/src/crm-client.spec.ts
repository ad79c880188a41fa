import { CrmClient, type CrmClientOptions, type RetryInfo } from './crm-client';
import {
  CrmAbortedError,
  CrmAuthenticationError,
  CrmClientError,
  CrmConflictError,
  CrmForbiddenError,
  CrmNetworkError,
  CrmPayloadTooLargeError,
  CrmRateLimitedError,
  CrmServerError,
  CrmValidationError,
} from './crm-client.errors';
import { contactOf, fakeIngest, json, problem, recordingSleep, type Scripted } from './fake-ingest.test-helper';

const BASE = 'http://ingest.test';

/** A client on a fake ingest whose n-th answer `script` may replace; instant sleeps, jitter pinned to its top. */
function setup(script?: (n: number) => Scripted, options: Partial<CrmClientOptions> = {}) {
  const server = fakeIngest(script);
  const { delays, sleep } = recordingSleep();
  const retries: RetryInfo[] = [];
  const client = new CrmClient({ baseUrl: BASE, apiKey: 'crm_k', fetch: server.fetch, sleep, random: () => 1, onRetry: (info) => retries.push(info), ...options });
  return { server, client, delays, retries };
}

const rejection = async (promise: Promise<unknown>): Promise<CrmClientError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CrmClientError);
  return error as CrmClientError;
};

describe('CrmClient.publish', () => {
  it('POSTs the event to /v1/events with the key as a bearer token and returns where it was stored', async () => {
    const { server, client } = setup();
    const event = contactOf('C-1');
    const outcome = await client.publish(event);

    expect(outcome).toEqual({ index: 0, eventId: event.eventId, streamId: 'customer-C-1', status: 'stored', streamRevision: 0, position: 1 });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({ url: `${BASE}/v1/events`, method: 'POST', body: event });
    expect(request.headers).toMatchObject({ authorization: 'Bearer crm_k', 'content-type': 'application/json' });
    expect(request.headers.accept).toContain('application/problem+json');
  });

  it('answers duplicate with the original position for an eventId published before', async () => {
    const { client } = setup();
    const event = contactOf('C-1');
    const first = await client.publish(event);
    const again = await client.publish(event);
    expect(again).toEqual({ ...first, status: 'duplicate' });
  });

  it('passes expectedRevision as the query parameter, keeps a base path and sends no Authorization without a key', async () => {
    const server = fakeIngest();
    const client = new CrmClient({ baseUrl: `${BASE}/crm/`, fetch: server.fetch });
    await client.publish(contactOf('C-1'), { expectedRevision: 'no_stream' });
    await client.publish(contactOf('C-1'), { expectedRevision: 0 });
    expect(server.requests.map((r) => r.url)).toEqual([`${BASE}/crm/v1/events?expectedRevision=no_stream`, `${BASE}/crm/v1/events?expectedRevision=0`]);
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });

  it('hands over survivorCustomerId for an event of a merged customer', async () => {
    const event = contactOf('C-merged');
    const { client } = setup(() =>
      json(202, { index: 0, eventId: event.eventId, streamId: 'customer-C-survivor', status: 'stored', streamRevision: 4, position: 9, survivorCustomerId: 'C-survivor' }),
    );
    await expect(client.publish(event)).resolves.toMatchObject({ survivorCustomerId: 'C-survivor', streamId: 'customer-C-survivor' });
  });

  it('refuses a 2xx whose body is not the API answer, without retrying', async () => {
    const { server, client } = setup(() => json(202, { ok: true }));
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error.constructor).toBe(CrmClientError);
    expect(error).toMatchObject({ status: 202, retriable: false });
    expect(error.message).toMatch(/not the ingest API's/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('CrmClient: typed errors, never retried for the request own faults', () => {
  it('400 -> CrmValidationError with the violations, their count, and the fields named in the message', async () => {
    const violations = [
      { path: 'data.amount', messages: ['amount must not be less than 0'] },
      { path: 'occurredAt', messages: ['occurredAt must be an RFC 3339 date-time with an offset'] },
    ];
    const { server, client } = setup(() => problem(400, 'validation', 'The request is not valid', { detail: '2 fields violated: data.amount, occurredAt', violations, violationCount: 2, truncated: false }));
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error).toMatchObject({ status: 400, retriable: false, attempts: 1, violations, violationCount: 2, truncated: false });
    expect(error.problem).toMatchObject({ type: 'https://crm-platform.dev/problems/validation', violations });
    expect(error.message).toBe(
      'POST /v1/events answered 400: 2 fields violated: data.amount (amount must not be less than 0), occurredAt (occurredAt must be an RFC 3339 date-time with an offset)',
    );
    expect(error.reason).toBe(error.message.replace('POST /v1/events answered 400: ', ''));
    expect(error.name).toBe('CrmValidationError');
    expect(server.requests).toHaveLength(1);
  });

  it('names at most ten fields in the message and counts the rest', async () => {
    const violations = Array.from({ length: 100 }, (_, i) => ({ path: `events[${i}].type`, messages: ['type must be one of …'] }));
    const { client } = setup(() => problem(400, 'validation', 'The request is not valid', { violations, violationCount: 250, truncated: true }));
    const error = (await rejection(client.publish(contactOf('C-1')))) as CrmValidationError;
    expect(error.violationCount).toBe(250);
    expect(error.truncated).toBe(true);
    expect(error.message).toMatch(/250 fields violated: events\[0\]\.type .*events\[9\]\.type \(type must be one of …\) and 240 more$/);
  });

  it('401 -> CrmAuthenticationError with the challenge', async () => {
    const { server, client } = setup(() =>
      problem(401, 'unauthenticated', 'Authentication required', { detail: 'The API key is not configured.' }, { 'www-authenticate': 'Bearer realm="crm", error="invalid_token"' }),
    );
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmAuthenticationError);
    expect(error).toMatchObject({ status: 401, retriable: false, challenge: 'Bearer realm="crm", error="invalid_token"' });
    expect(error.message).toBe('POST /v1/events answered 401: The API key is not configured.');
    expect(server.requests).toHaveLength(1);
  });

  it('403 -> CrmForbiddenError with the scopes needed and held', async () => {
    const { server, client } = setup(() =>
      problem(403, 'forbidden', 'Scope missing', { detail: 'This route needs the scope publish; the key "reader" has read.', requiredScopes: ['publish'], keyScopes: ['read'] }),
    );
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmForbiddenError);
    expect(error).toMatchObject({ status: 403, retriable: false, requiredScopes: ['publish'], keyScopes: ['read'] });
    expect(error.message).toMatch(/needs the scope publish/);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['event-id-conflict', { eventId: 'x', retriable: false }, undefined],
    ['concurrency-conflict', { streamId: 'customer-C-1', expectedRevision: 'no_stream', currentRevision: 3, retriable: true }, 3],
    ['customer-merged', { reason: 'already-merged', retriable: false }, undefined],
  ] as const)('409 %s -> CrmConflictError of that kind, not retried', async (slug, extensions, currentRevision) => {
    const { server, client } = setup(() => problem(409, slug, 'Conflict', { detail: `a ${slug}`, ...extensions }));
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmConflictError);
    expect(error).toMatchObject({ status: 409, retriable: false, conflict: slug, problemType: `https://crm-platform.dev/problems/${slug}`, currentRevision });
    expect(error.message).toBe(`POST /v1/events answered 409: ${slug}: a ${slug}`);
    expect(server.requests).toHaveLength(1);
  });

  it('413 -> CrmPayloadTooLargeError with maxEvents when the API gives it', async () => {
    const { server, client } = setup(() => problem(413, 'batch-too-large', 'Batch too large', { detail: 'The batch has 1200 events; at most 500 are accepted per request.', maxEvents: 500 }));
    const error = await rejection(client.publishBatch([contactOf('C-1')]));
    expect(error).toBeInstanceOf(CrmPayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, retriable: false, maxEvents: 500 });
    expect(server.requests).toHaveLength(1);
  });

  it.each([404, 415])('%d -> a CrmClientError, not retried', async (status) => {
    const { server, client } = setup(() => problem(status, 'x', 'Nope', { detail: 'not here' }));
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error.constructor).toBe(CrmClientError);
    expect(error).toMatchObject({ status, retriable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the start of a body that is not a problem document (a proxy page)', async () => {
    const { client } = setup(() => new Response('<html>bad gateway</html>', { status: 502 }), { maxRetries: 0 });
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmServerError);
    expect(error).toMatchObject({ status: 502, problem: undefined, body: '<html>bad gateway</html>', retriable: true });
    expect(error.message).toBe('POST /v1/events answered 502: <html>bad gateway</html>');
  });

  it('501 -> CrmServerError at once (a retry cannot help)', async () => {
    const { server, client } = setup(() => problem(501, 'x', 'Not Implemented'));
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmServerError);
    expect(error.retriable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });
});

describe('CrmClient: retries', () => {
  it('retries 503 and 500 with exponential backoff and jitter, then succeeds with the same event', async () => {
    const { server, client, delays, retries } = setup((n) => (n === 0 ? problem(503, 'store-unavailable', 'Event store unavailable') : n === 1 ? problem(500, 'x', 'Internal Server Error') : undefined));
    const event = contactOf('C-1');
    await expect(client.publish(event)).resolves.toMatchObject({ status: 'stored' });
    expect(server.requests.map((r) => r.body)).toEqual([event, event, event]);
    expect(delays).toEqual([250, 500]); // jitter pinned to its top: the ceilings
    expect(retries.map(({ operation, retry, maxRetries, delayMs, status, events }) => ({ operation, retry, maxRetries, delayMs, status, events }))).toEqual([
      { operation: 'publish', retry: 1, maxRetries: 8, delayMs: 250, status: 503, events: 1 },
      { operation: 'publish', retry: 2, maxRetries: 8, delayMs: 500, status: 500, events: 1 },
    ]);
    expect(retries[0].reason).toBe('HTTP 503: Event store unavailable');
    expect(retries[0].error).toBeInstanceOf(CrmServerError);
  });

  it('jitters each delay between half and all of its ceiling, capped at maxRetryDelayMs', async () => {
    let draw = 0;
    const draws = [0, 0.5, 0.999, 0, 0.5];
    const { client, delays } = setup(() => problem(503, 'x', 'Unavailable'), { maxRetries: 5, retryBaseMs: 100, maxRetryDelayMs: 1000, random: () => draws[draw++] });
    await rejection(client.publish(contactOf('C-1')));
    // ceilings 100, 200, 400, 800, 1000 (capped)
    expect(delays).toEqual([50, 150, 400, 400, 750]);
  });

  it('honours Retry-After in seconds on 429, then succeeds', async () => {
    const { server, client, delays, retries } = setup((n) => (n === 0 ? problem(429, 'rate-limited', 'Too many requests', { retryAfterSec: 2 }, { 'retry-after': '2' }) : undefined));
    await expect(client.publish(contactOf('C-1'))).resolves.toMatchObject({ status: 'stored' });
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([2000]);
    expect(retries[0]).toMatchObject({ status: 429, delayMs: 2000, reason: 'HTTP 429: Too many requests' });
  });

  it('honours Retry-After as an HTTP date', async () => {
    const now = Date.parse('2026-03-14T10:00:00Z');
    const { client, delays } = setup((n) => (n === 0 ? problem(503, 'x', 'Unavailable', {}, { 'retry-after': 'Sat, 14 Mar 2026 10:00:03 GMT' }) : undefined), { now: () => now });
    await client.publish(contactOf('C-1'));
    expect(delays).toEqual([3000]);
  });

  it('does not wait out a Retry-After longer than maxRetryDelayMs: the 429 is thrown with it', async () => {
    const { server, client, delays } = setup(() => problem(429, 'rate-limited', 'Too many requests', {}, { 'retry-after': '3600' }));
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmRateLimitedError);
    expect(error).toMatchObject({ retryAfterSec: 3600, retriable: true, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('429 after the retries -> CrmRateLimitedError with retryAfterSec', async () => {
    const { server, client } = setup(() => problem(429, 'rate-limited', 'Too many requests', { detail: 'retry after 1 s.', retryAfterSec: 1 }, { 'retry-after': '1' }), { maxRetries: 2 });
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmRateLimitedError);
    expect(error).toMatchObject({ status: 429, retryAfterSec: 1, retriable: true, attempts: 3 });
    expect(error.message).toBe('POST /v1/events answered 429 after 3 attempts: retry after 1 s.');
    expect(server.requests).toHaveLength(3);
  });

  it('retries network errors (the cause named), then succeeds', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:3000') });
    const { server, client, retries } = setup((n) => (n < 2 ? refused : undefined));
    await expect(client.publish(contactOf('C-1'))).resolves.toMatchObject({ status: 'stored' });
    expect(server.requests).toHaveLength(3);
    expect(retries.map((r) => r.reason)).toEqual(Array(2).fill('network error: fetch failed (connect ECONNREFUSED 127.0.0.1:3000)'));
    expect(retries[0].status).toBeUndefined();
  });

  it('gives up after maxRetries: CrmNetworkError after maxRetries + 1 attempts', async () => {
    const { server, client, delays } = setup(() => new TypeError('fetch failed'), { maxRetries: 3 });
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmNetworkError);
    expect(error).toMatchObject({ status: undefined, retriable: true, attempts: 4, timedOut: false });
    expect(error.message).toBe('POST /v1/events: network error: fetch failed after 4 attempts');
    expect(error.reason).toBe('network error: fetch failed');
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(server.requests).toHaveLength(4);
    expect(delays).toEqual([250, 500, 1000]);
  });

  it('gives up on 5xx after maxRetries: CrmServerError', async () => {
    const { server, client } = setup(() => problem(503, 'store-unavailable', 'Event store unavailable', { detail: 'Retry with the same eventId.' }), { maxRetries: 1 });
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmServerError);
    expect(error).toMatchObject({ status: 503, retriable: true, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('times out each attempt (timeoutMs) and retries: CrmNetworkError timedOut', async () => {
    let calls = 0;
    const hanging = ((_input: unknown, init?: RequestInit) => {
      calls++;
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    }) as typeof fetch;
    const { sleep } = recordingSleep();
    const client = new CrmClient({ baseUrl: BASE, fetch: hanging, timeoutMs: 20, maxRetries: 1, sleep });
    const error = await rejection(client.publish(contactOf('C-1')));
    expect(error).toBeInstanceOf(CrmNetworkError);
    expect(error).toMatchObject({ timedOut: true, attempts: 2 });
    expect(error.message).toBe('POST /v1/events: no answer within 20 ms after 2 attempts');
    expect(calls).toBe(2);
  });

  it("stops at the caller's signal: CrmAbortedError, no attempt after it", async () => {
    const controller = new AbortController();
    const server = fakeIngest(() => problem(503, 'x', 'Unavailable'));
    const client = new CrmClient({
      baseUrl: BASE,
      fetch: server.fetch,
      sleep: async () => controller.abort(new Error('shutting down')),
    });
    const error = await rejection(client.publish(contactOf('C-1'), { signal: controller.signal }));
    expect(error).toBeInstanceOf(CrmAbortedError);
    expect(server.requests).toHaveLength(1);
    await expect(client.publish(contactOf('C-1'), { signal: controller.signal })).rejects.toBeInstanceOf(CrmAbortedError);
    expect(server.requests).toHaveLength(1);
  });

  it('waits with a real timer by default', async () => {
    const server = fakeIngest((n) => (n === 0 ? problem(503, 'x', 'Unavailable', {}, { 'retry-after': '0' }) : undefined));
    const client = new CrmClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.publish(contactOf('C-1'))).resolves.toMatchObject({ status: 'stored' });
  });
});

describe('CrmClient options', () => {
  it('refuses a relative base URL and counts that are not integers', () => {
    expect(() => new CrmClient({ baseUrl: '/v1' })).toThrow(/baseUrl must be an absolute URL/);
    expect(() => new CrmClient({ baseUrl: BASE, maxRetries: -1 })).toThrow(/maxRetries must be an integer >= 0/);
    expect(() => new CrmClient({ baseUrl: BASE, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new CrmClient({ baseUrl: BASE, timeoutMs: 1.5 })).toThrow(/timeoutMs/);
  });
});
