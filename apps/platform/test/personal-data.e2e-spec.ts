import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SampleOverrides, sampleEvent } from '@crm/contracts';
import { EventStore, appendByCustomer, toStoredInteractionEvent } from '@crm/event-store';
import { DataKeys, openPersonalData } from '@crm/privacy';
import { ReadStore } from '@crm/read-store';
import { tempDir, testApiKeys, waitFor } from '@crm/testing';
import { PlatformHarness, purchase, startPlatform, viewsWithoutSegments } from './platform-harness';

jest.setTimeout(120_000);

type Json = { [key: string]: any };

/** Every byte of the data directory's files, as latin1 text: what a backup of it would hold. */
function dataDirBytes(dir: string, only?: RegExp): string {
  return readdirSync(dir)
    .filter((name) => only === undefined || only.test(name))
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n');
}

/**
 * Personal data end to end on the embedded platform: sealed on ingest (the store's files never
 * hold it in clear), shown to read-pii keys only, erased by crypto-shredding with the measures
 * untouched, and a replay after erasure giving the same views without it.
 */
describe('personal data: sealed, scoped, erased (embedded platform)', () => {
  const keys = testApiKeys({ publisher: ['publish'], reader: ['read'], pii: ['read-pii'], operator: ['admin'] }, { rate: '100000/s' });
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-personal-data-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', API_KEYS: keys.API_KEYS });
    http = request(platform.app.getHttpServer());
  });
  afterAll(async () => {
    await platform?.close();
    dir.remove();
  });

  const as = (key: 'publisher' | 'reader' | 'pii' | 'operator') => keys.header(key);
  const projected = async (position: number) => platform.projector.runner.waitForPosition(position, 10_000);
  const publish = async (events: object[]) => {
    const res = await http.post('/v1/events/batch').set(as('publisher')).send({ events }).expect(202);
    await projected(Math.max(...(res.body.results as { position: number }[]).map((r) => r.position)));
    return res.body;
  };
  const viewOf = async (customerId: string, key: 'reader' | 'pii' = 'reader', asOf = '2026-11-30T00:00:00Z') =>
    (await http.get(`/v1/customers/${customerId}?asOf=${asOf}`).set(as(key)).expect(200)).body as Json;
  const person = (customerId: string) => {
    const tag = randomUUID().slice(0, 8);
    return {
      registered: sampleEvent('CustomerRegistered', {
        eventId: randomUUID(),
        customerId,
        occurredAt: '2026-01-05T09:00:00Z',
        data: { displayName: `Ada Lovelace-${tag}`, email: `ada-${tag}@example.com`, phone: '+44 20 7946 0958', acquisitionChannel: `campaign-${tag}` },
      } as SampleOverrides<'CustomerRegistered'>),
      complaint: sampleEvent('ComplaintFiled', {
        eventId: randomUUID(),
        customerId,
        occurredAt: '2026-02-01T09:00:00Z',
        data: { complaintId: `CP-${tag}`, description: `call me back on ada-${tag}@example.com` },
      } as SampleOverrides<'ComplaintFiled'>),
      tag,
    };
  };
  const streamOf = async (customerId: string) => {
    const events = [];
    for await (const recorded of platform.app.get(EventStore).readStream(`customer-${customerId}`)) events.push(toStoredInteractionEvent(recorded));
    return events;
  };
  /** The measures of a view: everything but where it is in the log (an erasure is one more event there). */
  const measures = (body: Json) => {
    const { position: _p, ...view } = body.view as Json;
    return view;
  };

  it('stores the personal data sealed: the event store, the read store and the key store hold none of it in clear', async () => {
    const customerId = `C-${randomUUID()}`;
    const { registered, complaint, tag } = person(customerId);
    await publish([registered, purchase(customerId, { occurredAt: '2026-01-10T09:00:00Z' }), complaint]);
    const bytes = dataDirBytes(dir.path, /\.sqlite(-wal)?$/);
    // The search has teeth: the acquisition channel is not personal data and is found in clear.
    expect(bytes).toContain(`campaign-${tag}`);
    for (const secret of [`Ada Lovelace-${tag}`, `ada-${tag}@example.com`, '+44 20 7946 0958', `call me back`]) expect(bytes).not.toContain(secret);
  });

  it('shows the name and contact details to read-pii keys only', async () => {
    const customerId = `C-${randomUUID()}`;
    const { registered, complaint } = person(customerId);
    await publish([registered, purchase(customerId, { occurredAt: '2026-01-10T09:00:00Z' }), complaint]);
    expect(await viewOf(customerId, 'reader')).not.toHaveProperty('personalData');
    expect((await viewOf(customerId, 'pii')).personalData).toEqual({
      status: 'present',
      displayName: registered.data.displayName,
      email: registered.data.email,
      phone: registered.data.phone,
      source: { eventId: registered.eventId, occurredAt: registered.occurredAt },
      sealed: true,
    });
    // Everything else is the same view.
    const { personalData: _pd, ...rest } = await viewOf(customerId, 'pii');
    expect(rest).toEqual(await viewOf(customerId, 'reader'));
  });

  it('erases by crypto-shredding: admin only, the person gone from the view and the store, the stages the same, then a replay gives the same views', async () => {
    const customerId = `C-${randomUUID()}`;
    const { registered, complaint } = person(customerId);
    await publish([registered, purchase(customerId, { occurredAt: '2026-01-10T09:00:00Z' }), purchase(customerId, { occurredAt: '2026-03-10T09:00:00Z' }), complaint]);
    const before = await viewOf(customerId, 'pii');
    expect(before.personalData.status).toBe('present');

    await http.delete(`/v1/customers/${customerId}/personal-data`).set(as('pii')).expect(403);
    await http.delete(`/v1/customers/${customerId}/personal-data`).set(as('publisher')).expect(403);
    const erased = await http.delete(`/v1/customers/${customerId}/personal-data?reference=DSR-1`).set(as('operator')).expect(200);
    expect(erased.body).toMatchObject({
      customerId,
      survivorCustomerId: customerId,
      erasedCustomerIds: [customerId],
      destroyedKeys: [{ customerId, versionsDestroyed: [1] }],
      unsealedEvents: 0,
    });
    expect(erased.body).not.toHaveProperty('warning');
    await projected(erased.body.position);

    const after = await viewOf(customerId, 'pii');
    expect(after.personalData).toEqual({ status: 'erased', erasedAt: erased.body.erasedAt });
    expect(measures(after)).toEqual(measures(before));
    expect(after.view.lifecycle.stage).toBe(before.view.lifecycle.stage);

    // The stored events still carry the sealed values, now for good: no key opens them.
    const events = await streamOf(customerId);
    expect((events[0].data as Json).displayName).toMatch(/^pii:1:1:/);
    expect(events.at(-1)).toMatchObject({ type: 'PersonalDataErased', data: { destroyedKeys: 1, requestedBy: 'operator', reference: 'DSR-1' } });

    // A second erasure destroys nothing more and records it again.
    const again = await http.delete(`/v1/customers/${customerId}/personal-data`).set(as('operator')).expect(200);
    expect(again.body.destroyedKeys).toEqual([{ customerId, versionsDestroyed: [] }]);
    await projected(again.body.position);

    // Replay: a blue-green rebuild from the events gives the same views, the person still erased.
    const readStore = platform.app.get(ReadStore);
    const viewsBefore = await viewsWithoutSegments(readStore);
    const started = await http.post('/v1/admin/rebuilds').set(as('operator')).send({}).expect(202);
    let status: Json = {};
    await waitFor(async () => ['done', 'failed', 'cancelled'].includes((status = (await http.get(started.headers.location).set(as('operator')).expect(200)).body).phase), { timeoutMs: 60_000 });
    expect(status.phase).toBe('done');
    await waitFor(async () => (await http.get('/v1/admin/generations').set(as('operator'))).body.active?.id === status.generation, { timeoutMs: 10_000 });
    expect(await viewsWithoutSegments(readStore)).toEqual(viewsBefore);
    const replayed = await viewOf(customerId, 'pii');
    expect(replayed.personalData).toEqual({ status: 'erased', erasedAt: again.body.erasedAt });
    expect(measures(replayed)).toEqual(measures(before));
  });

  it('gives a customer who registers again after an erasure a new key: the new details readable, the old ones not', async () => {
    const customerId = `C-${randomUUID()}`;
    const first = person(customerId);
    await publish([first.registered, purchase(customerId, { occurredAt: '2026-01-10T09:00:00Z' })]);
    const erased = await http.delete(`/v1/customers/${customerId}/personal-data`).set(as('operator')).expect(200);
    await projected(erased.body.position);
    const second = person(customerId);
    const again = { ...second.registered, occurredAt: '2026-06-01T09:00:00Z' };
    await publish([again]);
    expect((await viewOf(customerId, 'pii')).personalData).toMatchObject({ status: 'present', displayName: again.data.displayName, source: { eventId: again.eventId } });
    const events = await streamOf(customerId);
    const opened = await openPersonalData(events, platform.app.get(DataKeys));
    expect(opened.get(first.registered.eventId)?.displayName).toEqual({ state: 'erased' });
    expect(opened.get(again.eventId)?.displayName).toEqual({ state: 'clear', value: again.data.displayName });
    expect((events.find((e) => e.eventId === again.eventId)!.data as Json).displayName).toMatch(/^pii:1:2:/);
  });

  it('erases the whole person for a merged id: the survivor and every id merged into it', async () => {
    const [survivor, merged] = [`S-${randomUUID()}`, `M-${randomUUID()}`];
    const a = person(survivor);
    const b = person(merged);
    await publish([a.registered, b.registered, purchase(merged, { occurredAt: '2026-01-11T09:00:00Z' })]);
    await publish([sampleEvent('CustomersMerged', { eventId: randomUUID(), customerId: survivor, occurredAt: '2026-02-01T00:00:00Z', data: { mergedCustomerId: merged } } as SampleOverrides<'CustomersMerged'>)]);
    // The latest registration is the merged id's, sealed with the merged id's key: it opens with that key.
    expect((await viewOf(survivor, 'pii')).personalData).toMatchObject({ status: 'present', displayName: b.registered.data.displayName, source: { eventId: b.registered.eventId } });
    const res = await http.delete(`/v1/customers/${merged}/personal-data`).set(as('operator')).expect(200);
    expect(res.body).toMatchObject({ customerId: merged, survivorCustomerId: survivor });
    expect([...res.body.erasedCustomerIds].sort()).toEqual([merged, survivor].sort());
    await projected(res.body.position);
    expect((await viewOf(survivor, 'pii')).personalData.status).toBe('erased');
  });

  it('reports what it cannot shred: an event stored in clear before sealing existed', async () => {
    const customerId = `C-${randomUUID()}`;
    const legacy = person(customerId);
    await appendByCustomer(platform.app.get(EventStore), [legacy.registered]);
    await waitFor(async () => (await http.get(`/v1/customers/${customerId}`).set(as('reader'))).status === 200, { timeoutMs: 10_000 });
    expect((await viewOf(customerId, 'pii')).personalData).toMatchObject({ status: 'present', displayName: legacy.registered.data.displayName, sealed: false });
    const res = await http.delete(`/v1/customers/${customerId}/personal-data`).set(as('operator')).expect(200);
    expect(res.body).toMatchObject({ unsealedEvents: 1, destroyedKeys: [{ customerId, versionsDestroyed: [] }], warning: expect.stringContaining('cannot shred') });
    await projected(res.body.position);
    // Shown as erased all the same: the erasure is recorded after it.
    expect((await viewOf(customerId, 'pii')).personalData.status).toBe('erased');
  });

  it('refuses bad requests with a 4xx and changes nothing', async () => {
    await http.delete(`/v1/customers/C-${randomUUID()}/personal-data`).set(as('operator')).expect(404);
    const invalid = await http.delete('/v1/customers/bad%20id/personal-data?reference=').set(as('operator')).expect(400);
    expect(invalid.body.violations.map((v: { path: string }) => v.path)).toEqual(['id', 'reference']);
    const forged = sampleEvent('PersonalDataErased', { eventId: randomUUID(), customerId: `C-${randomUUID()}` } as SampleOverrides<'PersonalDataErased'>);
    const single = await http.post('/v1/events').set(as('publisher')).send(forged).expect(400);
    expect(single.body.violations).toEqual([{ path: 'type', messages: [expect.stringContaining('appended by the platform')] }]);
    const batch = await http.post('/v1/events/batch').set(as('publisher')).send({ events: [purchase(forged.customerId), forged] }).expect(400);
    expect(batch.body.violations.map((v: { path: string }) => v.path)).toEqual(['events[1].type']);
    await http.get(`/v1/customers/${forged.customerId}`).set(as('reader')).expect(404);
  });
});
