import type { InteractionEvent } from '@crm/contracts';
import { CrmClient, type CrmClientOptions, type RetryInfo } from './crm-client';
import { CrmClientError, CrmRateLimitedError, CrmValidationError } from './crm-client.errors';
import { contactOf, fakeIngest, json, problem, recordingSleep, type FakeRequest, type Scripted } from './fake-ingest.test-helper';

const BASE = 'http://ingest.test';

function setup(script?: (n: number, request: FakeRequest) => Scripted, options: Partial<CrmClientOptions> = {}) {
  const server = fakeIngest(script);
  const { delays, sleep } = recordingSleep();
  const retries: RetryInfo[] = [];
  const client = new CrmClient({ baseUrl: BASE, apiKey: 'crm_k', fetch: server.fetch, sleep, random: () => 1, onRetry: (info) => retries.push(info), ...options });
  return { server, client, delays, retries };
}

/** `n` events spread over `customers` customers, interleaved (C-0, C-1, …, C-0, …). */
const history = (n: number, customers: number): InteractionEvent[] => Array.from({ length: n }, (_, i) => contactOf(`C-${i % customers}`));

const idsByCustomer = (events: readonly InteractionEvent[]) => {
  const map = new Map<string, string[]>();
  for (const e of events) map.set(e.customerId, [...(map.get(e.customerId) ?? []), e.eventId]);
  return map;
};

/** A 207 answer for `request`: the events of `failing` customers failed (retriable or a conflict), the others stored by `server`. */
function multiStatus(server: ReturnType<typeof fakeIngest>, request: FakeRequest, failing: (customerId: string) => 'failed' | 'conflict' | 'failed-final' | undefined) {
  const results = request.events.map((event, index) => {
    const how = failing(event.customerId);
    if (how === undefined) {
      // stored by hand: a scripted answer bypasses the fake's store
      const before = server.stored.get(event.eventId);
      if (before !== undefined) return { index, eventId: event.eventId, status: 'duplicate', ...before };
      const where = { streamId: `customer-${event.customerId}`, streamRevision: 0, position: server.stored.size + 1 };
      server.stored.set(event.eventId, where);
      server.applied.push(event);
      return { index, eventId: event.eventId, status: 'stored', ...where };
    }
    const status = how === 'conflict' ? 'conflict' : 'failed';
    return { index, eventId: event.eventId, streamId: `customer-${event.customerId}`, status, error: { title: 'Not stored', detail: 'x', retriable: how === 'failed' } };
  });
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return json(207, { stored: count('stored'), duplicates: count('duplicate'), conflicts: count('conflict'), failed: count('failed'), results });
}

