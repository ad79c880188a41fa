import { EVENT_TYPES } from '@crm/contracts';
import { randomUUID } from 'node:crypto';
import { tempDir, waitFor } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';

type View = { position: number; view: { eventCount: number } };

describe('embedded platform over HTTP', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeEach(async () => {
    dir = tempDir('crm-e2e-');
    platform = await startPlatform(dir.path, { BATCH_MAX_EVENTS: '50', BODY_LIMIT: '64kb' });
  });
  afterEach(async () => {
    await platform.close();
    dir.remove();
  });

  const viewOf = async (customerId: string, events: number): Promise<View> =>
    (await waitFor(
      async () => {
        const res = await platform.http.get(`/v1/customers/${customerId}`);
        return res.status === 200 && res.body.view.eventCount === events ? (res.body as View) : undefined;
      },
      { timeoutMs: 1000, message: `view of ${customerId} with ${events} events within 1 s` },
    )) as unknown as View;
  const headPosition = async () => (await platform.http.get('/health')).body.checks.projector.head as number;

  it('publishes a purchase and serves the view within a second, with the position it reflects', async () => {
    const customerId = `C-${randomUUID()}`;
    const event = purchase(customerId);
    const res = await platform.http.post('/v1/events').send(event).expect(202);
    expect(res.body).toMatchObject({ eventId: event.eventId, streamId: `customer-${customerId}`, status: 'stored', streamRevision: 0 });
    expect(typeof res.body.position).toBe('number');
    const view = await viewOf(customerId, 1);
    expect(view.position).toBe(res.body.position);
  });

  it('answers a retried eventId with 200 and the original position, storing nothing twice', async () => {
    const customerId = `C-${randomUUID()}`;
    const event = purchase(customerId);
    const first = await platform.http.post('/v1/events').send(event).expect(202);
    const retry = await platform.http.post('/v1/events').send(event).expect(200);
    expect(retry.body).toMatchObject({ status: 'duplicate', position: first.body.position, streamRevision: 0 });
    await platform.http.post('/v1/events').send(contact(customerId)).expect(202);
    const view = await viewOf(customerId, 2);
    expect(view.view.eventCount).toBe(2);
  });

  it('lets concurrent publishers to one customer all succeed, each event once', async () => {
    const customerId = `C-${randomUUID()}`;
    const events = Array.from({ length: 25 }, () => contact(customerId));
    const responses = await Promise.all(events.map((e) => platform.http.post('/v1/events').send(e)));
    expect(responses.map((r) => r.status)).toEqual(events.map(() => 202));
    expect(responses.map((r) => r.body.streamRevision).sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
    await viewOf(customerId, 25);
  });

  it('answers 409 when an expectedRevision guard does not match, and stores nothing', async () => {
    const customerId = `C-${randomUUID()}`;
    await platform.http.post('/v1/events?expectedRevision=no_stream').send(contact(customerId)).expect(202);
    const conflict = await platform.http.post('/v1/events?expectedRevision=no_stream').send(contact(customerId)).expect(409);
    expect(conflict.headers['content-type']).toContain('application/problem+json');
    expect(conflict.body).toMatchObject({ status: 409, currentRevision: 0, retriable: true });
    await platform.http.post('/v1/events?expectedRevision=0').send(contact(customerId)).expect(202);
    await viewOf(customerId, 2);
  });

  it('rejects an eventId already used for another customer with 409', async () => {
    const event = purchase(`C-${randomUUID()}`);
    await platform.http.post('/v1/events').send(event).expect(202);
    const res = await platform.http.post('/v1/events').send({ ...event, customerId: `C-${randomUUID()}` }).expect(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toEqual({
      type: expect.stringContaining('event-id-conflict'),
      title: 'Event id already used',
      status: 409,
      detail: `The eventId ${event.eventId} is already used by another event; publish this event with an eventId of its own.`,
      eventId: event.eventId,
      retriable: false,
    });
    // Nothing about the customer whose stream holds the id.
    expect(JSON.stringify(res.body)).not.toContain(event.customerId);
    expect(JSON.stringify(res.body)).not.toMatch(/customer-|stream/i);
  });

  describe('bad input gets a clear 4xx and changes nothing', () => {
    const cases: [string, () => { body: unknown; type?: string; url?: string }, number, (body: any) => void][] = [
      [
        'every violated field named',
        () => ({ body: purchase('C-1', { eventId: 'not-a-uuid', occurredAt: '2026-03-14T10:22:05' }, { amount: -5, currency: 'euro', colour: 'red' }) }),
        400,
        (body) => {
          const paths = body.violations.map((v: { path: string }) => v.path);
          expect(paths).toEqual(expect.arrayContaining(['eventId', 'occurredAt', 'data.amount', 'data.currency', 'data.colour']));
        },
      ],
      ['an unknown field on the envelope', () => ({ body: { ...purchase('C-1'), extra: 1 } }), 400, (body) => expect(body.violations[0].path).toBe('extra')],
      [
        'an unknown type, listing the supported types',
        () => ({ body: { ...purchase('C-1'), type: 'PurchaseDone' } }),
        400,
        (body) => expect(body.supportedTypes).toEqual(expect.arrayContaining(['PurchaseMade', 'RelationshipEnded'])),
      ],
      ['a JSON array instead of an event', () => ({ body: [purchase('C-1')] }), 400, (body) => expect(body.violations.length).toBeGreaterThan(0)],
      ['malformed JSON', () => ({ body: '{"eventId": ', type: 'application/json' }), 400, (body) => expect(body.title).toBe('Malformed JSON')],
      ['a body that is not JSON', () => ({ body: 'eventId=1', type: 'text/plain' }), 415, (body) => expect(body.status).toBe(415)],
      ['a body over the size limit', () => ({ body: purchase('C-1', {}, { productId: 'x'.repeat(70_000) }) }), 413, (body) => expect(body.status).toBe(413)],
      [
        'a batch over BATCH_MAX_EVENTS',
        () => ({ url: '/v1/events/batch', body: { events: Array.from({ length: 51 }, () => contact('C-1')) } }),
        413,
        (body) => expect(body.maxEvents).toBe(50),
      ],
      [
        'a batch with one invalid event, named by index',
        () => ({ url: '/v1/events/batch', body: { events: [contact('C-1'), purchase('C-1', {}, { quantity: 0 })] } }),
        400,
        (body) => expect(body.violations.map((v: { path: string }) => v.path)).toEqual(['events[1].data.quantity']),
      ],
    ];

    it.each(cases)('%s', async (_name, build, status, check) => {
      const before = await headPosition();
      const { body, type, url } = build();
      let req = platform.http.post(url ?? '/v1/events');
      if (type) req = req.set('Content-Type', type);
      const res = await req.send(body as object);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      check(res.body);
      expect(await headPosition()).toBe(before);
    });
  });

  it('stores a batch per event and answers a retried batch with 200', async () => {
    const a = `C-${randomUUID()}`;
    const b = `C-${randomUUID()}`;
    const events = [purchase(a), contact(b), contact(a)];
    const first = await platform.http.post('/v1/events/batch').send({ events }).expect(202);
    expect(first.body).toMatchObject({ stored: 3, duplicates: 0 });
    expect(first.body.results.map((r: { index: number; status: string }) => [r.index, r.status])).toEqual([
      [0, 'stored'],
      [1, 'stored'],
      [2, 'stored'],
    ]);
    const retry = await platform.http.post('/v1/events/batch').send({ events }).expect(200);
    expect(retry.body).toMatchObject({ stored: 0, duplicates: 3 });
    expect(retry.body.results.map((r: { position: number }) => r.position)).toEqual(first.body.results.map((r: { position: number }) => r.position));
    await viewOf(a, 2);
    await viewOf(b, 1);
  });

  it('lists customers page by page and answers 404 for an unknown one', async () => {
    const events = Array.from({ length: 7 }, (_, i) => contact(`L-${i}`));
    await platform.http.post('/v1/events/batch').send({ events }).expect(202);
    await viewOf('L-6', 1);
    const first = await platform.http.get('/v1/customers?limit=4').expect(200);
    expect(first.body.total).toBe(7);
    expect(first.body.items.map((i: { customerId: string }) => i.customerId)).toEqual(['L-0', 'L-1', 'L-2', 'L-3']);
    const second = await platform.http.get(`/v1/customers?limit=4&after=${first.body.nextCursor}`).expect(200);
    expect(second.body.items.map((i: { customerId: string }) => i.customerId)).toEqual(['L-4', 'L-5', 'L-6']);
    expect(second.body.nextCursor).toBeNull();
    const bad = await platform.http.get('/v1/customers?limit=0&colour=red').expect(400);
    expect(bad.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['colour', 'limit']);
    const missing = await platform.http.get('/v1/customers/nobody').expect(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });

  it('serves health, the JSON Schemas and the OpenAPI document', async () => {
    const health = await platform.http.get('/health').expect(200);
    expect(health.body.status).toBe('ok');
    const schemas = await platform.http.get('/v1/schemas').expect(200);
    expect(schemas.body.types).toHaveLength(EVENT_TYPES.length);
    const one = await platform.http.get('/v1/schemas/PurchaseMade').expect(200);
    expect(JSON.stringify(one.body)).toContain('productCategory');
    await platform.http.get('/v1/schemas/Nope').expect(404);
    const openapi = await platform.http.get('/docs/openapi.json').expect(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/events/batch', '/v1/customers/{id}', '/v1/customers']));
  });

  it('keeps events and views across a restart', async () => {
    const customerId = `C-${randomUUID()}`;
    await platform.http.post('/v1/events').send(purchase(customerId)).expect(202);
    await viewOf(customerId, 1);
    await platform.close();
    platform = await startPlatform(dir.path);
    const view = await viewOf(customerId, 1);
    await platform.http.post('/v1/events').send(contact(customerId)).expect(202);
    const after = await viewOf(customerId, 2);
    expect(after.position).toBeGreaterThan(view.position);
  });
});
