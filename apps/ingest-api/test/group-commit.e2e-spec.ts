import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '@crm/config';
import { sampleEvent, type SampleOverrides } from '@crm/contracts';
import { EventStore, SQLITE_EVENT_STORE_FILENAME } from '@crm/event-store';
import { createServiceApp } from '@crm/infrastructure';
import { IngestModule } from '../src/ingest.module';
import { testApiKeys } from '@crm/testing';

/** The ingest API alone on the embedded store, with a coalescing wait long enough to be seen in a test. */
describe('ingest group commit over HTTP (embedded store)', () => {
  const publisher = testApiKeys({ publisher: ['publish'] });
  let dir: string;
  let app: NestExpressApplication;
  let base: string;
  let storeCalls: number;
  /** Another connection to the store's file, as another process would see it. */
  let observer: Database.Database;
  let findEvent: Database.Statement<[string], { stream_id: string; position: number }>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-ingest-group-commit-'));
    app = await createServiceApp('ingest', loadConfig({ DATA_DIR: dir, INGEST_COALESCE_MS: '20' , API_KEYS: publisher.API_KEYS }), [IngestModule], { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const store = app.get(EventStore);
    const original = store.appendToStreams.bind(store);
    jest.spyOn(store, 'appendToStreams').mockImplementation((appends) => {
      storeCalls++;
      return original(appends);
    });
    observer = new Database(join(dir, SQLITE_EVENT_STORE_FILENAME), { readonly: true });
    findEvent = observer.prepare('SELECT stream_id, position FROM events WHERE event_id = ?');
  });

  beforeEach(() => {
    storeCalls = 0;
  });

  afterAll(async () => {
    observer?.close();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const purchase = (customerId: string, overrides: Record<string, unknown> = {}) =>
    sampleEvent('PurchaseMade', { eventId: randomUUID(), customerId, ...overrides, data: { orderId: `O-${randomUUID().slice(0, 8)}` } } as SampleOverrides<'PurchaseMade'>);

  async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...publisher.header('publisher') }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Commits of other connections: `data_version` moves once per commit. */
  const commits = () => observer.pragma('data_version', { simple: true }) as number;

  it('stores a 500-event batch of 500 customers in one store transaction', async () => {
    const events = Array.from({ length: 500 }, () => purchase(`C-${randomUUID()}`));
    const before = commits();

    const res = await post('/v1/events/batch', { events });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ stored: 500, duplicates: 0, conflicts: 0, failed: 0 });
    expect(storeCalls).toBe(1);
    expect(commits()).toBe(before + 1);
    const positions = (res.body.results as { position: number }[]).map((r) => r.position);
    expect(positions).toEqual(positions.map((_, i) => positions[0] + i));
  });

  it('fails alone the customer whose eventId belongs to another customer: 207, the others stored; a retry is harmless', async () => {
    const taken = purchase(`C-${randomUUID()}`);
    expect((await post('/v1/events', taken)).status).toBe(202);
    const [a, b, c] = [`C-${randomUUID()}`, `C-${randomUUID()}`, `C-${randomUUID()}`];
    const events = [purchase(a), purchase(b), { ...taken, customerId: b }, purchase(c), purchase(a)];

    const first = await post('/v1/events/batch', { events });

    expect(first.status).toBe(207);
    expect(storeCalls).toBe(2);
    expect(first.body).toMatchObject({ stored: 3, duplicates: 0, conflicts: 2, failed: 0 });
    expect((first.body.results as { status: string }[]).map((r) => r.status)).toEqual(['stored', 'conflict', 'conflict', 'stored', 'stored']);
    expect(findEvent.get(events[1].eventId)).toBeUndefined();
    // The conflicts say the id is taken, nothing of the customer whose stream holds it.
    expect((first.body.results as { error: { detail: string } }[])[2].error).toEqual({ title: 'Conflict', detail: `The eventId ${taken.eventId} is already used by another event; publish this event with an eventId of its own.`, retriable: false });
    expect((first.body.results as { error: { detail: string } }[])[1].error.detail).toBe(`Not stored: stored together with the other events of this customer in the request, and the eventId ${taken.eventId} among them is already used by another event.`);
    expect(JSON.stringify(first.body)).not.toContain(taken.customerId);

    const retry = await post('/v1/events/batch', { events });
    expect(retry.status).toBe(207);
    expect((retry.body.results as { status: string }[]).map((r) => r.status)).toEqual(['duplicate', 'conflict', 'conflict', 'duplicate', 'duplicate']);
    const withoutB = await post('/v1/events/batch', { events: [events[0], events[3], events[4]] });
    expect(withoutB.status).toBe(200);
    expect(withoutB.body).toMatchObject({ stored: 0, duplicates: 3 });
  });

  it('coalesces concurrent single events into a few transactions; each is durable when it is answered', async () => {
    const events = Array.from({ length: 32 }, () => purchase(`C-${randomUUID()}`));
    const before = commits();

    const answers = await Promise.all(
      events.map(async (event) => {
        const res = await post('/v1/events', event);
        // Read by another connection the moment the answer arrives: committed, not pending.
        return { ...res, seen: findEvent.get(event.eventId) };
      }),
    );

    expect(answers.map((a) => a.status)).toEqual(events.map(() => 202));
    for (const [i, answer] of answers.entries()) {
      expect(answer.body).toMatchObject({ eventId: events[i].eventId, status: 'stored', streamRevision: 0 });
      expect(answer.seen).toEqual({ stream_id: `customer-${events[i].customerId}`, position: answer.body.position });
    }
    expect(new Set(answers.map((a) => a.body.position)).size).toBe(32);
    // Typically 2 or 3 commits for the 32; at most half leaves room for a loaded machine.
    expect(storeCalls).toBeLessThanOrEqual(16);
    expect(commits() - before).toBe(storeCalls);
  });

  it('checks expectedRevision per request inside a shared transaction: one 202, the others 409 with the current revision', async () => {
    const customerId = `C-${randomUUID()}`;
    const bystander = purchase(`C-${randomUUID()}`);

    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => post('/v1/events?expectedRevision=no_stream', purchase(customerId))),
      post('/v1/events', bystander),
    ]);

    expect(storeCalls).toBeLessThan(7);
    const guarded = answers.slice(0, 6);
    expect(guarded.filter((a) => a.status === 202)).toHaveLength(1);
    for (const conflict of guarded.filter((a) => a.status !== 202)) {
      expect(conflict).toMatchObject({ status: 409, body: { streamId: `customer-${customerId}`, currentRevision: 0, retriable: true } });
    }
    expect(answers[6]).toMatchObject({ status: 202, body: { eventId: bystander.eventId, status: 'stored' } });
  });

  it('answers a retried single event with 200 and the original position', async () => {
    const event = purchase(`C-${randomUUID()}`);
    const first = await post('/v1/events', event);
    const retry = await post('/v1/events', event);
    expect([first.status, retry.status]).toEqual([202, 200]);
    expect(retry.body).toMatchObject({ status: 'duplicate', position: first.body.position });
  });
});