describe('CrmClient.publishBatch: chunks', () => {
  it('splits 2,500 events into chunks of at most 1,000 sent one after the other, each customer in the order given', async () => {
    const { server, client } = setup();
    const events = history(2500, 7);
    const summary = await client.publishBatch(events);

    expect(server.requests.map((r) => r.url)).toEqual(Array(3).fill(`${BASE}/v1/events/batch`));
    expect(server.requests.map((r) => r.events.length)).toEqual([1000, 1000, 500]);
    expect(server.requests.flatMap((r) => r.events)).toEqual(events); // nothing reordered, nothing sent twice
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer crm_k')).toBe(true);
    expect(server.maxInFlight()).toBe(1); // sequential: a later chunk never overtakes an earlier one
    expect(idsByCustomer(server.applied)).toEqual(idsByCustomer(events));
    expect(summary).toMatchObject({ stored: 2500, duplicates: 0, conflicts: 0, failed: 0, skipped: 0, requests: 3, retries: 0 });
    expect(summary.results.map((r) => r.index)).toEqual(events.map((_, i) => i));
    expect(summary.results.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
    // Revisions grow in the order given within every customer's stream, across chunk boundaries.
    for (const [customer, ids] of idsByCustomer(events)) {
      const revisions = ids.map((id) => summary.results.find((r) => r.eventId === id)).map((r) => (r?.status === 'stored' ? r.streamRevision : -1));
      expect({ customer, revisions }).toEqual({ customer, revisions: ids.map((_, i) => i) });
    }
  });

  it('takes its chunk size from batchSize', async () => {
    const { server, client } = setup(undefined, { batchSize: 3 });
    await client.publishBatch(history(7, 2));
    expect(server.requests.map((r) => r.events.length)).toEqual([3, 3, 1]);
  });

  it('answers a retried batch with duplicates at their original positions', async () => {
    const { client } = setup();
    const events = history(5, 2);
    const first = await client.publishBatch(events);
    const again = await client.publishBatch(events);
    expect(again).toMatchObject({ stored: 0, duplicates: 5 });
    expect(again.results.map((r) => (r.status === 'duplicate' ? r.position : -1))).toEqual(first.results.map((r) => (r.status === 'stored' ? r.position : -2)));
  });

  it('sends nothing for an empty list', async () => {
    const { server, client } = setup();
    await expect(client.publishBatch([])).resolves.toEqual({ stored: 0, duplicates: 0, conflicts: 0, failed: 0, skipped: 0, requests: 0, retries: 0, results: [] });
    expect(server.requests).toHaveLength(0);
  });
});

describe('CrmClient.publishBatch: 207', () => {
  it('sends again only the events failed with a retriable error, and reports them at their own index', async () => {
    const events = history(8, 4);
    const { server, client, delays, retries } = setup((n, request) =>
      n === 0 ? multiStatus(server, request, (c) => (c === 'C-1' ? 'failed' : c === 'C-2' ? 'conflict' : undefined)) : undefined,
    );
    const summary = await client.publishBatch(events);

    // The retry: C-1's two events, in order; neither the stored ones nor C-2's conflicts.
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].events.map((e) => e.eventId)).toEqual([events[1].eventId, events[5].eventId]);
    expect(delays).toEqual([250]);
    expect(retries).toEqual([
      { operation: 'publishBatch', retry: 1, maxRetries: 8, delayMs: 250, status: 207, events: 2, reason: '2 events failed with a retriable error (HTTP 207)' },
    ]);
    expect(summary.results.map((r) => [r.index, r.status])).toEqual([
      [0, 'stored'],
      [1, 'stored'],
      [2, 'conflict'],
      [3, 'stored'],
      [4, 'stored'],
      [5, 'stored'],
      [6, 'conflict'],
      [7, 'stored'],
    ]);
    expect(summary).toMatchObject({ stored: 6, conflicts: 2, failed: 0, skipped: 0, retries: 1, requests: 2 });
  });

  it('keeps the failures reported when the retries are spent, and skips the later events of those customers', async () => {
    const events = history(8, 4);
    const { server, client } = setup((_n, request) => multiStatus(server, request, (c) => (c === 'C-1' ? 'failed' : undefined)), { batchSize: 4, maxRetries: 2 });
    const summary = await client.publishBatch(events);

    // chunk 1 (C-0..C-3), its C-1 twice more; chunk 2 without C-1.
    expect(server.requests.map((r) => r.events.map((e) => e.customerId))).toEqual([['C-0', 'C-1', 'C-2', 'C-3'], ['C-1'], ['C-1'], ['C-0', 'C-2', 'C-3']]);
    expect(summary.results[1]).toMatchObject({ status: 'failed', error: { retriable: true } });
    expect(summary.results[5]).toEqual({
      index: 5,
      eventId: events[5].eventId,
      customerId: 'C-1',
      status: 'skipped',
      error: { title: 'Not sent', detail: expect.stringMatching(/events\[1\] of customer C-1 was not stored \(failed\)/), retriable: true },
    });
    expect(summary).toMatchObject({ stored: 6, failed: 1, skipped: 1, requests: 4, retries: 2 });
  });

  it('skips the later events of a customer whose chunk conflicted, never retrying the conflict', async () => {
    const events = history(6, 2);
    const { server, client } = setup((n, request) => (n === 0 ? multiStatus(server, request, (c) => (c === 'C-0' ? 'conflict' : undefined)) : undefined), { batchSize: 2 });
    const summary = await client.publishBatch(events);
    expect(server.requests.map((r) => r.events.map((e) => e.customerId))).toEqual([['C-0', 'C-1'], ['C-1'], ['C-1']]);
    expect(summary.results.map((r) => r.status)).toEqual(['conflict', 'stored', 'skipped', 'stored', 'skipped', 'stored']);
    expect(summary.retries).toBe(0);
  });

  it('does not retry non-retriable failures', async () => {
    const { server, client } = setup((n, request) => (n === 0 ? multiStatus(server, request, (c) => (c === 'C-0' ? 'failed-final' : undefined)) : undefined));
    const summary = await client.publishBatch(history(4, 2));
    expect(server.requests).toHaveLength(1);
    expect(summary).toMatchObject({ stored: 2, failed: 2, retries: 0 });
  });
});

