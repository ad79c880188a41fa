import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { topicNames } from '@crm/infrastructure';
import { createServiceApp } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { IncomingMessage, KafkaBroker, KafkaPublisher, createKafka } from '@crm/messaging';
import { ProjectorModule } from '@crm/projector';
import { QueryModule } from '@crm/query-api';
import { RelayModule } from '@crm/relay';
import { waitFor } from '@crm/testing';
import { KAFKA_BROKERS, distributedEnv } from './distributed-fixture';
import { contact, purchase, recordServerErrors } from './platform-harness';

jest.setTimeout(90_000);

describe('distributed pipeline: HTTP → store → relay → Kafka → projector → Redis → HTTP', () => {
  const deployment = distributedEnv();
  const topics = topicNames(deployment.config());
  const kafka = createKafka({ brokers: KAFKA_BROKERS, clientId: 'e2e-observer' });
  const broker = new KafkaBroker(kafka);
  const publisher = new KafkaPublisher(kafka);
  let app: NestExpressApplication;
  let serverErrors: ReturnType<typeof recordServerErrors> | undefined;
  let http: ReturnType<typeof request>;
  const seen: Record<string, IncomingMessage[]> = { dlq: [], views: [], changes: [] };

  beforeAll(async () => {
    app = await createServiceApp('all-in-kafka', deployment.config(), [IngestModule, RelayModule, ProjectorModule, QueryModule], { logger: ['error'] });
    await app.init();
    serverErrors = recordServerErrors(app);
    http = request(app.getHttpServer());
    const watch = async (topic: string, into: IncomingMessage[]) =>
      broker.consume({ topic, groupId: `observer-${randomUUID()}`, eachBatch: async (b) => void into.push(...b.messages) });
    await watch(topics.interactionsDlq, seen.dlq);
    await watch(topics.customerViews, seen.views);
    await watch(topics.relationshipChanges, seen.changes);
  });

  afterAll(async () => {
    await app?.close();
    serverErrors?.assertNone();
    await broker.close();
    await publisher.close();
    deployment.dir.remove();
  });

  const viewOf = (customerId: string, events: number) =>
    waitFor(
      async () => {
        const res = await http.get(`/v1/customers/${customerId}`);
        return res.status === 200 && res.body.view.eventCount === events ? res.body : undefined;
      },
      { timeoutMs: 30_000, message: `view of ${customerId} with ${events} events` },
    );

  it('serves a published event through Kafka and Redis, with the position it reflects', async () => {
    const customerId = `C-${randomUUID()}`;
    const stored = await http.post('/v1/events').send(purchase(customerId)).expect(202);
    const view = await viewOf(customerId, 1);
    expect(view.position).toBe(stored.body.position);
    await http.post('/v1/events/batch').send({ events: [contact(customerId), contact(customerId)] }).expect(202);
    await viewOf(customerId, 3);
    const health = await http.get('/health').expect(200);
    expect(health.body.checks).toMatchObject({ relay: { status: 'up' }, projector: { status: 'up' }, readStore: { adapter: 'redis' } });
  });

  it('publishes the latest view on the compacted views topic and each index change with its cause', async () => {
    const customerId = `C-${randomUUID()}`;
    const event = purchase(customerId);
    await http.post('/v1/events').send(event).expect(202);
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
    await publisher.publish(topics.interactions, [
      { key: good, value: '{"not": "an event"', headers: { eventId: 'bogus', origin: 'test' } },
      { key: good, value: JSON.stringify({ ...purchase(good), amount: 'x', revision: 0, position: 1, recordedAt: '2026-01-01T00:00:00Z' }), headers: { origin: 'test' } },
    ]);
    await http.post('/v1/events').send(contact(good)).expect(202);
    await viewOf(good, 1);
    const dead = await waitFor(() => (seen.dlq.length >= 2 ? seen.dlq : undefined), { timeoutMs: 20_000, message: 'two dead letters' });
    expect(dead.map((m) => m.headers['dlq-reason'])).toEqual([expect.stringContaining('not JSON'), expect.stringContaining('invalid event')]);
    expect(dead[0].headers).toMatchObject({ eventId: 'bogus', origin: 'test', 'dlq-source-topic': topics.interactions });
  });
});
