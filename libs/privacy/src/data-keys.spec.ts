import { DataKeys, dataKeyAad } from './data-keys';
import { generateKeyMaterial, openValue, sealValue, wrapDataKey } from './field-cipher';
import { CreateWrappedKey, KeyRef, WrappedKeyRecord } from './key-store.port';
import { InMemoryKeyStore, InMemoryKeyStoreData, inMemoryKeyStoreData } from './memory/in-memory-key-store';
import { DataKeyUnwrapError, MasterKeyMismatchError, SealedValueError } from './privacy.errors';

const T1 = '2026-03-02T11:00:00.000Z';

/** An in-memory store that counts the calls reaching it, and can hold them at a gate. */
class CountingKeyStore extends InMemoryKeyStore {
  calls = { getOrCreate: 0, getMany: 0 };
  gate: Promise<void> | null = null;

  override async getOrCreate(customerIds: readonly string[], create: CreateWrappedKey): Promise<Map<string, WrappedKeyRecord>> {
    this.calls.getOrCreate++;
    await this.gate;
    return super.getOrCreate(customerIds, create);
  }

  override async getMany(refs: readonly KeyRef[]): Promise<Map<string, WrappedKeyRecord>> {
    this.calls.getMany++;
    await this.gate;
    return super.getMany(refs);
  }
}

/** A process: its own DataKeys and store connection over shared data, on a clock the test moves. */
function startProcess(data: InMemoryKeyStoreData, options: { masterKey?: Buffer; cacheTtlMs?: number } = {}) {
  const clock = { now: Date.parse('2026-03-01T10:00:00.000Z') };
  const store = new CountingKeyStore(data);
  const keys = new DataKeys({ store, masterKey: options.masterKey ?? masterKey, cacheTtlMs: options.cacheTtlMs, now: () => clock.now });
  return { clock, store, keys };
}

const masterKey = generateKeyMaterial();

