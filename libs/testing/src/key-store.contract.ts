import { randomBytes } from 'node:crypto';
import { KeyStore, WrappedKeyRecord, keyRefId } from '@crm/privacy';

export interface KeyStoreFixture {
  store: KeyStore;
  /**
   * Another store on the same data, as another process would open it (a second connection to the
   * same file, a second client of the same server and prefix). The fixture's cleanup closes it.
   */
  openAnother: () => Promise<KeyStore>;
  cleanup: () => Promise<void>;
}

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-02T11:00:00.000Z';
const T2 = '2026-03-03T12:00:00.000Z';

/** A record as DataKeys would make it; `wrapped` random, so two creators never make the same one. */
const record = (customerId: string, version: number): WrappedKeyRecord => ({
  customerId,
  version,
  masterKeyId: '0123456789abcdef',
  wrapped: randomBytes(60).toString('base64'),
  createdAt: T0,
});

/** A create callback that records what it was asked for. */
function creator(): { create: (customerId: string, version: number) => WrappedKeyRecord; calls: [string, number][] } {
  const calls: [string, number][] = [];
  return {
    calls,
    create: (customerId, version) => {
      calls.push([customerId, version]);
      return record(customerId, version);
    },
  };
}

/**
 * The behaviour every key-store adapter must have. The factory must give an empty, isolated
 * store (its own file, or its own key prefix on a shared server).
 */
