import { randomUUID } from 'node:crypto';
import { ReadStore } from '@crm/read-store';
import { tempDir, waitFor } from '@crm/testing';
import { PlatformHarness, purchase, startPlatform, viewsWithoutSegments } from './platform-harness';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * DAY).toISOString();

describe('identity merge (CustomersMerged)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-merge-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', GENERATION_POLL_MS: '100' });
  });
  afterAll(async () => {
    await platform?.close();
    dir.remove();
  });

  const projected = async () => {
    const head = (await platform.http.get('/health')).body.checks.eventStore.head as number;
    await platform.projector.runner.waitForPosition(head, 10_000);
  };

  it('folds both streams into the survivor, points the merged id to it, and replays to the same views', async () => {
    const survivor = `S-${randomUUID()}`;
    const merged = `M-${randomUUID()}`;
    // Two purchases under each id, interleaved in time: one person met twice.
    await platform.http
      .post('/v1/events/batch')
      .send({ events: [purchase(survivor, { occurredAt: at(1) }), purchase(merged, { occurredAt: at(2) }), purchase(survivor, { occurredAt: at(20) }), purchase(merged, { occurredAt: at(30) })] })
      .expect(202);
    await projected();
    const before = (await platform.http.get(`/v1/customers/${survivor}`).expect(200)).body;
    expect(before.view.loyalty.behavioural.purchaseCount).toBe(2);

    const mergeId = randomUUID();
    await platform.http
      .post('/v1/events')
      .send({ eventId: mergeId, type: 'CustomersMerged', schemaVersion: 1, customerId: survivor, occurredAt: at(40), source: 'crm-dedup', data: { mergedCustomerId: merged, reason: 'same email' } })
      .expect(202);
    await projected();

    // The survivor's view is the fold of both streams: four purchases, first seen on day 1.
    const after = (await platform.http.get(`/v1/customers/${survivor}`).expect(200)).body;
    expect(after.view.loyalty.behavioural.purchaseCount).toBe(4);
    expect(after.view.firstSeenAt).toBe(at(1));
    // The merged id answers with a pointer to the survivor (308, Location), its view and timeline alike.
    const pointer = await platform.http.get(`/v1/customers/${merged}?asOf=${at(50)}`).expect(308);
    expect(pointer.headers.location).toMatch(new RegExp(`^/v1/customers/${survivor}\\?asOf=`));
    expect(pointer.body).toMatchObject({ customerId: merged, mergedInto: survivor, eventId: mergeId, mergedAt: at(40) });
    expect((await platform.http.get(`/v1/customers/${merged}/timeline`).expect(308)).headers.location).toBe(`/v1/customers/${survivor}/timeline`);
    // The timeline of the survivor lists the merged customer's purchases too (its history is both streams).
    const timeline = (await platform.http.get(`/v1/customers/${survivor}/timeline`).expect(200)).body;
    expect(JSON.stringify(timeline)).toContain('first-purchase');

    // A later event published under the merged id counts for the survivor.
    await platform.http.post('/v1/events').send(purchase(merged, { occurredAt: at(45) })).expect(202);
    await projected();
    expect((await platform.http.get(`/v1/customers/${survivor}`).expect(200)).body.view.loyalty.behavioural.purchaseCount).toBe(5);

    // Lists and the population pass count the person once.
    const listed = (await platform.http.get('/v1/customers?limit=200').expect(200)).body.items.map((i: { customerId: string }) => i.customerId);
    expect(listed).toContain(survivor);
    const filtered = (await platform.http.get(`/v1/customers?lifecycleStage=${after.view.lifecycle.stage}&limit=200`).expect(200)).body.items.map((i: { customerId: string }) => i.customerId);
    expect(filtered).not.toContain(merged);
    await platform.http.post('/v1/segments/refresh').expect((res) => expect(res.status).toBeLessThan(300));
    const segments = (await platform.http.get('/v1/segments').expect(200)).body;
    expect(JSON.stringify(segments)).not.toContain(merged);

    // A replay (blue-green rebuild) gives the same views: the merge replays like any other event.
    const live = await viewsWithoutSegments(platform.app.get(ReadStore));
    const started = await platform.http.post('/v1/admin/rebuilds').send({}).expect(202);
    let status = started.body;
    await waitFor(async () => ['done', 'failed', 'cancelled'].includes((status = (await platform.http.get(started.headers.location).expect(200)).body).phase), { timeoutMs: 30_000 });
    expect(status.phase).toBe('done');
    expect(await viewsWithoutSegments(platform.app.get(ReadStore))).toEqual(live);
  });
});