describe('DataKeys', () => {
  let data: InMemoryKeyStoreData;

  beforeEach(() => {
    data = inMemoryKeyStoreData();
  });

  it('creates a wrapped key per customer, and seals and opens with it', async () => {
    const { keys, store } = startProcess(data);
    const sealing = await keys.forSealing(['c-1', 'c-2', 'c-1']);
    expect([...sealing.keys()]).toEqual(['c-1', 'c-2']);
    const key = sealing.get('c-1')!;
    expect(key).toEqual({ customerId: 'c-1', version: 1, material: expect.any(Buffer) });
    expect(key.material).toHaveLength(32);

    const stored = (await store.get('c-1', 1))!;
    expect(stored.masterKeyId).toBe(keys.masterKeyId);
    expect(stored.createdAt).toBe('2026-03-01T10:00:00.000Z');
    expect(Buffer.from(stored.wrapped, 'base64').includes(key.material)).toBe(false);

    const token = sealValue('ana@example.com', key, 'c-1:evt-1');
    const opening = await keys.forOpening([{ customerId: 'c-1', version: 1 }, { customerId: 'c-9', version: 1 }]);
    expect([...opening.keys()]).toEqual(['c-1#1', 'c-9#1']);
    expect(opening.get('c-9#1')).toBeNull();
    expect(openValue(token, opening.get('c-1#1')!, 'c-1:evt-1')).toBe('ana@example.com');
  });

  it('asks the store once per TTL for keys it has seen', async () => {
    const { keys, store, clock } = startProcess(data);
    await keys.forSealing(['c-1']);
    await keys.forSealing(['c-1']);
    await keys.forOpening([{ customerId: 'c-1', version: 1 }]);
    expect(store.calls).toEqual({ getOrCreate: 1, getMany: 0 });
    clock.now += 5000;
    await keys.forSealing(['c-1']);
    await keys.forOpening([{ customerId: 'c-1', version: 1 }]);
    expect(store.calls).toEqual({ getOrCreate: 2, getMany: 0 });
    clock.now += 5000;
    await keys.forOpening([{ customerId: 'c-1', version: 1 }]);
    expect(store.calls).toEqual({ getOrCreate: 2, getMany: 1 });
  });

  it('stops using a key another process destroyed once its cache entry expires', async () => {
    const a = startProcess(data, { cacheTtlMs: 1000 });
    const b = startProcess(data);
    const v1 = (await a.keys.forSealing(['c'])).get('c')!;
    const token = sealValue('Ana Lima', v1, 'c:evt-1');
    await a.keys.forOpening([{ customerId: 'c', version: 1 }]);

    expect(await b.keys.destroy(['c'], T1)).toEqual([{ customerId: 'c', versionsDestroyed: [1] }]);
    a.clock.now += 999;
    expect((await a.keys.forSealing(['c'])).get('c')?.version).toBe(1);
    expect((await a.keys.forOpening([{ customerId: 'c', version: 1 }])).get('c#1')).not.toBeNull();

    a.clock.now += 1;
    const v2 = (await a.keys.forSealing(['c'])).get('c')!;
    expect(v2.version).toBe(2);
    expect((await a.keys.forOpening([{ customerId: 'c', version: 1 }])).get('c#1')).toBeNull();
    expect(() => openValue(token, v2, 'c:evt-1')).toThrow(SealedValueError);
  });

  it('forgets destroyed keys at once in the process that destroys them', async () => {
    const { keys, store } = startProcess(data);
    const v1 = (await keys.forSealing(['c', 'd'])).get('c')!;
    await keys.forOpening([{ customerId: 'c', version: 1 }]);
    const token = sealValue('+44 20 7946 0000', v1, 'c:evt-1');

    await keys.destroy(['c'], T1);
    expect(await keys.erasure('c')).toEqual({ erasedAt: T1, lastVersion: 1 });
    expect((await keys.forOpening([{ customerId: 'c', version: 1 }])).get('c#1')).toBeNull();
    const v2 = (await keys.forSealing(['c'])).get('c')!;
    expect(v2.version).toBe(2);
    expect(v2.material.equals(v1.material)).toBe(false);
    expect(() => openValue(token, { ...v2, version: 1 }, 'c:evt-1')).toThrow(SealedValueError);

    const before = { ...store.calls };
    expect((await keys.forSealing(['d'])).get('d')?.version).toBe(1);
    expect(store.calls).toEqual(before); // d's entry was not touched
  });

  it('does not cache what a read that straddled a destroy brought back', async () => {
    const { keys, store } = startProcess(data);
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const straddling = keys.forSealing(['c']);
    await keys.destroy(['c'], T1);
    store.gate = null;
    open();
    expect((await straddling).get('c')?.version).toBe(1);
    await keys.forSealing(['c']);
    expect(store.calls.getOrCreate).toBe(2);
  });

  it('asks the store every time with cacheTtlMs 0', async () => {
    const { keys, store } = startProcess(data, { cacheTtlMs: 0 });
    await keys.forSealing(['c']);
    await keys.forSealing(['c']);
    await keys.forOpening([{ customerId: 'c', version: 1 }]);
    await keys.forOpening([{ customerId: 'c', version: 1 }]);
    expect(store.calls).toEqual({ getOrCreate: 2, getMany: 2 });
  });

  it('fails with both master key ids when the store was written with another master key', async () => {
    const first = startProcess(data);
    await first.keys.forSealing(['c']);
    const wrong = startProcess(data, { masterKey: generateKeyMaterial() });
    const error = await wrong.keys.forSealing(['c']).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MasterKeyMismatchError);
    expect(error).toMatchObject({ customerId: 'c', version: 1, storedMasterKeyId: first.keys.masterKeyId, configuredMasterKeyId: wrong.keys.masterKeyId, retriable: false });
    expect((error as Error).message).toContain(first.keys.masterKeyId);
    expect((error as Error).message).toContain(wrong.keys.masterKeyId);
    await expect(wrong.keys.forOpening([{ customerId: 'c', version: 1 }])).rejects.toThrow(MasterKeyMismatchError);
  });

  it('refuses a wrapped key moved onto another customer', async () => {
    const { keys } = startProcess(data);
    await keys.forSealing(['c', 'd']);
    const stolen = data.keys.get('c')!.get(1)!;
    data.keys.get('d')!.set(1, { ...stolen, customerId: 'd' });
    await expect(startProcess(data).keys.forOpening([{ customerId: 'd', version: 1 }])).rejects.toThrow(DataKeyUnwrapError);
  });

  it('unwraps the winner a racing process stored, not the key it made itself', async () => {
    const winner = generateKeyMaterial();
    const { keys, store } = startProcess(data);
    const racing = new InMemoryKeyStore(data);
    store.gate = (async () => {
      await racing.getOrCreate(['c'], (customerId, version) => ({
        customerId,
        version,
        masterKeyId: keys.masterKeyId,
        wrapped: wrapDataKey(winner, masterKey, dataKeyAad(customerId, version)),
        createdAt: T1,
      }));
    })();
    expect((await keys.forSealing(['c'])).get('c')?.material.equals(winner)).toBe(true);
  });

  it('checks its options', () => {
    const store = new InMemoryKeyStore();
    expect(() => new DataKeys({ store, masterKey: Buffer.alloc(16) })).toThrow(/32 bytes/);
    expect(() => new DataKeys({ store, masterKey, cacheTtlMs: -1 })).toThrow(RangeError);
  });
});