export function keyStoreContract(name: string, factory: () => Promise<KeyStoreFixture>): void {
  describe(`KeyStore contract: ${name}`, () => {
    let fixture: KeyStoreFixture;
    let store: KeyStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('knows nothing of a customer it never saw', async () => {
      expect(await store.get('nobody', 1)).toBeNull();
      expect(await store.getMany([{ customerId: 'nobody', version: 1 }])).toEqual(new Map());
      expect(await store.erasure('nobody')).toBeNull();
      expect(await store.getOrCreate([], creator().create)).toEqual(new Map());
      expect(await store.getMany([])).toEqual(new Map());
      expect(await store.destroy([], T1)).toEqual([]);
    });

    it('creates version 1 if absent, and returns the same record on the next call without creating', async () => {
      const first = creator();
      const created = await store.getOrCreate(['c-1', 'c-2', 'c-1'], first.create);
      expect(first.calls.sort()).toEqual([
        ['c-1', 1],
        ['c-2', 1],
      ]);
      expect([...created.keys()]).toEqual(['c-1', 'c-2']);
      expect(created.get('c-1')).toEqual(expect.objectContaining({ customerId: 'c-1', version: 1, masterKeyId: '0123456789abcdef', createdAt: T0 }));

      const second = creator();
      const again = await store.getOrCreate(['c-2', 'c-1', 'c-3'], second.create);
      expect(second.calls).toEqual([['c-3', 1]]);
      expect(again.get('c-1')).toEqual(created.get('c-1'));
      expect(again.get('c-2')).toEqual(created.get('c-2'));
      expect(await store.get('c-1', 1)).toEqual(created.get('c-1'));
      expect(await store.get('c-1', 2)).toBeNull();
    });

    it('gives both of two concurrent calls the same winner, on one store and from another instance', async () => {
      const other = await fixture.openAnother();
      const ids = Array.from({ length: 50 }, (_, i) => `race-${i}`);
      const [a, b, c] = await Promise.all([
        store.getOrCreate(['solo', ...ids], creator().create),
        store.getOrCreate(['solo', ...ids], creator().create),
        other.getOrCreate([...ids].reverse(), creator().create),
      ]);
      expect(b.get('solo')).toEqual(a.get('solo'));
      for (const id of ids) {
        expect(a.get(id)?.version).toBe(1);
        expect(b.get(id)).toEqual(a.get(id));
        expect(c.get(id)).toEqual(a.get(id));
        expect(await other.get(id, 1)).toEqual(a.get(id));
      }
    });

    it('destroys every version, leaves a tombstone, and creates the next version for a returning customer', async () => {
      const v1 = (await store.getOrCreate(['c'], creator().create)).get('c')!;
      expect(await store.destroy(['c'], T1)).toEqual([{ customerId: 'c', versionsDestroyed: [1] }]);
      expect(await store.get('c', 1)).toBeNull();
      expect(await store.erasure('c')).toEqual({ erasedAt: T1, lastVersion: 1 });

      const returning = creator();
      const v2 = (await store.getOrCreate(['c'], returning.create)).get('c')!;
      expect(returning.calls).toEqual([['c', 2]]);
      expect(v2.version).toBe(2);
      expect(v2.wrapped).not.toBe(v1.wrapped);
      expect(await store.get('c', 1)).toBeNull();
      expect(await store.get('c', 2)).toEqual(v2);

      const other = await fixture.openAnother();
      expect(await other.destroy(['c'], T2)).toEqual([{ customerId: 'c', versionsDestroyed: [2] }]);
      expect(await store.erasure('c')).toEqual({ erasedAt: T2, lastVersion: 2 });
      expect((await store.getOrCreate(['c'], creator().create)).get('c')?.version).toBe(3);
    });

    it('is idempotent: destroying again destroys nothing and keeps the erasure it recorded', async () => {
      await store.getOrCreate(['c', 'd'], creator().create);
      await store.destroy(['c'], T1);
      expect(await store.destroy(['c', 'd', 'c'], T2)).toEqual([
        { customerId: 'c', versionsDestroyed: [] },
        { customerId: 'd', versionsDestroyed: [1] },
      ]);
      expect(await store.erasure('c')).toEqual({ erasedAt: T1, lastVersion: 1 });
      expect(await store.erasure('d')).toEqual({ erasedAt: T2, lastVersion: 1 });
      expect(await store.destroy(['c', 'd'], T2)).toEqual([
        { customerId: 'c', versionsDestroyed: [] },
        { customerId: 'd', versionsDestroyed: [] },
      ]);
    });

    it('records the erasure of a customer who never had a key, whose first key is then version 1', async () => {
      expect(await store.destroy(['never'], T1)).toEqual([{ customerId: 'never', versionsDestroyed: [] }]);
      expect(await store.erasure('never')).toEqual({ erasedAt: T1, lastVersion: 0 });
      expect((await store.getOrCreate(['never'], creator().create)).get('never')?.version).toBe(1);
      await store.destroy(['never'], T2);
      expect(await store.erasure('never')).toEqual({ erasedAt: T2, lastVersion: 1 });
    });

    it('reads many versions at once, keyed by customerId#version, leaving out what does not exist', async () => {
      await store.getOrCreate(['a', 'b'], creator().create);
      await store.destroy(['b'], T1);
      const b2 = (await store.getOrCreate(['b'], creator().create)).get('b')!;
      const found = await store.getMany([
        { customerId: 'a', version: 1 },
        { customerId: 'b', version: 1 },
        { customerId: 'b', version: 2 },
        { customerId: 'a', version: 1 },
        { customerId: 'z', version: 1 },
      ]);
      expect([...found.keys()].sort()).toEqual(['a#1', 'b#2']);
      expect(found.get('b#2')).toEqual(b2);
      expect(found.get(keyRefId({ customerId: 'a', version: 1 }))).toEqual(await store.get('a', 1));
    });

    it('handles 2,000 customers per call in one batch', async () => {
      const ids = Array.from({ length: 2000 }, (_, i) => `bulk-${i}`);
      const started = Date.now();
      const created = await store.getOrCreate(ids, creator().create);
      const again = creator();
      const read = await store.getOrCreate(ids, again.create);
      const many = await store.getMany(ids.map((customerId) => ({ customerId, version: 1 })));
      const destroyed = await store.destroy(ids, T1);
      const elapsed = Date.now() - started;
      expect(created.size).toBe(2000);
      expect(again.calls).toEqual([]);
      expect(read).toEqual(created);
      expect(many.size).toBe(2000);
      expect(destroyed.every((entry) => entry.versionsDestroyed.length === 1)).toBe(true);
      expect(await store.getMany(ids.map((customerId) => ({ customerId, version: 1 })))).toEqual(new Map());
      // Per-customer round trips would take seconds on a networked server; batches take milliseconds.
      expect(elapsed).toBeLessThan(3000);
    });

    it('keeps customers apart whatever characters their ids hold', async () => {
      const ids = ['a', 'a:b', 'a:b:1', 'b', 'x.y-z_1', '*', '?', '[', ']', '\\', 'a#1', 'customer:a', '1', 'lastVersion', ' spaced ', 'ü-客户-🙂'];
      const created = await store.getOrCreate(ids, creator().create);
      expect(new Set([...created.values()].map((r) => r.wrapped)).size).toBe(ids.length);
      for (const id of ids) expect(await store.get(id, 1)).toEqual(created.get(id));
      expect(await store.destroy(['*', '[', 'a', '\\'], T1)).toEqual([
        { customerId: '*', versionsDestroyed: [1] },
        { customerId: '[', versionsDestroyed: [1] },
        { customerId: 'a', versionsDestroyed: [1] },
        { customerId: '\\', versionsDestroyed: [1] },
      ]);
      const left = await store.getMany(ids.map((customerId) => ({ customerId, version: 1 })));
      expect([...left.keys()].sort()).toEqual(
        ids
          .filter((id) => !['*', '[', 'a', '\\'].includes(id))
          .map((id) => `${id}#1`)
          .sort(),
      );
      expect(await store.erasure('a:b')).toBeNull();
      expect(await store.erasure('?')).toBeNull();
      expect(await store.erasure('*')).toEqual({ erasedAt: T1, lastVersion: 1 });
    });

    it('refuses empty customer ids, bad versions and bad instants', async () => {
      await expect(store.getOrCreate([''], creator().create)).rejects.toThrow(TypeError);
      await expect(store.get('c', 0)).rejects.toThrow(TypeError);
      await expect(store.getMany([{ customerId: 'c', version: 1.5 }])).rejects.toThrow(TypeError);
      await expect(store.destroy(['c'], 'yesterday')).rejects.toThrow(TypeError);
      await expect(store.destroy([''], T1)).rejects.toThrow(TypeError);
    });

    it('stores nothing of a batch whose create callback fails or answers for another key', async () => {
      await expect(store.getOrCreate(['c'], (_, version) => record('d', version))).rejects.toThrow(TypeError);
      await expect(
        store.getOrCreate(['x', 'y'], (customerId, version) => {
          if (customerId === 'y') throw new Error('no randomness today');
          return record(customerId, version);
        }),
      ).rejects.toThrow('no randomness today');
      expect(await store.getMany(['c', 'd', 'x', 'y'].map((customerId) => ({ customerId, version: 1 })))).toEqual(new Map());
    });
  });
}
