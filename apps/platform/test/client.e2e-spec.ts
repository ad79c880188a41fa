import { randomUUID } from 'node:crypto';
import type { InteractionEvent } from '@crm/contracts';
import {
  CrmAuthenticationError,
  CrmClient,
  CrmClientError,
  CrmConflictError,
  CrmForbiddenError,
  CrmRateLimitedError,
  CrmValidationError,
  type CrmClientOptions,
  type RetryInfo,
} from '@crm/client';
import { tempDir, testApiKeys } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';

/** The typed publisher client against the real embedded platform over TCP. */
describe('@crm/client against the embedded platform', () => {
  const keys = testApiKeys({ publisher: ['publish'], reader: ['read'] });
  // Two requests a second for `limited`: its own rate (the others have RATE_LIMIT, 1000/s).
  const limited = testApiKeys({ limited: ['publish'] }, { rate: '2/s' });
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;
  let baseUrl: string;
  /** Requests the clients made, by path. */
  const requests: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(new URL(String(input)).pathname);
    return fetch(input, init);
  };
  const client = (options: Partial<CrmClientOptions> = {}) => new CrmClient({ baseUrl, apiKey: keys.keys.publisher, fetch: countingFetch, ...options });
  const failure = async (promise: Promise<unknown>): Promise<CrmClientError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CrmClientError);
    return error as CrmClientError;
  };
  const run = randomUUID().slice(0, 8);

  beforeAll(async () => {
    dir = tempDir('crm-e2e-client-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', API_KEYS: `${keys.API_KEYS};${limited.API_KEYS}` });
    await platform.app.listen(0, '127.0.0.1');
    const { port } = platform.app.getHttpServer().address() as { port: number };
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await platform?.close();
    dir?.remove();
  });
  beforeEach(() => void requests.splice(0));

  it('publishes an event (stored) and the same event again (duplicate, the original position)', async () => {
    const event = purchase(`C-${run}-one`);
    const stored = await client().publish(event);
    expect(stored).toEqual({ index: 0, eventId: event.eventId, streamId: `customer-C-${run}-one`, status: 'stored', streamRevision: 0, position: expect.any(Number) });
    const again = await client().publish(event);
    expect(again).toEqual({ ...stored, status: 'duplicate' });
    // optimistic concurrency: the stream is at revision 0 now
    await expect(client().publish(contact(`C-${run}-one`), { expectedRevision: 0 })).resolves.toMatchObject({ status: 'stored', streamRevision: 1 });
    const conflict = await failure(client().publish(contact(`C-${run}-one`), { expectedRevision: 'no_stream' }));
    expect(conflict).toBeInstanceOf(CrmConflictError);
    expect(conflict).toMatchObject({ status: 409, conflict: 'concurrency-conflict', currentRevision: 1, retriable: false, attempts: 1 });
  });

  it('refuses an eventId already used by another customer: CrmConflictError event-id-conflict', async () => {
    const event = purchase(`C-${run}-first`);
    await client().publish(event);
    const error = await failure(client().publish({ ...event, customerId: `C-${run}-second` }));
    expect(error).toBeInstanceOf(CrmConflictError);
    expect(error).toMatchObject({ status: 409, conflict: 'event-id-conflict', problemType: 'https://crm-platform.dev/problems/event-id-conflict' });
  });

  it('publishes 2,500 events in three chunks, each customer in the order given across the chunk boundaries', async () => {
    const customers = 40;
    const events: InteractionEvent[] = Array.from({ length: 2500 }, (_, i) =>
      contact(`C-${run}-batch-${i % customers}`, { occurredAt: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 60_000).toISOString() }),
    );
    const summary = await client().publishBatch(events);

    expect(requests).toEqual(['/v1/events/batch', '/v1/events/batch', '/v1/events/batch']);
    expect(summary).toMatchObject({ stored: 2500, duplicates: 0, conflicts: 0, failed: 0, skipped: 0, requests: 3, retries: 0 });
    const revisions = new Map<string, number[]>();
    summary.results.forEach((result, i) => {
      expect(result).toMatchObject({ index: i, eventId: events[i].eventId, status: 'stored' });
      if (result.status !== 'stored') return;
      revisions.set(result.streamId, [...(revisions.get(result.streamId) ?? []), result.streamRevision]);
    });
    expect(revisions.size).toBe(customers);
    for (const [, list] of revisions) expect(list).toEqual(list.map((_, i) => i));

    const again = await client().publishBatch(events);
    expect(again).toMatchObject({ stored: 0, duplicates: 2500 });
  });

  it('400: CrmValidationError naming the violated fields, in a batch by the caller index', async () => {
    const bad = purchase(`C-${run}-bad`, { occurredAt: 'yesterday' }, { amount: -5 });
    const error = await failure(client().publish(bad as InteractionEvent));
    expect(error).toBeInstanceOf(CrmValidationError);
    const { violations, violationCount } = error as CrmValidationError;
    expect(violations.map((v) => v.path).sort()).toEqual(['data.amount', 'occurredAt']);
    expect(violationCount).toBe(2);
    expect(error.message).toMatch(/^POST \/v1\/events answered 400: 2 fields violated: /);
    expect(error.message).toContain('data.amount (');
    expect(error.message).toContain('occurredAt (');
    expect(error).toMatchObject({ status: 400, retriable: false, problem: { type: 'https://crm-platform.dev/problems/validation' } });

    // The second chunk refused: its fields named as the caller counts, the first chunk stored.
    const events = Array.from({ length: 1500 }, (_, i) => (i === 1200 ? bad : contact(`C-${run}-chunked-${i % 10}`))) as InteractionEvent[];
    const chunked = (await failure(client().publishBatch(events))) as CrmValidationError;
    expect(chunked).toBeInstanceOf(CrmValidationError);
    expect(chunked.violations.map((v) => v.path).sort()).toEqual(['events[1200].data.amount', 'events[1200].occurredAt']);
    expect(chunked.message).toContain('events[1200].data.amount');
    expect(chunked.batch).toMatchObject({ offset: 1000, size: 500 });
    expect(chunked.batch?.settled.filter((r) => r.status === 'stored')).toHaveLength(1000);
  });

  it('403 with a read-only key: CrmForbiddenError with the scope needed', async () => {
    const error = await failure(client({ apiKey: keys.keys.reader }).publish(contact(`C-${run}-ro`)));
    expect(error).toBeInstanceOf(CrmForbiddenError);
    expect(error).toMatchObject({ status: 403, requiredScopes: ['publish'], keyScopes: ['read'], retriable: false, attempts: 1 });
    expect(error.message).toContain('needs the scope publish');
  });

  it('401 with an unknown key, and without a key: CrmAuthenticationError', async () => {
    const unknown = await failure(client({ apiKey: 'crm_not_a_key' }).publish(contact(`C-${run}-who`)));
    expect(unknown).toBeInstanceOf(CrmAuthenticationError);
    expect(unknown).toMatchObject({ status: 401, retriable: false, attempts: 1, challenge: expect.stringContaining('error="invalid_token"') });
    const none = await failure(client({ apiKey: undefined }).publishBatch([contact(`C-${run}-who`)]));
    expect(none).toBeInstanceOf(CrmAuthenticationError);
    expect(requests).toHaveLength(2);
  });

  it('429 over the key rate: CrmRateLimitedError without retries, and a success after waiting Retry-After with them', async () => {
    const once = client({ apiKey: limited.keys.limited, maxRetries: 0 });
    let error: CrmClientError | undefined;
    for (let i = 0; i < 6 && error === undefined; i++) error = await once.publish(contact(`C-${run}-rate`)).then(() => undefined, (e: CrmClientError) => e);
    expect(error).toBeInstanceOf(CrmRateLimitedError);
    expect(error).toMatchObject({ status: 429, retriable: true, attempts: 1 });
    expect((error as CrmRateLimitedError).retryAfterSec).toBeGreaterThanOrEqual(1);

    const retries: RetryInfo[] = [];
    const patient = client({ apiKey: limited.keys.limited, maxRetries: 3, onRetry: (info) => retries.push(info) });
    const started = performance.now();
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await patient.publish(contact(`C-${run}-rate`)));
    const elapsed = performance.now() - started;
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatchObject({ operation: 'publish', status: 429, reason: 'HTTP 429: Too many requests' });
    expect(retries[0].delayMs % 1000).toBe(0); // Retry-After in whole seconds, as it is
    expect(elapsed).toBeGreaterThanOrEqual(retries.reduce((sum, r) => sum + r.delayMs, 0) - 5);
  });
});