describe('CrmClient.publishBatch: errors', () => {
  it("names a later chunk's violations by the caller's index, with what the earlier chunks settled", async () => {
    const { server, client } = setup((n) =>
      n === 1
        ? problem(400, 'validation', 'The request is not valid', {
            detail: '1 field violated: events[3].occurredAt',
            violations: [{ path: 'events[3].occurredAt', messages: ['occurredAt must be an RFC 3339 date-time'] }],
            violationCount: 1,
          })
        : undefined,
      { batchSize: 10 },
    );
    const error = (await client.publishBatch(history(25, 3)).catch((e: unknown) => e)) as CrmValidationError;
    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.violations).toEqual([{ path: 'events[13].occurredAt', messages: ['occurredAt must be an RFC 3339 date-time'] }]);
    expect(error.message).toBe('POST /v1/events/batch answered 400: 1 field violated: events[13].occurredAt (occurredAt must be an RFC 3339 date-time)');
    expect(error.problem?.violations).toEqual([{ path: 'events[3].occurredAt', messages: ['occurredAt must be an RFC 3339 date-time'] }]);
    expect(error.batch).toMatchObject({ offset: 10, size: 10 });
    expect(error.batch?.settled.map((r) => r.status)).toEqual(Array(10).fill('stored'));
    expect(server.requests).toHaveLength(2); // nothing after the refused chunk
  });

  it('retries a 429 of a chunk after Retry-After, then goes on', async () => {
    const { server, client, delays } = setup((n) => (n === 1 ? problem(429, 'rate-limited', 'Too many requests', {}, { 'retry-after': '1' }) : undefined), { batchSize: 2 });
    const summary = await client.publishBatch(history(4, 2));
    expect(server.requests.map((r) => r.events.length)).toEqual([2, 2, 2]);
    expect(delays).toEqual([1000]);
    expect(summary).toMatchObject({ stored: 4, requests: 3, retries: 1 });
  });

  it('gives up on a chunk after maxRetries with the typed error', async () => {
    const { client } = setup((n) => (n >= 1 ? problem(429, 'rate-limited', 'Too many requests', {}, { 'retry-after': '1' }) : undefined), { batchSize: 2, maxRetries: 1 });
    const error = (await client.publishBatch(history(4, 2)).catch((e: unknown) => e)) as CrmClientError;
    expect(error).toBeInstanceOf(CrmRateLimitedError);
    expect(error).toMatchObject({ attempts: 2, batch: { offset: 2, size: 2 } });
  });

  it('refuses an answer that does not list one result per event', async () => {
    const { client } = setup(() => json(202, { stored: 1, duplicates: 0, conflicts: 0, failed: 0, results: [] }));
    const error = (await client.publishBatch(history(2, 1)).catch((e: unknown) => e)) as CrmClientError;
    expect(error.constructor).toBe(CrmClientError);
    expect(error.message).toMatch(/answered 202 with a body that is not the ingest API's/);
  });
});
