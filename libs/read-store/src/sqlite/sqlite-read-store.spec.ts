import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoreContract } from '../../../testing/src/read-store.contract';
import { SqliteReadStore } from './sqlite-read-store';

readStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-read-store-'));
  const store = SqliteReadStore.open({ dataDir: dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteReadStore', () => {
  it('keeps views across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-read-store-'));
    try {
      const first = SqliteReadStore.open({ dataDir: dir });
      await first.commit({ views: [{ customerId: 'c', position: 3, indexes: { a: 'b' }, view: { ok: true } }], checkpoint: { name: 'p', position: 3 } });
      await first.close();
      const second = SqliteReadStore.open({ dataDir: dir });
      expect(await second.getView('c')).toEqual({ customerId: 'c', position: 3, indexes: { a: 'b' }, view: { ok: true } });
      expect(await second.getCheckpoint('p')).toBe(3);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
