import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createServiceApp, topicNames } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { IncomingMessage, KafkaBroker, KafkaPublisher, OutgoingMessage, createKafka, toInteractionMessage } from '@crm/messaging';
import { ProjectorModule, ProjectorService } from '@crm/projector';
import { QueryModule } from '@crm/query-api';
import { RelayModule } from '@crm/relay';
import { waitFor } from '@crm/testing';
import { KAFKA_BROKERS, distributedEnv } from './distributed-fixture';
import { contact, purchase, recordServerErrors } from './platform-harness';

jest.setTimeout(120_000);

/**
 * Regression of issue 7: one deeply nested value on crm.interactions.v1 made the projector
 * throw a RangeError that kafkajs took for a bug, so it stopped consuming on every partition,
 * for good, and a restart died again on the same offset.
 */
describe('distributed projector: a poison message goes to the DLQ and the partition moves on', () => {
  const deployment = distributedEnv({ KAFKA_PARTITIONS: '2' });
  const topics = topicNames(deployment.config());
  const kafka = createKafka({ brokers: KAFKA_BROKERS, clientId: 'e2e-poison' });
  const broker = new KafkaBroker(kafka);
  const publisher = new KafkaPublisher(kafka);
  let app: NestExpressApplication;
  let serverErrors: ReturnType<typeof recordServerErrors> | undefined;
  let http: ReturnType<typeof request>;
  const dlq: IncomingMessage[] = [];

  beforeAll(async () => {
    app = await createServiceApp('poison', deployment.config(), [IngestModule, RelayModule, ProjectorModule, QueryModule], { logger: ['error'] });
    await app.init();
    serverErrors = recordServerErrors(app);
    http = request(app.getHttpServer());
    await broker.consume({ topic: topics.interactionsDlq, groupId: `observer-${randomUUID()}`, eachBatch: async (b) => void dlq.push(...b.messages) });
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
      { timeoutMs: 60_000, message: `view of ${customerId} with ${events} events` },
    );
  const deadLetterOf = (marker: string) =>
    waitFor(() => dlq.find((m) => m.headers.marker === marker), { timeoutMs: 60_000, message: `dead letter ${marker}` });

  /** A message as the relay would publish it for `customerId` (real headers), with the value replaced. */
  const relayedWith = (customerId: string, marker: string, value: OutgoingMessage['value'] | ((json: string) => string)): OutgoingMessage => {
    const real = toInteractionMessage({ ...purchase(customerId), revision: 0, position: 1, recordedAt: new Date().toISOString() });
    return { ...real, value: typeof value === 'function' ? value(real.value as string) : value, headers: { ...real.headers, marker } };
  };

  it('dead-letters 20,000 levels of nesting (~240 KB) with its reason, and the next event of the same customer is applied', async () => {
    const customerId = `C-${randomUUID()}`;
    const nested = '{"level-x":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    const poison = relayedWith(customerId, 'deep', (json) => json.replace('"source":', `"extra":${nested},"source":`));
    expect(Buffer.byteLength(poison.value)).toBeGreaterThan(240_000);
    await publisher.publish(topics.interactions, [poison]);
    // The good one goes the real way (HTTP → store → relay), to the poison's partition: same key.
    const stored = await http.post('/v1/events').send(purchase(customerId)).expect(202);

    const view = await viewOf(customerId, 1);
    expect(view.position).toBe(stored.body.position);
    const dead = await deadLetterOf('deep');
    expect(dead.headers).toMatchObject({ 'dlq-reason': 'value nests deeper than 32 levels', 'dlq-source-topic': topics.interactions, eventId: poison.headers!.eventId });
    expect(dead.value).toBe(poison.value);
    await expect(app.get(ProjectorService).status()).resolves.toMatchObject({ applied: expect.any(Number) });
  });

  it('dead-letters every other kind of poison with its reason while the events after it keep flowing', async () => {
    const customerId = `C-${randomUUID()}`;
    const invalidUtf8 = Buffer.concat([Buffer.from('{"eventId":"'), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('"}')]);
    const poisons: [string, OutgoingMessage, RegExp][] = [
      ['not-json', relayedWith(customerId, 'not-json', 'this is not JSON'), /^value is not JSON/],
      ['not-utf8', relayedWith(customerId, 'not-utf8', invalidUtf8), /^value is not valid UTF-8$/],
      ['empty', relayedWith(customerId, 'empty', ''), /^value is not JSON/],
      ['huge', relayedWith(customerId, 'huge', (json) => json.replace('"source":', `"padding":"${'x'.repeat(600 * 1024)}","source":`)), /^value is \d+ bytes, over the limit of 262144$/],
      ['wrong-types', relayedWith(customerId, 'wrong-types', (json) => json.replace(/"amount":\d+/, '"amount":"lots"').replace(/"position":\d+/, '"position":"1"')), /^invalid event: position: .*data\.amount/],
      ['no-headers', { ...relayedWith(customerId, 'no-headers', (json) => json), headers: { marker: 'no-headers' } }, /^envelope does not match the payload: header eventId: missing/],
    ];
    await publisher.publish(topics.interactions, poisons.map(([, message]) => message));
    await http.post('/v1/events/batch').send({ events: [contact(customerId), purchase(customerId)] }).expect(202);

    await viewOf(customerId, 2);
    for (const [marker, message, reason] of poisons) {
      const dead = await deadLetterOf(marker);
      expect(dead.headers['dlq-reason']).toMatch(reason);
      expect(Buffer.compare(dead.valueBytes!, Buffer.from(message.value))).toBe(0);
    }
  });
});
