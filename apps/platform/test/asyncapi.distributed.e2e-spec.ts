import { randomUUID } from 'node:crypto';
import { IncomingMessage, TOPICS } from '@crm/messaging';
import { waitFor } from '@crm/testing';
import { ParsedAsyncApi, messageChecker, parseAsyncApi } from '../../../libs/messaging/test/asyncapi-document';
import { DistributedApps, distributedEnv, startDistributedApps } from './distributed-fixture';
import { contact, purchase } from './platform-harness';

jest.setTimeout(120_000);

/**
 * infra/asyncapi.yaml is true: real messages of every topic, produced by the real relay and
 * projector on the real broker, each checked (key, headers, payload) against the document.
 */
describe('infra/asyncapi.yaml against the messages on the broker', () => {
  const deployment = distributedEnv({ KAFKA_PARTITIONS: '2' });
  let apps: DistributedApps | undefined;
  let asyncApi: ParsedAsyncApi;
  /** Messages per topic, by the unprefixed name the document uses. */
  const seen = new Map<string, IncomingMessage[]>(Object.values(TOPICS).map((t) => [t, []]));

  beforeAll(async () => {
    asyncApi = await parseAsyncApi();
    apps = await startDistributedApps('asyncapi', deployment);
    for (const [name, address] of Object.entries(TOPICS)) await apps.observe(apps.topics[name as keyof typeof TOPICS], seen.get(address)!);
  });

  afterAll(async () => {
    await apps?.close();
  });

  it('every topic carries what the document says: key, headers and payload', async () => {
    expect(asyncApi.problems).toEqual([]);
    const customerId = `C-${randomUUID()}`;
    // A purchase changes the lifecycle stage (a change message); the rest gives the view some substance.
    await apps!.http.post('/v1/events/batch').send({ events: [contact(customerId), purchase(customerId), contact(customerId)] }).expect(202);
    // A poison for the DLQ, with headers of its own.
    await apps!.publisher.publish(apps!.topics.interactions, [{ key: customerId, value: '{"eventId":', headers: { origin: 'asyncapi-test' } }]);

    const mine = (address: string) => seen.get(address)!.filter((m) => m.key === customerId);
    await waitFor(() => Object.values(TOPICS).every((address) => mine(address).length > 0) && mine(TOPICS.interactions).length >= 4, {
      timeoutMs: 60_000,
      message: `a message of ${customerId} on every topic (${Object.values(TOPICS).map((t) => `${t}: ${mine(t).length}`).join(', ')})`,
    });

    const injected = (m: IncomingMessage) => m.headers.origin === 'asyncapi-test';
    for (const address of Object.values(TOPICS)) {
      const check = messageChecker(asyncApi.topics.get(address)!);
      const produced = mine(address).filter((m) => address === TOPICS.interactionsDlq || !injected(m));
      expect(produced.length).toBeGreaterThan(0);
      for (const message of produced) expect({ topic: address, offset: message.offset, problems: check(message) }).toEqual({ topic: address, offset: message.offset, problems: [] });
    }
    // …and the checks have teeth: the poison is not a StoredEvent.
    expect(messageChecker(asyncApi.topics.get(TOPICS.interactions)!)(mine(TOPICS.interactions).find(injected)!)).toContain('payload is not JSON');

    // The views topic has the body of GET /v1/customers/:id: the same fields, not the stored fold state.
    const latest = JSON.parse(mine(TOPICS.customerViews).at(-1)!.value!);
    const res = await apps!.http.get(`/v1/customers/${customerId}`).expect(200);
    // The GET of a read-pii key adds personalData, opened from the stream: the topic never carries it.
    expect(latest).not.toHaveProperty('personalData');
    expect(Object.keys(latest).filter((k) => k !== 'indexes').sort()).toEqual(Object.keys(res.body).filter((k) => k !== 'personalData').sort());
    expect(Object.keys(latest.view).sort()).toEqual(Object.keys(res.body.view).sort());
    expect(mine(TOPICS.interactionsDlq)[0].headers).toMatchObject({ origin: 'asyncapi-test', 'dlq-reason': expect.stringContaining('not JSON') });
  });

  it('a view with a population segment (tier, lifetime value) matches too', async () => {
    const customerId = `C-${randomUUID()}`;
    await apps!.http.post('/v1/events').send(purchase(customerId)).expect(202);
    await waitFor(async () => (await apps!.http.get(`/v1/customers/${customerId}`)).status === 200, { timeoutMs: 60_000, message: 'first view' });
    await apps!.http.post('/v1/segments/refresh').expect((res) => expect(res.status).toBeLessThan(300));
    await apps!.http.post('/v1/events').send(contact(customerId)).expect(202);
    const segmented = await waitFor(() => seen.get(TOPICS.customerViews)!.find((m) => m.key === customerId && JSON.parse(m.value!).segment !== null), {
      timeoutMs: 60_000,
      message: 'a view message with a segment',
    });
    expect(messageChecker(asyncApi.topics.get(TOPICS.customerViews)!)(segmented)).toEqual([]);
  });
});
