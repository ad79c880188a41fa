import { ReadStore, ViewRecord } from '@crm/read-store';

export interface ReadStoreFixture {
  store: ReadStore;
  cleanup: () => Promise<void>;
}

const record = (customerId: string, position: number, indexes: Record<string, string> = {}): ViewRecord<{ n: number }> => ({
  customerId,
  position,
  indexes,
  view: { n: position },
});

/**
 * The behaviour every read-store adapter must have. The factory must give an empty,
 * isolated store (its own file, or its own key prefix on a shared server).
 */
export function readStoreContract(name: string, factory: () => Promise<ReadStoreFixture>): void {
  describe(`ReadStore contract: ${name}`, () => {
    let fixture: ReadStoreFixture;
    let store: ReadStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('returns null for an unknown view and -1 for an unknown checkpoint', async () => {
      expect(await store.getView('nobody')).toBeNull();
      expect(await store.getCheckpoint('projector')).toBe(-1);
    });

    it('round-trips views, indexes and the checkpoint in one commit', async () => {
      await store.commit({
        views: [record('c-1', 4, { stage: 'awareness' }), record('c-2', 7, { stage: 'exploration' })],
        checkpoint: { name: 'projector', position: 7 },
      });
      expect(await store.getView('c-1')).toEqual(record('c-1', 4, { stage: 'awareness' }));
      expect(await store.getCheckpoint('projector')).toBe(7);
      const many = await store.getViews(['c-2', 'c-1', 'missing']);
      expect([...many.keys()].sort()).toEqual(['c-1', 'c-2']);
      expect(many.get('c-2')?.position).toBe(7);
    });

    it('replaces a view and moves it between index values', async () => {
      await store.commit({ views: [record('c-1', 1, { stage: 'awareness', tier: 'lead' })] });
      await store.commit({ views: [record('c-1', 2, { stage: 'exploration' })] });
      expect((await store.getView('c-1'))?.position).toBe(2);
      expect(await store.countViews({ stage: 'awareness' })).toBe(0);
      expect(await store.countViews({ stage: 'exploration' })).toBe(1);
      expect(await store.countViews({ tier: 'lead' })).toBe(0);
    });

    it('keeps checkpoints by name', async () => {
      await store.commit({ views: [], checkpoint: { name: 'a', position: 3 } });
      await store.commit({ views: [], checkpoint: { name: 'b', position: 9 } });
      await store.commit({ views: [], checkpoint: { name: 'a', position: 5 } });
      expect(await store.getCheckpoint('a')).toBe(5);
      expect(await store.getCheckpoint('b')).toBe(9);
    });

    it('lists views in id order, filtered by every key, page by page', async () => {
      const views = Array.from({ length: 25 }, (_, i) =>
        record(`c-${String(i).padStart(3, '0')}`, i, { stage: i % 2 === 0 ? 'even' : 'odd', tier: i % 5 === 0 ? 'gold' : 'lead' }),
      );
      await store.commit({ views });
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listViews({ filter: { stage: 'even' }, after, limit: 4 });
        seen.push(...page.items.map((v) => v.customerId));
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
      expect(seen).toEqual(views.filter((_, i) => i % 2 === 0).map((v) => v.customerId));
      const both = await store.listViews({ filter: { stage: 'even', tier: 'gold' } });
      expect(both.items.map((v) => v.customerId)).toEqual(['c-000', 'c-010', 'c-020']);
      expect(both.nextCursor).toBeNull();
      expect(await store.countViews()).toBe(25);
      expect(await store.countViews({ stage: 'odd', tier: 'gold' })).toBe(2);
      const unfiltered = await store.listViews({ limit: 10 });
      expect(unfiltered.items).toHaveLength(10);
      expect(unfiltered.nextCursor).toBe('c-009');
    });

    it('scans every view in id order', async () => {
      await store.commit({ views: Array.from({ length: 7 }, (_, i) => record(`s-${i}`, i)) });
      const ids: string[] = [];
      for await (const view of store.scanViews({ batchSize: 3 })) ids.push(view.customerId);
      expect(ids).toEqual(['s-0', 's-1', 's-2', 's-3', 's-4', 's-5', 's-6']);
    });

    it('clear removes views, indexes and checkpoints', async () => {
      await store.commit({ views: [record('c-1', 1, { stage: 'x' })], checkpoint: { name: 'p', position: 1 } });
      await store.clear();
      expect(await store.getView('c-1')).toBeNull();
      expect(await store.countViews({ stage: 'x' })).toBe(0);
      expect(await store.getCheckpoint('p')).toBe(-1);
    });
  });
}
