import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { keyStoreContract } from '../../../testing/src/key-store.contract';
import { tempDir } from '../../../testing/src/temp-dir';
import { DataKeys } from '../data-keys';
import { generateKeyMaterial } from '../field-cipher';
import { KeyStore } from '../key-store.port';
import { SqliteKeyStore } from './sqlite-key-store';

keyStoreContract('SQLite', async () => {
  const dir = tempDir('crm-key-store-');
  const filename = join(dir.path, 'keys.sqlite');
  const stores: KeyStore[] = [SqliteKeyStore.open({ filename })];
  return {
    store: stores[0],
    // A second connection to the same file, as a second process would have.
    openAnother: async () => {
      stores.push(SqliteKeyStore.open({ filename }));
      return stores[stores.length - 1];
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      dir.remove();
    },
  };
});

describe('SqliteKeyStore', () => {
  let dir: { path: string; remove: () => void };
  let filename: string;

  beforeEach(() => {
    dir = tempDir('crm-key-store-');
    filename = join(dir.path, 'private', 'keys.sqlite');
  });
  afterEach(() => dir.remove());

  /** The bytes of the database file and of its WAL, if there is one. */
  const bytesOnDisk = (): Buffer =>
    Buffer.concat([readFileSync(filename), existsSync(`${filename}-wal`) ? readFileSync(`${filename}-wal`) : Buffer.alloc(0)]);

  it('leaves no copy of a destroyed key in the database file or its WAL', async () => {
    const store = SqliteKeyStore.open({ filename });
    const other = SqliteKeyStore.open({ filename });
    try {
      const keys = new DataKeys({ store, masterKey: generateKeyMaterial() });
      // Several batches, so pages split and cells move before anything is deleted.
      const ids = Array.from({ length: 1500 }, (_, i) => `customer-${i}`);
      for (let i = 0; i < ids.length; i += 300) await keys.forSealing(ids.slice(i, i + 300));
      const records = await store.getMany(ids.map((customerId) => ({ customerId, version: 1 })));
      const erased = ids.filter((_, i) => i % 3 !== 0);
      const kept = ids.filter((_, i) => i % 3 === 0);
      const wrapped = (id: string) => records.get(`${id}#1`)!.wrapped;
      expect(erased.some((id) => bytesOnDisk().includes(wrapped(id)))).toBe(true);

      await keys.destroy(erased, '2026-03-02T11:00:00.000Z');

      const disk = bytesOnDisk();
      expect(erased.filter((id) => disk.includes(wrapped(id)))).toEqual([]);
      // The search does find what is still there.
      expect(kept.filter((id) => !disk.includes(wrapped(id)))).toEqual([]);
      expect(statSync(`${filename}-wal`).size).toBe(0);
      expect(await other.get(kept[0], 1)).toEqual(records.get(`${kept[0]}#1`));
      expect(await other.get(erased[0], 1)).toBeNull();
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('keeps keys and tombstones across close and reopen, in a file only its owner can read', async () => {
    const first = SqliteKeyStore.open({ filename });
    const keys = new DataKeys({ store: first, masterKey: generateKeyMaterial() });
    await keys.forSealing(['a', 'b']);
    await keys.destroy(['b'], '2026-03-02T11:00:00.000Z');
    const a = await first.get('a', 1);
    await first.close();
    await first.close();
    expect(statSync(filename).mode & 0o777).toBe(0o600);

    const second = SqliteKeyStore.open({ filename });
    expect(await second.get('a', 1)).toEqual(a);
    expect(await second.erasure('b')).toEqual({ erasedAt: '2026-03-02T11:00:00.000Z', lastVersion: 1 });
    await second.close();
  });

  it('needs a file of its own', () => {
    expect(() => SqliteKeyStore.open({} as never)).toThrow(/filename is required/);
  });
});
