import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { readStoreContract } from '../../../testing/src/read-store.contract';
import { DocumentVersionConflictError, ViewRecord } from '../read-store.port';
import { RedisReadStore } from './redis-read-store';
import { redisReadStoreKeys } from './redis-read-store.keys';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const uniquePrefix = () => `crm-test:${randomUUID()}:`;

/** A store on its own prefix; cleanup clears the prefix and disconnects. */
async function openStore(keyPrefix = uniquePrefix()): Promise<{ store: RedisReadStore; cleanup: () => Promise<void> }> {
  const store = await RedisReadStore.connect({ url, keyPrefix });
  return {
    store,
    cleanup: async () => {
      await store.clear();
      await store.close();
    },
  };
}

const record = (customerId: string, position: number, indexes: Record<string, string> = {}, view: unknown = { n: position }): ViewRecord => ({
  customerId,
  position,
  indexes,
  view,
});

/** Every key the server holds under `prefix`, sorted. */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

readStoreContract('Redis', () => openStore());

describe('RedisReadStore', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisReadStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    redis = new Redis(url);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(async () => {
    prefix = uniquePrefix();
    ({ store, cleanup } = await openStore(prefix));
  });
  afterEach(async () => {
    await cleanup();
  });

  it('stores the documented key layout', async () => {
    await store.commit({ views: [record('c-1', 3, { stage: 'awareness' })], checkpoint: { name: 'projector', position: 3 } });
    expect(await keysUnder(redis, prefix)).toEqual(
      [`${prefix}checkpoints`, `${prefix}ids`, `${prefix}idx:5:stage:awareness`, `${prefix}view:c-1`].sort(),
    );
    expect(await redis.get(`${prefix}view:c-1`)).toBe('3\n{"stage":"awareness"}\n{"n":3}');
    expect(await redis.zrange(`${prefix}ids`, 0, -1, 'WITHSCORES')).toEqual(['c-1', '0']);
    expect(await redis.hget(`${prefix}checkpoints`, 'projector')).toBe('3');
  });

  describe('versioned documents', () => {
    it('stores the documented key layout', async () => {
      await store.putDocuments([{ name: 'measures:agent:a-1', expectedVersion: 0, value: { calls: 1 } }]);
      await store.putDocuments([{ name: 'measures:agent:a-1', expectedVersion: 1, value: { calls: 2 } }]);
      expect(await keysUnder(redis, prefix)).toEqual([`${prefix}doc:measures:agent:a-1`, `${prefix}docs`]);
      expect(await redis.get(`${prefix}doc:measures:agent:a-1`)).toBe('2\n{"calls":2}');
      expect(await redis.zrange(`${prefix}docs`, 0, -1, 'WITHSCORES')).toEqual(['measures:agent:a-1', '0']);
    });

    it('refuses a batch touching a corrupt or foreign document key, writing none of it', async () => {
      await redis.set(`${prefix}doc:corrupt`, 'no version here');
      await redis.set(`${prefix}doc:zero`, '0\n{}');
      await redis.hset(`${prefix}doc:foreign`, 'some', 'hash');
      const before = await snapshot(redis, prefix);
      for (const [name, error] of [['corrupt', /corrupt/], ['zero', /corrupt/], ['foreign', /WRONGTYPE/]] as const) {
        await expect(
          store.putDocuments([
            { name: 'fresh', expectedVersion: 0, value: 1 },
            { name, expectedVersion: 1, value: 2 },
          ]),
        ).rejects.toThrow(error);
      }
      expect(await snapshot(redis, prefix)).toEqual(before);
      await expect(store.getDocuments(['corrupt'])).rejects.toThrow(/corrupt/);
    });

    it('loses no update when writers on separate connections race on the same documents', async () => {
      // Four store instances (separate connections, like projector instances in one consumer
      // group), 40 increments of two documents written together in one batch.
      const instances = await Promise.all(Array.from({ length: 4 }, () => RedisReadStore.connect({ url, keyPrefix: prefix })));
      let conflicts = 0;
      const increment = async (writer: RedisReadStore): Promise<void> => {
        for (;;) {
          const current = await writer.getDocuments<number>(['x', 'y']);
          try {
            await writer.putDocuments(
              ['x', 'y'].map((name) => ({ name, expectedVersion: current.get(name)?.version ?? 0, value: (current.get(name)?.value ?? 0) + 1 })),
            );
            return;
          } catch (error) {
            if (!(error instanceof DocumentVersionConflictError)) throw error;
            conflicts++;
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: 40 }, (_, i) => increment(instances[i % instances.length])));
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
      const stored = await store.getDocuments<number>(['x', 'y']);
      expect(stored.get('x')).toEqual({ name: 'x', version: 40, value: 40 });
      expect(stored.get('y')).toEqual({ name: 'y', version: 40, value: 40 });
      expect(conflicts).toBeGreaterThan(0);
    });
  });

  it('keeps index names and values holding ":" apart', async () => {
    await store.commit({ views: [record('c-1', 1, { 'a:b': 'c' }), record('c-2', 1, { a: 'b:c' })] });
    expect((await store.listViews({ filter: { 'a:b': 'c' } })).items.map((v) => v.customerId)).toEqual(['c-1']);
    expect((await store.listViews({ filter: { a: 'b:c' } })).items.map((v) => v.customerId)).toEqual(['c-2']);
  });

  describe('stale-writer guard', () => {
    it('never moves a view back to a lower position, and still writes the checkpoint', async () => {
      await store.commit({ views: [record('c-1', 10, { stage: 'expansion' })], checkpoint: { name: 'p', position: 10 } });
      // A late duplicate delivery of an older state, together with a fresh view.
      await store.commit({
        views: [record('c-1', 4, { stage: 'awareness' }), record('c-2', 11, { stage: 'awareness' })],
        checkpoint: { name: 'p', position: 11 },
      });
      expect(await store.getView('c-1')).toEqual(record('c-1', 10, { stage: 'expansion' }));
      expect(await store.countViews({ stage: 'expansion' })).toBe(1);
      expect((await store.listViews({ filter: { stage: 'awareness' } })).items.map((v) => v.customerId)).toEqual(['c-2']);
      expect(await store.getCheckpoint('p')).toBe(11);
    });

    it('overwrites at an equal position and applies a batch in order', async () => {
      await store.commit({ views: [record('c-1', 5, { stage: 'a' })] });
      await store.commit({ views: [record('c-1', 5, { stage: 'b' }, { redone: true })] });
      expect(await store.getView('c-1')).toEqual(record('c-1', 5, { stage: 'b' }, { redone: true }));
      // Same id twice in one batch: the later, higher one wins; a lower one after it is skipped.
      await store.commit({ views: [record('c-1', 6, { stage: 'c' }), record('c-1', 8, { stage: 'd' }), record('c-1', 7, { stage: 'e' })] });
      expect((await store.getView('c-1'))?.indexes).toEqual({ stage: 'd' });
      for (const stage of ['a', 'b', 'c', 'e']) expect(await store.countViews({ stage })).toBe(0);
      expect(await store.countViews({ stage: 'd' })).toBe(1);
    });
  });

  it('applies index moves of one id within a batch as their net effect', async () => {
    await store.commit({ views: [record('c-1', 1, { stage: 'a', tier: 'gold' }), record('c-2', 1, { stage: 'b' })] });
    await store.commit({
      views: [
        record('c-1', 2, { stage: 'b' }),
        record('c-1', 3, { stage: 'a', tier: 'lead' }),
        record('c-2', 2, { stage: 'a' }),
        record('c-3', 2, { stage: 'b' }),
        record('c-3', 3, {}),
      ],
    });
    expect((await store.listViews({ filter: { stage: 'a' } })).items.map((v) => v.customerId)).toEqual(['c-1', 'c-2']);
    expect(await store.countViews({ stage: 'b' })).toBe(0);
    expect(await store.countViews({ tier: 'gold' })).toBe(0);
    expect(await store.countViews({ tier: 'lead' })).toBe(1);
    expect(await store.countViews()).toBe(3);
    expect(await store.getView('c-3')).toEqual(record('c-3', 3, {}));
  });

  describe('atomic commit', () => {
    it('changes nothing when the script fails half-way through a batch', async () => {
      await store.commit({ views: [record('c-0', 1, { stage: 'awareness' })], checkpoint: { name: 'p', position: 1 } });
      const before = await snapshot(redis, prefix);
      // The LAST view's index key is of the wrong type, so the ZADD for it would fail after the
      // earlier views were written, unless the script validates everything before it writes.
      await redis.set(`${prefix}idx:5:stage:broken`, 'not a sorted set');
      const views = Array.from({ length: 50 }, (_, i) => record(`c-${i}`, 2 + i, { stage: 'exploration' }));
      views.push(record('c-last', 99, { stage: 'broken' }));
      await expect(store.commit({ views, checkpoint: { name: 'p', position: 99 } })).rejects.toThrow(/WRONGTYPE/);
      const after = await snapshot(redis, prefix);
      expect(after).toEqual({ ...before, [`${prefix}idx:5:stage:broken`]: 'string not a sorted set' });
      expect(await store.getView('c-0')).toEqual(record('c-0', 1, { stage: 'awareness' }));
      expect(await store.getView('c-1')).toBeNull();
      expect(await store.getCheckpoint('p')).toBe(1);
    });

    it('refuses a batch touching a corrupt or foreign view key, writing none of it', async () => {
      await redis.set(`${prefix}view:corrupt`, 'no header here');
      await redis.hset(`${prefix}view:foreign`, 'some', 'hash');
      const before = await snapshot(redis, prefix);
      await expect(store.commit({ views: [record('c-1', 1), record('corrupt', 2)], checkpoint: { name: 'p', position: 2 } })).rejects.toThrow(/corrupt/);
      await expect(store.commit({ views: [record('c-1', 1), record('foreign', 2)], checkpoint: { name: 'p', position: 2 } })).rejects.toThrow(/WRONGTYPE/);
      expect(await snapshot(redis, prefix)).toEqual(before);
    });

    it('rejects values the script cannot store before sending anything', async () => {
      const unserialisable: ViewRecord = { customerId: 'c-2', position: 1, indexes: {}, view: undefined };
      await expect(store.commit({ views: [record('c-1', 1), unserialisable] })).rejects.toThrow(/JSON/);
      await expect(store.commit({ views: [record('c-1', 1, { stage: 7 as unknown as string })] })).rejects.toThrow(/string/);
      await expect(store.commit({ views: [record('c-1', Number.NaN)] })).rejects.toThrow(/position/);
      expect(await store.countViews()).toBe(0);
    });

    it('is all-or-nothing for another connection reading while a large commit runs', async () => {
      const views = Array.from({ length: 5000 }, (_, i) => record(`c-${String(i).padStart(5, '0')}`, i, { stage: 'a' }));
      const observations: [number, string | null][] = [];
      let done = false;
      // The reader takes (view count, checkpoint) in one MULTI so each observation is a single instant.
      const reader = (async () => {
        while (!done) {
          const result = await redis.multi().zcard(`${prefix}ids`).hget(`${prefix}checkpoints`, 'p').exec();
          observations.push([result![0][1] as number, result![1][1] as string | null]);
        }
      })();
      await store.commit({ views, checkpoint: { name: 'p', position: 4999 } });
      // One more observation after the commit, so there is always a post-commit sample.
      done = true;
      await reader;
      const final = await redis.multi().zcard(`${prefix}ids`).hget(`${prefix}checkpoints`, 'p').exec();
      observations.push([final![0][1] as number, final![1][1] as string | null]);
      for (const observation of observations) expect([[0, null], [5000, '4999']]).toContainEqual(observation);
      expect(observations[observations.length - 1]).toEqual([5000, '4999']);
    });
  });

  it('commits and lists 5,000 views', async () => {
    const views = Array.from({ length: 5000 }, (_, i) =>
      record(`c-${String(i).padStart(5, '0')}`, i, { stage: ['awareness', 'exploration', 'expansion'][i % 3], tier: i % 7 === 0 ? 'gold' : 'lead' }),
    );
    await store.commit({ views, checkpoint: { name: 'p', position: 4999 } });
    expect(await store.countViews()).toBe(5000);
    const expected = views.filter((v) => v.indexes.stage === 'expansion' && v.indexes.tier === 'gold').map((v) => v.customerId);
    expect(await store.countViews({ stage: 'expansion', tier: 'gold' })).toBe(expected.length);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await store.listViews({ filter: { tier: 'gold', stage: 'expansion' }, after, limit: 37 });
      seen.push(...page.items.map((v) => v.customerId));
      pages++;
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 37));
    const scanned: string[] = [];
    for await (const view of store.scanViews({ batchSize: 700 })) scanned.push(view.customerId);
    expect(scanned).toEqual(views.map((v) => v.customerId));
    const some = await store.getViews(['c-04999', 'c-00000', 'c-00000', 'c-99999']);
    expect([...some.keys()].sort()).toEqual(['c-00000', 'c-04999']);
  });

  it('clear() removes only its own prefix', async () => {
    const neighbour = await openStore(`${prefix}neighbour:`);
    try {
      await store.commit({ views: [record('c-1', 1, { stage: 'x' })], checkpoint: { name: 'p', position: 1 } });
      await neighbour.store.commit({ views: [record('c-1', 2, { stage: 'x' })], checkpoint: { name: 'p', position: 2 } });
      await redis.set(`${prefix}unrelated`, 'kept');
      await store.putDocuments([{ name: 'd', expectedVersion: 0, value: 1 }]);
      await neighbour.store.putDocuments([{ name: 'd', expectedVersion: 0, value: 2 }]);
      await store.clear();
      expect((await neighbour.store.getDocuments(['d'])).get('d')).toEqual({ name: 'd', version: 1, value: 2 });
      expect((await neighbour.store.listDocumentNames('')).names).toEqual(['d']);
      expect(await store.countViews()).toBe(0);
      expect(await neighbour.store.getView('c-1')).toEqual(record('c-1', 2, { stage: 'x' }));
      expect(await neighbour.store.countViews({ stage: 'x' })).toBe(1);
      expect(await neighbour.store.getCheckpoint('p')).toBe(2);
      expect(await redis.get(`${prefix}unrelated`)).toBe('kept');
      expect((await keysUnder(redis, prefix)).filter((key) => !key.startsWith(`${prefix}neighbour:`))).toEqual([`${prefix}unrelated`]);
    } finally {
      await redis.del(`${prefix}unrelated`);
      await neighbour.cleanup();
    }
  });

  it('uses a given client without closing it', async () => {
    const client = new Redis(url);
    try {
      const shared = await RedisReadStore.connect({ client, keyPrefix: prefix });
      await shared.commit({ views: [record('c-1', 1)] });
      await shared.close();
      expect(await client.ping()).toBe('PONG');
      expect(await store.getView('c-1')).toEqual(record('c-1', 1));
    } finally {
      await client.quit();
    }
  });

  it('refuses a client with an ioredis keyPrefix, whose keys the script would not see', async () => {
    const client = new Redis(url, { keyPrefix: 'x:', lazyConnect: true });
    await expect(RedisReadStore.connect({ client })).rejects.toThrow(/keyPrefix/);
    client.disconnect();
  });

  it('escapes glob characters of the prefix in clear()', async () => {
    const globby = await openStore(`${prefix}[g]*:`);
    const plain = await openStore(`${prefix}g-other:`);
    try {
      await globby.store.commit({ views: [record('c-1', 1)] });
      await plain.store.commit({ views: [record('c-1', 1)] });
      await globby.store.clear();
      expect(await globby.store.getView('c-1')).toBeNull();
      expect(await plain.store.getView('c-1')).toEqual(record('c-1', 1));
    } finally {
      await globby.cleanup();
      await plain.cleanup();
    }
  });

  it('fails fast with the socket error when the server is unreachable', async () => {
    // Port 1 is privileged and unused: the connection is refused at once.
    await expect(RedisReadStore.connect({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('rejects a non-positive limit', async () => {
    await expect(store.listViews({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it('builds the same index keys as the script', () => {
    // Byte length, not UTF-16 length: Lua's # counts bytes.
    expect(redisReadStoreKeys('p:').index('städte', 'x')).toBe('p:idx:7:städte:x');
  });
});

/** Every key under the prefix with its type (enough to see any write). */
async function snapshot(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const key of await keysUnder(redis, prefix)) {
    const type = await redis.type(key);
    result[key] =
      type === 'hash'
        ? JSON.stringify(await redis.hgetall(key))
        : type === 'zset'
          ? JSON.stringify(await redis.zrange(key, 0, -1))
          : `${type} ${await redis.get(key)}`;
  }
  return result;
}
