import { randomUUID } from 'node:crypto';
import { IncomingMessage, OutgoingMessage, toInteractionMessage } from '@crm/messaging';
import { ProjectorService } from '@crm/projector';
import { waitFor } from '@crm/testing';
import { DistributedApps, distributedEnv, startDistributedApps } from './distributed-fixture';
import { contact, purchase } from './platform-harness';

jest.setTimeout(120_000);

/**
 * Regression of issue 7: one deeply nested value on crm.interactions.v1 made the projector
 * throw a RangeError that kafkajs took for a bug, so it stopped consuming on every partition,
 * for good, and a restart died again on the same offset.
 */
describe('distributed projector: a poison message goes to the DLQ and the partition moves on', () => {
  const deployment = distributedEnv({ KAFKA_PARTITIONS: '2' });
  const dlq: IncomingMessage[] = [];
  let apps: DistributedApps | undefined;
  const viewOf = (customerId: string, events: number) => apps!.viewOf(customerId, events, 60_000);

  beforeAll(async () => {
    apps = await startDistributedApps('poison', deployment);
    await apps.observe(apps.topics.interactionsDlq, dlq);
  });

  afterAll(async () => {
    await apps?.close();
  });

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
    await apps!.publisher.publish(apps!.topics.interactions, [poison]);
    // The good one goes the real way (HTTP → store → relay), to the poison's partition: same key.
    const stored = await apps!.http.post('/v1/events').send(purchase(customerId)).expect(202);

    const view = await viewOf(customerId, 1);
    expect(view.position).toBe(stored.body.position);
    const dead = await deadLetterOf('deep');
    expect(dead.headers).toMatchObject({ 'dlq-reason': 'value nests deeper than 32 levels', 'dlq-source-topic': apps!.topics.interactions, eventId: poison.headers!.eventId });
    expect(dead.value).toBe(poison.value);
    await expect(apps!.app.get(ProjectorService).status()).resolves.toMatchObject({ applied: expect.any(Number) });
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
    await apps!.publisher.publish(apps!.topics.interactions, poisons.map(([, message]) => message));
    await apps!.http.post('/v1/events/batch').send({ events: [contact(customerId), purchase(customerId)] }).expect(202);

    await viewOf(customerId, 2);
    for (const [marker, message, reason] of poisons) {
      const dead = await deadLetterOf(marker);
      expect(dead.headers['dlq-reason']).toMatch(reason);
      expect(Buffer.compare(dead.valueBytes!, Buffer.from(message.value))).toBe(0);
    }
  });
});
