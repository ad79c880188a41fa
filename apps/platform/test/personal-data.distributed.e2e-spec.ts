import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { SampleOverrides, sampleEvent } from '@crm/contracts';
import { IncomingMessage, TOPICS } from '@crm/messaging';
import { waitFor } from '@crm/testing';
import { DistributedApps, REDIS_URL, distributedEnv, startDistributedApps } from './distributed-fixture';
import { purchase } from './platform-harness';

jest.setTimeout(120_000);

type Json = { [key: string]: any };

/** Every value under a key prefix, read by type (DUMP would compress long strings and hide them). */
async function redisValues(client: Redis, prefix: string): Promise<string> {
  const values: string[] = [];
  for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
    for (const key of keys) {
      const type = await client.type(key);
      if (type === 'string') values.push((await client.get(key)) ?? '');
      else if (type === 'hash') values.push(JSON.stringify(await client.hgetall(key)));
      else if (type === 'zset') values.push(JSON.stringify(await client.zrange(key, 0, -1, 'WITHSCORES')));
      else if (type === 'set') values.push(JSON.stringify(await client.smembers(key)));
      else if (type === 'list') values.push(JSON.stringify(await client.lrange(key, 0, -1)));
      else values.push(`${key}: ${type}`);
    }
  }
  return values.join('\n');
}

/**
 * Personal data in distributed mode (Kafka, Redis read and key stores): no topic and no Redis key
 * ever holds it in clear, and an erasure puts the view without it on the compacted views topic
 * with the same stages.
 */
describe('personal data on Kafka and Redis', () => {
  const deployment = distributedEnv({ KAFKA_PARTITIONS: '2' });
  const seen = new Map<string, IncomingMessage[]>(Object.values(TOPICS).map((t) => [t, []]));
  let apps: DistributedApps | undefined;
  let redis: Redis;

  beforeAll(async () => {
    apps = await startDistributedApps('personal-data', deployment);
    for (const [name, address] of Object.entries(TOPICS)) await apps.observe(apps.topics[name as keyof typeof TOPICS], seen.get(address)!);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await apps?.close();
    await redis?.quit();
  });

  it('carries ciphertext only, and after an erasure the views topic has the view without personal data, stages unchanged', async () => {
    const customerId = `C-${randomUUID()}`;
    const tag = randomUUID().slice(0, 8);
    const secrets = [`Grace Hopper-${tag}`, `grace-${tag}@example.com`, `write to grace-${tag}`];
    const registered = sampleEvent('CustomerRegistered', {
      eventId: randomUUID(),
      customerId,
      occurredAt: '2026-01-05T09:00:00Z',
      data: { displayName: secrets[0], email: secrets[1], acquisitionChannel: `campaign-${tag}` },
    } as SampleOverrides<'CustomerRegistered'>);
    const complaint = sampleEvent('ComplaintFiled', { eventId: randomUUID(), customerId, occurredAt: '2026-02-01T09:00:00Z', data: { complaintId: `CP-${tag}`, description: secrets[2] } } as SampleOverrides<'ComplaintFiled'>);
    await apps!.http.post('/v1/events/batch').send({ events: [registered, purchase(customerId, { occurredAt: '2026-01-10T09:00:00Z' }), complaint] }).expect(202);
    const before = await apps!.viewOf(customerId, 3);
    expect(before.personalData).toMatchObject({ status: 'present', displayName: secrets[0], email: secrets[1] });

    const mine = (address: string) => seen.get(address)!.filter((m) => m.key === customerId);
    await waitFor(() => mine(TOPICS.interactions).length >= 3 && mine(TOPICS.customerViews).length > 0, { timeoutMs: 30_000, message: 'the events and a view on the topics' });
    const everything = () => [...seen.values()].flat().map((m) => `${m.value ?? ''} ${JSON.stringify(m.headers)}`).join('\n');
    // The search has teeth: the acquisition channel is not personal data, and is on the interactions topic in clear.
    expect(mine(TOPICS.interactions).some((m) => m.value?.includes(`campaign-${tag}`))).toBe(true);
    for (const secret of secrets) expect(everything()).not.toContain(secret);
    const stored = await redisValues(redis, deployment.env.REDIS_KEY_PREFIX);
    expect(stored).toContain(customerId);
    for (const secret of secrets) expect(stored).not.toContain(secret);

    const viewBefore = JSON.parse(mine(TOPICS.customerViews).at(-1)!.value!) as Json;
    const erased = await apps!.http.delete(`/v1/customers/${customerId}/personal-data`).expect(200);
    expect(erased.body.destroyedKeys).toEqual([{ customerId, versionsDestroyed: [1] }]);
    const latestView = async () => {
      const views = mine(TOPICS.customerViews).map((m) => JSON.parse(m.value!) as Json);
      return views.at(-1)!.position >= erased.body.position ? views.at(-1) : undefined;
    };
    const published = await waitFor(latestView, { timeoutMs: 30_000, message: 'the view after the erasure on the views topic' });
    expect(published).not.toHaveProperty('personalData');
    // The same measures as the view published before it: an erasure changes where the view is in the log, nothing else.
    const { position: _a, ...measuresBefore } = viewBefore.view as Json;
    const { position: _b, ...measuresAfter } = published.view as Json;
    expect(measuresAfter).toEqual(measuresBefore);
    const after = (await apps!.http.get(`/v1/customers/${customerId}`).expect(200)).body as Json;
    expect(after.personalData).toEqual({ status: 'erased', erasedAt: erased.body.erasedAt });
    for (const secret of secrets) expect(everything()).not.toContain(secret);
  });
});
