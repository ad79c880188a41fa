import { randomUUID } from 'node:crypto';
import { IncomingMessage } from '@crm/messaging';
import { waitFor } from '@crm/testing';
import { DistributedApps, distributedEnv, startDistributedApps } from './distributed-fixture';
import { contact, purchase } from './platform-harness';

jest.setTimeout(90_000);

describe('distributed pipeline: HTTP → store → relay → Kafka → projector → Redis → HTTP', () => {
  const deployment = distributedEnv();
  const seen: Record<string, IncomingMessage[]> = { dlq: [], views: [], changes: [] };
  let apps: DistributedApps | undefined;
  const viewOf = (customerId: string, events: number) => apps!.viewOf(customerId, events, 30_000);

  beforeAll(async () => {
    apps = await startDistributedApps('all-in-kafka', deployment);
    await apps.observe(apps.topics.interactionsDlq, seen.dlq);
    await apps.observe(apps.topics.customerViews, seen.views);
    await apps.observe(apps.topics.relationshipChanges, seen.changes);
  });

  afterAll(async () => {
    await apps?.close();
  });

  it('serves a published event through Kafka and Redis, with the position it reflects', async () => {
    const customerId = `C-${randomUUID()}`;
    const stored = await apps!.http.post('/v1/events').send(purchase(customerId)).expect(202);
    const view = await viewOf(customerId, 1);
    expect(view.position).toBe(stored.body.position);
    await apps!.http.post('/v1/events/batch').send({ events: [contact(customerId), contact(customerId)] }).expect(202);
    await viewOf(customerId, 3);
    const health = await apps!.http.get('/health').expect(200);
    expect(health.body.checks).toMatchObject({ relay: { status: 'up' }, projector: { status: 'up' }, readStore: { adapter: 'redis' } });
  });

  it('publishes the latest view on the compacted views topic and each index change with its cause', async () => {
    const customerId = `C-${randomUUID()}`;
    const event = purchase(customerId);
    await apps!.http.post('/v1/events').send(event).expect(202);
    await viewOf(customerId, 1);
    await waitFor(() => seen.views.some((m) => m.key === customerId), { timeoutMs: 20_000, message: 'view message' });
    const changes = await waitFor(() => {
      const mine = seen.changes.filter((m) => m.key === customerId);
      return mine.length > 0 ? mine : undefined;
    }, { timeoutMs: 20_000, message: 'change message' });
    expect(JSON.parse(changes[0].value!)).toMatchObject({ customerId, eventId: event.eventId, from: null });
  });

  it('sends a poison message to the DLQ with the reason and original headers while the rest keeps flowing', async () => {
    const good = `C-${randomUUID()}`;
    await apps!.publisher.publish(apps!.topics.interactions, [
      { key: good, value: '{"not": "an event"', headers: { eventId: 'bogus', origin: 'test' } },
      { key: good, value: JSON.stringify({ ...purchase(good), amount: 'x', revision: 0, position: 1, recordedAt: '2026-01-01T00:00:00Z' }), headers: { origin: 'test' } },
    ]);
    await apps!.http.post('/v1/events').send(contact(good)).expect(202);
    await viewOf(good, 1);
    const dead = await waitFor(() => (seen.dlq.length >= 2 ? seen.dlq : undefined), { timeoutMs: 20_000, message: 'two dead letters' });
    expect(dead.map((m) => m.headers['dlq-reason'])).toEqual([expect.stringContaining('not JSON'), expect.stringContaining('invalid event')]);
    expect(dead[0].headers).toMatchObject({ eventId: 'bogus', origin: 'test', 'dlq-source-topic': apps!.topics.interactions });
  });
});
