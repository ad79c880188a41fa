import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { keyStoreContract } from '../../../testing/src/key-store.contract';
import { WrappedKeyRecord } from '../key-store.port';
import { RedisKeyStore } from './redis-key-store';
import { redisKeyStoreKeys } from './redis-key-store.keys';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Glob characters in the prefix too: the cleanup's SCAN pattern must escape them.
const uniquePrefix = () => `crm-test:keys:[${randomUUID()}]*:`;

/** Every key the server holds under `prefix`, sorted. */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', redisKeyStoreKeys(prefix).pattern, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Stores on one prefix, each on a client of its own; cleanup deletes the prefix's keys and quits the clients. */
async function openStores(prefix = uniquePrefix()) {
  const clients: Redis[] = [];
  const open = async (): Promise<RedisKeyStore> => {
    const client = new Redis(url, { lazyConnect: true });
    await client.connect();
    clients.push(client);
    return new RedisKeyStore({ client, keyPrefix: prefix });
  };
  const store = await open();
  return {
    store,
    client: clients[0],
    openAnother: open,
    cleanup: async () => {
      const keys = await keysUnder(clients[0], prefix);
      if (keys.length > 0) await clients[0].del(...keys);
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}

const record = (customerId: string, version: number, wrapped = `w-${customerId}-${version}`): WrappedKeyRecord => ({
  customerId,
  version,
  masterKeyId: '0123456789abcdef',
  wrapped,
  createdAt: '2026-03-01T10:00:00.000Z',
});

keyStoreContract('Redis', () => openStores());

describe('RedisKeyStore', () => {
  let fixture: Awaited<ReturnType<typeof openStores>>;
  let prefix: string;

  beforeEach(async () => {
    prefix = uniquePrefix();
    fixture = await openStores(prefix);
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('stores the documented key layout', async () => {
    const { store, client } = fixture;
    await store.getOrCreate(['a:b'], record);
    await store.destroy(['a:b'], '2026-03-02T11:00:00.000Z');
    await store.getOrCreate(['a:b'], record);
    expect(await keysUnder(client, prefix)).toEqual([`${prefix}customer:a:b`]);
    expect(await client.hgetall(`${prefix}customer:a:b`)).toEqual({
      '2': JSON.stringify({ masterKeyId: '0123456789abcdef', wrapped: 'w-a:b-2', createdAt: '2026-03-01T10:00:00.000Z' }),
      lastVersion: '1',
      erasedAt: '2026-03-02T11:00:00.000Z',
    });
  });

  it('offers the next version again when an erasure lands between its read and its write', async () => {
    const { store, client } = fixture;
    const offered: number[] = [];
    const created = await store.getOrCreate(['c'], (customerId, version) => {
      offered.push(version);
      // Sent on the same connection before the creation script: Redis runs it first.
      if (offered.length === 1) void client.hset(`${prefix}customer:c`, 'lastVersion', '6', 'erasedAt', '2026-03-02T11:00:00.000Z');
      return record(customerId, version);
    });
    expect(offered).toEqual([1, 7]);
    expect(created.get('c')).toEqual(record('c', 7));
    expect(await store.get('c', 1)).toBeNull();
  });

  it('returns the record a racer stored between its read and its write', async () => {
    const { store, client } = fixture;
    const racer = JSON.stringify({ masterKeyId: 'fedcba9876543210', wrapped: 'racer', createdAt: '2026-03-01T09:00:00.000Z' });
    const created = await store.getOrCreate(['c'], (customerId, version) => {
      void client.hset(`${prefix}customer:c`, '1', racer);
      return record(customerId, version);
    });
    expect(created.get('c')).toEqual({ customerId: 'c', version: 1, masterKeyId: 'fedcba9876543210', wrapped: 'racer', createdAt: '2026-03-01T09:00:00.000Z' });
  });

  it('sends a batch of 2,000 customers in a handful of writes to the socket, not one per customer', async () => {
    const { store, client } = fixture;
    const ids = Array.from({ length: 2000 }, (_, i) => `bulk-${i}`);
    const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
    const write = jest.spyOn(stream, 'write');
    await store.getOrCreate(ids, record);
    await store.getMany(ids.map((customerId) => ({ customerId, version: 1 })));
    await store.destroy(ids, '2026-03-02T11:00:00.000Z');
    // One pipeline + one script for getOrCreate, one pipeline for getMany, one script for destroy
    // (a script not yet cached costs one EVAL after its EVALSHA).
    expect(write.mock.calls.length).toBeLessThanOrEqual(8);
    write.mockRestore();
  });

  it('refuses a client with an ioredis keyPrefix, and leaves the client open on close', async () => {
    const prefixed = new Redis(url, { lazyConnect: true, keyPrefix: 'x:' });
    expect(() => new RedisKeyStore({ client: prefixed })).toThrow(/keyPrefix/);
    prefixed.disconnect();
    await fixture.store.close();
    expect(await fixture.client.ping()).toBe('PONG');
  });
});
