import { DocumentVersionConflictError, ReadStore, ViewRecord } from '@crm/read-store';

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

    it('never moves a view back to a lower position (stale-writer guard), and still writes the checkpoint', async () => {
      await store.commit({ views: [record('c', 5, { stage: 'expansion' })], checkpoint: { name: 'p', position: 5 } });
      await store.commit({ views: [record('c', 3, { stage: 'awareness' }), record('d', 6)], checkpoint: { name: 'p', position: 6 } });
      expect(await store.getView('c')).toEqual(record('c', 5, { stage: 'expansion' }));
      expect(await store.countViews({ stage: 'expansion' })).toBe(1);
      expect(await store.countViews({ stage: 'awareness' })).toBe(0);
      expect((await store.getView('d'))?.position).toBe(6);
      expect(await store.getCheckpoint('p')).toBe(6);
      // Equal position: the same event applied again may produce other content; it overwrites.
      const redone: ViewRecord<{ n: number }> = { customerId: 'c', position: 5, indexes: { stage: 'exploration' }, view: { n: 55 } };
      await store.commit({ views: [redone] });
      expect(await store.getView('c')).toEqual(redone);
      expect(await store.countViews({ stage: 'expansion' })).toBe(0);
      expect((await store.listViews({ filter: { stage: 'exploration' } })).items.map((v) => v.customerId)).toEqual(['c']);
    });

    describe('versioned documents', () => {
      /** The conflict a put is rejected with (fails the test when it resolves or throws anything else). */
      const conflictOf = async (put: Promise<void>): Promise<DocumentVersionConflictError> => {
        const error = await put.then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DocumentVersionConflictError);
        return error as DocumentVersionConflictError;
      };

      it('creates with expectedVersion 0 and updates with the version read', async () => {
        await store.putDocuments([
          { name: 'measures:agent:a-1', expectedVersion: 0, value: { calls: 1 } },
          { name: 'segments:latest', expectedVersion: 0, value: ['x', { y: null }] },
        ]);
        const created = await store.getDocuments(['measures:agent:a-1', 'segments:latest']);
        expect(created.get('measures:agent:a-1')).toEqual({ name: 'measures:agent:a-1', version: 1, value: { calls: 1 } });
        expect(created.get('segments:latest')).toEqual({ name: 'segments:latest', version: 1, value: ['x', { y: null }] });
        await store.putDocuments([{ name: 'measures:agent:a-1', expectedVersion: 1, value: { calls: 2 } }]);
        await store.putDocuments([{ name: 'measures:agent:a-1', expectedVersion: 2, value: { calls: 3 } }]);
        expect((await store.getDocuments(['measures:agent:a-1'])).get('measures:agent:a-1')).toEqual({
          name: 'measures:agent:a-1',
          version: 3,
          value: { calls: 3 },
        });
      });

      it('writes nothing of a batch when one version is stale, and names the conflicting documents', async () => {
        await store.putDocuments([
          { name: 'a', expectedVersion: 0, value: 'a1' },
          { name: 'b', expectedVersion: 0, value: 'b1' },
          { name: 'c', expectedVersion: 0, value: 'c1' },
        ]);
        await store.putDocuments([{ name: 'b', expectedVersion: 1, value: 'b2' }]);
        const conflict = await conflictOf(
          store.putDocuments([
            { name: 'a', expectedVersion: 1, value: 'a2' }, // right
            { name: 'b', expectedVersion: 1, value: 'b3' }, // stale: b is at 2
            { name: 'new', expectedVersion: 0, value: 'n1' }, // right
            { name: 'c', expectedVersion: 2, value: 'c2' }, // ahead: c is at 1
          ]),
        );
        expect(conflict.names).toEqual(['b', 'c']);
        expect(conflict.retriable).toBe(true);
        expect(conflict.message).toMatch(/b, c/);
        const after = await store.getDocuments(['a', 'b', 'c', 'new']);
        expect([...after.values()].map(({ name, version, value }) => [name, version, value]).sort()).toEqual([
          ['a', 1, 'a1'],
          ['b', 2, 'b2'],
          ['c', 1, 'c1'],
        ]);
        expect((await store.listDocumentNames('')).names).toEqual(['a', 'b', 'c']);
      });

      it('refuses to create a document that exists (expectedVersion 0)', async () => {
        await store.putDocuments([{ name: 'segments:latest', expectedVersion: 0, value: { run: 1 } }]);
        const conflict = await conflictOf(store.putDocuments([{ name: 'segments:latest', expectedVersion: 0, value: { run: 2 } }]));
        expect(conflict.names).toEqual(['segments:latest']);
        expect((await store.getDocuments(['segments:latest'])).get('segments:latest')).toEqual({
          name: 'segments:latest',
          version: 1,
          value: { run: 1 },
        });
      });

      it('refuses a stale update of a missing document', async () => {
        expect((await conflictOf(store.putDocuments([{ name: 'ghost', expectedVersion: 3, value: 1 }]))).names).toEqual(['ghost']);
        expect((await store.getDocuments(['ghost'])).size).toBe(0);
        expect((await store.listDocumentNames('')).names).toEqual([]);
      });

      it('returns only existing documents, once each', async () => {
        expect((await store.getDocuments([])).size).toBe(0);
        expect((await store.getDocuments(['missing'])).size).toBe(0);
        await store.putDocuments([{ name: 'here', expectedVersion: 0, value: 0 }]);
        const found = await store.getDocuments(['missing', 'here', 'here', 'also-missing']);
        expect([...found.keys()]).toEqual(['here']);
        expect(found.get('here')).toEqual({ name: 'here', version: 1, value: 0 });
      });

      it('rejects an invalid batch with a TypeError and writes none of it', async () => {
        const valid = { name: 'ok', expectedVersion: 0, value: 1 };
        const invalid = [
          [valid, { name: 'ok', expectedVersion: 0, value: 2 }],
          [valid, { name: '', expectedVersion: 0, value: 1 }],
          [valid, { name: 'x', expectedVersion: -1, value: 1 }],
          [valid, { name: 'x', expectedVersion: 1.5, value: 1 }],
          [valid, { name: 'x', expectedVersion: 0, value: undefined }],
        ];
        for (const batch of invalid) await expect(store.putDocuments(batch)).rejects.toThrow(TypeError);
        expect((await store.getDocuments(['ok', 'x'])).size).toBe(0);
        await store.putDocuments([]);
        expect((await store.listDocumentNames('')).names).toEqual([]);
      });

      it('lists names by prefix in ascending order, page by page', async () => {
        const agents = Array.from({ length: 11 }, (_, i) => `measures:agent:a-${String(i).padStart(2, '0')}:2024-05-01`);
        const others = ['measures:agent', 'measures:agent;after', 'measures:team:t-1:2024-05-01', 'measures:agent-other:x', 'segments:latest', 'a-first'];
        // Written in two batches, out of order, so the listing order is the store's.
        await store.putDocuments([...agents].reverse().map((name) => ({ name, expectedVersion: 0, value: name })));
        await store.putDocuments(others.map((name) => ({ name, expectedVersion: 0, value: name })));
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        for (;;) {
          const page = await store.listDocumentNames('measures:agent:', { after, limit: 4 });
          expect(page.names.length).toBeLessThanOrEqual(4);
          seen.push(...page.names);
          pages++;
          if (!page.nextCursor) break;
          expect(page.nextCursor).toBe(page.names[page.names.length - 1]);
          after = page.nextCursor;
        }
        expect(seen).toEqual(agents);
        expect(pages).toBe(3);
        // An exactly full last page has no next cursor.
        const exact = await store.listDocumentNames('measures:agent:', { after: agents[6], limit: 4 });
        expect(exact).toEqual({ names: agents.slice(7), nextCursor: null });
        expect((await store.listDocumentNames('measures:')).names).toEqual([
          'measures:agent',
          'measures:agent-other:x',
          ...agents,
          'measures:agent;after',
          'measures:team:t-1:2024-05-01',
        ]);
        expect((await store.listDocumentNames('')).names).toHaveLength(agents.length + others.length);
        expect(await store.listDocumentNames('nothing:')).toEqual({ names: [], nextCursor: null });
        // A cursor outside the prefix: before it lists from the start, after it lists nothing.
        expect((await store.listDocumentNames('measures:team:', { after: 'a' })).names).toEqual(['measures:team:t-1:2024-05-01']);
        expect((await store.listDocumentNames('measures:team:', { after: 'z' })).names).toEqual([]);
        // The default limit is 100.
        await store.putDocuments(Array.from({ length: 120 }, (_, i) => ({ name: `bulk:${String(i).padStart(3, '0')}`, expectedVersion: 0, value: i })));
        const first = await store.listDocumentNames('bulk:');
        expect(first.names).toHaveLength(100);
        expect(first.nextCursor).toBe('bulk:099');
        await expect(store.listDocumentNames('bulk:', { limit: 0 })).rejects.toThrow(RangeError);
      });

      it('loses no update when 20 writers increment one counter concurrently (read, put, retry on conflict)', async () => {
        const name = 'counter';
        let conflicts = 0;
        const increment = async (): Promise<void> => {
          for (let attempt = 0; attempt < 200; attempt++) {
            const current = (await store.getDocuments<{ count: number }>([name])).get(name);
            try {
              await store.putDocuments([{ name, expectedVersion: current?.version ?? 0, value: { count: (current?.value.count ?? 0) + 1 } }]);
              return;
            } catch (error) {
              if (!(error instanceof DocumentVersionConflictError)) throw error;
              conflicts++;
            }
          }
          throw new Error('no successful put in 200 attempts');
        };
        await Promise.all(Array.from({ length: 20 }, increment));
        expect((await store.getDocuments<{ count: number }>([name])).get(name)).toEqual({ name, version: 20, value: { count: 20 } });
        // The writers really raced (all read version 0 before the first put landed).
        expect(conflicts).toBeGreaterThan(0);
      });
    });

    it('clear removes views, indexes and checkpoints', async () => {
      await store.commit({ views: [record('c-1', 1, { stage: 'x' })], checkpoint: { name: 'p', position: 1 } });
      await store.clear();
      expect(await store.getView('c-1')).toBeNull();
      expect(await store.countViews({ stage: 'x' })).toBe(0);
      expect(await store.getCheckpoint('p')).toBe(-1);
    });

    it('clear removes documents', async () => {
      await store.putDocuments([{ name: 'segments:latest', expectedVersion: 0, value: { run: 1 } }]);
      await store.putDocuments([{ name: 'segments:latest', expectedVersion: 1, value: { run: 2 } }]);
      await store.clear();
      expect((await store.getDocuments(['segments:latest'])).size).toBe(0);
      expect((await store.listDocumentNames('')).names).toEqual([]);
      // Gone, not just hidden: it can be created again from version 0.
      await store.putDocuments([{ name: 'segments:latest', expectedVersion: 0, value: { run: 3 } }]);
      expect((await store.getDocuments(['segments:latest'])).get('segments:latest')?.version).toBe(1);
    });
  });
}
