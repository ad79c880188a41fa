import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@crm/config';
import { CUSTOMER_STREAM_PREFIX, sampleEvent, type SampleOverrides } from '@crm/contracts';
import { EventStore, toStoredInteractionEvent } from '@crm/event-store';
import { createServiceApp } from '@crm/infrastructure';
import { collect, testApiKeys } from '@crm/testing';
import { IngestModule } from '../src/ingest.module';
import { MERGE_REGISTERED, MERGE_REGISTRY_STREAM, registeredEntryId } from '../src/merges/merge-registry.state';

/** Identity merges over HTTP: the ingest API alone on the embedded store. */
describe('ingest: CustomersMerged over HTTP (embedded store)', () => {
  const publisher = testApiKeys({ publisher: ['publish'] });
  let dir: string;
  let app: NestExpressApplication;
  let base: string;
  let store: EventStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-ingest-merge-'));
    app = await createServiceApp('ingest', loadConfig({ DATA_DIR: dir , API_KEYS: publisher.API_KEYS }), [IngestModule], { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    store = app.get(EventStore);
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const id = (prefix: string) => `${prefix}-${randomUUID()}`;
  const merge = (survivor: string, merged: string, overrides: Record<string, unknown> = {}) =>
    sampleEvent('CustomersMerged', { eventId: randomUUID(), customerId: survivor, ...overrides, data: { mergedCustomerId: merged } } as SampleOverrides<'CustomersMerged'>);
  const purchase = (customerId: string) => sampleEvent('PurchaseMade', { eventId: randomUUID(), customerId, data: { orderId: `O-${randomUUID().slice(0, 8)}` } });

  async function post(path: string, body: unknown): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...publisher.header('publisher') }, body: JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
  }
  const stream = async (streamId: string) => (await collect(store.readStream(streamId))).map((e) => ({ ...toStoredInteractionEvent(e), metadata: e.metadata }));
  const registry = () => collect(store.readStream(MERGE_REGISTRY_STREAM));

  it('stores the merge in the survivor’s stream and a registry entry outside the customer streams', async () => {
    const [s, m] = [id('S'), id('M')];
    const event = merge(s, m);
    const res = await post('/v1/events', event);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ eventId: event.eventId, streamId: `customer-${s}`, status: 'stored' });
    // The reason is free text, so personal data: stored sealed.
    expect(await stream(`customer-${s}`)).toEqual([expect.objectContaining({ type: 'CustomersMerged', customerId: s, data: { mergedCustomerId: m, reason: expect.stringMatching(/^pii:1:1:/) } })]);
    const entry = (await registry()).find((e) => e.eventId === registeredEntryId(event.eventId, 0));
    expect(entry).toMatchObject({ type: MERGE_REGISTERED, data: { mergedCustomerId: m, survivorCustomerId: s, mergeEventId: event.eventId } });
    const customerLog = await collect(store.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX }));
    expect(customerLog.some((e) => e.streamId === MERGE_REGISTRY_STREAM)).toBe(false);
  });

  it('stores a later event for the merged id in the survivor’s stream with customerId the survivor (single and batch)', async () => {
    const [s, m] = [id('S'), id('M')];
    expect((await post('/v1/events', purchase(m))).status).toBe(202);
    expect((await post('/v1/events', merge(s, m))).status).toBe(202);
    const later = purchase(m);
    const single = await post('/v1/events', later);
    expect(single.status).toBe(202);
    expect(single.body).toMatchObject({ streamId: `customer-${s}`, status: 'stored', survivorCustomerId: s });
    const batch = await post('/v1/events/batch', { events: [purchase(m), purchase(s)] });
    expect(batch.status).toBe(202);
    expect(batch.body.results).toEqual([
      expect.objectContaining({ streamId: `customer-${s}`, status: 'stored', survivorCustomerId: s }),
      expect.not.objectContaining({ survivorCustomerId: expect.anything() }),
    ]);
    const survivorStream = await stream(`customer-${s}`);
    expect(survivorStream.map((e) => [e.type, e.customerId, e.metadata.publishedCustomerId])).toEqual([
      ['CustomersMerged', s, undefined],
      ['PurchaseMade', s, m],
      ['PurchaseMade', s, m],
      ['PurchaseMade', s, undefined],
    ]);
    expect(await stream(`customer-${m}`)).toHaveLength(1);
  });

  it('follows a chain M→S→T', async () => {
    const [m, s, t] = [id('M'), id('S'), id('T')];
    expect((await post('/v1/events/batch', { events: [merge(s, m), merge(t, s)] })).status).toBe(202);
    const res = await post('/v1/events', purchase(m));
    expect(res.body).toMatchObject({ streamId: `customer-${t}`, survivorCustomerId: t });
  });

  it('refuses a cycle with 409 customer-merged naming both ids, and stores nothing', async () => {
    const [s, m] = [id('S'), id('M')];
    await post('/v1/events', merge(s, m));
    const head = await store.headPosition();
    const res = await post('/v1/events', merge(m, s));
    expect(res.status).toBe(409);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: expect.stringMatching(/customer-merged$/), status: 409, reason: 'cycle', customerId: m, mergedCustomerId: s, retriable: false });
    expect(res.body.detail).toEqual(expect.stringContaining(s));
    expect(res.body.detail).toEqual(expect.stringContaining(m));
    // An id merged already (into anyone), in a batch: the whole batch refused, every refused merge named.
    const x = id('X');
    const batch = await post('/v1/events/batch', { events: [purchase(x), merge(x, m), merge(s, x)] });
    expect(batch.status).toBe(409);
    expect(batch.body).toMatchObject({ reason: 'already-merged', path: 'events[1]', mergedCustomerId: m, currentSurvivorCustomerId: s });
    expect(batch.body.conflicts).toHaveLength(1);
    // A survivor that was merged elsewhere: refused, naming the current survivor.
    const q = id('Q');
    const survivorMerged = await post('/v1/events', merge(m, q));
    expect(survivorMerged.status).toBe(409);
    expect(survivorMerged.body).toMatchObject({ reason: 'survivor-merged', customerId: m, mergedCustomerId: q, currentSurvivorCustomerId: s });
    expect(await store.headPosition()).toBe(head);
  });

  it('refuses a self-merge with 400 naming data.mergedCustomerId (events[i] in a batch), nothing stored', async () => {
    const c = id('C');
    const head = await store.headPosition();
    const res = await post('/v1/events', merge(c, c));
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.violations).toEqual([{ path: 'data.mergedCustomerId', messages: [expect.stringContaining('must differ from customerId')] }]);
    const batch = await post('/v1/events/batch', { events: [purchase(c), { ...merge(c, c), source: '' }] });
    expect(batch.status).toBe(400);
    expect((batch.body.violations as { path: string }[]).map((v) => v.path).sort()).toEqual(['events[1].data.mergedCustomerId', 'events[1].source']);
    const badId = await post('/v1/events', merge(c, 'not an id'));
    expect(badId.status).toBe(400);
    expect(badId.body.violations).toEqual([{ path: 'data.mergedCustomerId', messages: ['mergedCustomerId may contain only letters, digits and . _ : -'] }]);
    expect(await store.headPosition()).toBe(head);
  });

  it('answers a retried merge (same eventId) 200 duplicate with its original place; one registry entry', async () => {
    const [s, m] = [id('S'), id('M')];
    const event = merge(s, m);
    const first = await post('/v1/events', event);
    const again = await post('/v1/events', event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'duplicate', streamId: `customer-${s}`, position: first.body.position });
    const batch = await post('/v1/events/batch', { events: [event] });
    expect(batch.status).toBe(200);
    expect((await registry()).filter((e) => (e.data as { mergeEventId: string }).mergeEventId === event.eventId)).toHaveLength(1);
  });

  it('documents CustomersMerged and survivorCustomerId in the OpenAPI document and serves its JSON Schema', async () => {
    const doc = (await (await fetch(`${base}/docs/openapi.json`)).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> } };
    expect(doc.components.schemas.CustomersMergedDataDto.required).toEqual(['mergedCustomerId']);
    expect(doc.components.schemas.CustomersMergedEvent).toBeDefined();
    expect(doc.components.schemas.StoredEventResponse.properties.survivorCustomerId).toMatchObject({ type: 'string' });
    const schema = (await (await fetch(`${base}/v1/schemas/CustomersMerged`, { headers: publisher.header('publisher') })).json()) as { properties: { data: { required: string[] } } };
    expect(schema.properties.data.required).toEqual(['mergedCustomerId']);
  });
});
