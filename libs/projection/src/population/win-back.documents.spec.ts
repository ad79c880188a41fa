import { WinBackBasis, WinBackEntry, WinBackGroup } from '@crm/domain';
import { ReadStore, SqliteReadStore } from '@crm/read-store';
import {
  InvalidWinBackCursorError,
  WIN_BACK_INDEX_DOCUMENT,
  WinBackIndex,
  decodeWinBackCursor,
  encodeWinBackCursor,
  readWinBackPage,
  storeWinBack,
} from './win-back.documents';

const BASIS: WinBackBasis = { value: 'historical-value-rate', minRelationshipDays: 90, horizonDays: 1095, annualDiscountRate: 0.1 };
const AS_OF = '2026-04-01T00:00:00.000Z';

/** n lost customers of `reason`, values n·10, (n−1)·10, … (ties broken by id in the ranking). */
function group(reason: string, n: number, prefix = reason): WinBackGroup {
  const entries: WinBackEntry[] = Array.from({ length: n }, (_, i) => ({
    customerId: `${prefix}-${String(i).padStart(4, '0')}`,
    reason,
    rank: i + 1,
    dissolvedAt: '2026-01-01T00:00:00.000Z',
    historicalValue: (n - i) * 4,
    relationshipDays: 365,
    valuePerYear: (n - i) * 4,
    winBackValue: (n - i) * 10,
  }));
  return { reason, customers: n, winBackValue: entries.reduce((s, e) => s + e.winBackValue, 0), entries };
}

async function pageThrough(store: ReadStore, reason: string | undefined, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await readWinBackPage(store, { reason, limit, after });
    ids.push(...page!.items.map((e) => e.customerId));
    if (page!.nextCursor === null) return ids;
    after = page!.nextCursor;
  }
  throw new Error('no last page');
}

describe('win-back documents', () => {
  let store: SqliteReadStore;
  beforeEach(() => {
    store = SqliteReadStore.open({ filename: ':memory:' });
  });
  afterEach(() => store.close());

  it('shards each reason, and pages through one reason in rank order', async () => {
    const price = group('price', 25);
    expect(await storeWinBack(store, AS_OF, { basis: BASIS, groups: [group('competitor', 3), price] }, { chunkSize: 4 })).toBe(true);
    const index = (await store.getDocuments<WinBackIndex>([WIN_BACK_INDEX_DOCUMENT])).get(WIN_BACK_INDEX_DOCUMENT)!.value;
    expect(index.reasons.map((r) => [r.reason, r.customers, r.shards.length])).toEqual([['competitor', 3, 1], ['price', 25, 7]]);
    expect((await store.listDocumentNames('win-back:price:')).names).toHaveLength(7);

    expect(await pageThrough(store, 'price', 3)).toEqual(price.entries.map((e) => e.customerId));
    const first = await readWinBackPage(store, { reason: 'price', limit: 5 });
    expect(first).toMatchObject({ asOf: AS_OF, reason: 'price', basis: BASIS, total: 25, stored: 25 });
    expect(first!.items.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5]);
    expect((await readWinBackPage(store, { reason: 'deliberate', limit: 5 }))).toMatchObject({ total: 0, items: [], nextCursor: null });
  });

  it('merges every reason into one ranking without a reason', async () => {
    const groups = [group('competitor', 7, 'c'), group('price', 5, 'p'), group('unspecified', 6, 'u')];
    await storeWinBack(store, AS_OF, { basis: BASIS, groups }, { chunkSize: 2 });
    const all = groups.flatMap((g) => g.entries).sort((a, b) => b.winBackValue - a.winBackValue || (a.customerId < b.customerId ? -1 : 1));
    expect(await pageThrough(store, undefined, 4)).toEqual(all.map((e) => e.customerId));
    expect((await readWinBackPage(store, { limit: 1 }))!.total).toBe(18);
  });

  it('empties the shards a shorter list no longer uses, in the same atomic write', async () => {
    await storeWinBack(store, AS_OF, { basis: BASIS, groups: [group('price', 10)] }, { chunkSize: 3 });
    await storeWinBack(store, '2026-04-02T00:00:00.000Z', { basis: BASIS, groups: [group('price', 4)] }, { chunkSize: 3 });
    const shards = await store.getDocuments<{ entries: unknown[] }>((await store.listDocumentNames('win-back:price:')).names);
    expect([...shards.values()].map((d) => d.value.entries.length)).toEqual([3, 1, 0, 0]);
    expect(await pageThrough(store, 'price', 10)).toHaveLength(4);
    // and a third pass with a longer list reuses them (compare-and-set on the versions it recorded)
    await storeWinBack(store, '2026-04-03T00:00:00.000Z', { basis: BASIS, groups: [group('price', 12)] }, { chunkSize: 3 });
    expect(await pageThrough(store, 'price', 5)).toHaveLength(12);
  });

  it('never replaces the lists of a later pass', async () => {
    await storeWinBack(store, '2026-05-01T00:00:00.000Z', { basis: BASIS, groups: [group('price', 2)] });
    expect(await storeWinBack(store, AS_OF, { basis: BASIS, groups: [group('price', 9)] })).toBe(false);
    expect((await readWinBackPage(store, { limit: 50 }))).toMatchObject({ asOf: '2026-05-01T00:00:00.000Z', total: 2 });
  });

  it('keeps the top maxPerReason entries and says how many there were', async () => {
    await storeWinBack(store, AS_OF, { basis: BASIS, groups: [group('price', 30)] }, { chunkSize: 4, maxPerReason: 10 });
    const ids = await pageThrough(store, 'price', 7);
    expect(ids).toEqual(group('price', 30).entries.slice(0, 10).map((e) => e.customerId));
    expect((await readWinBackPage(store, { limit: 1 }))).toMatchObject({ total: 30, stored: 10 });
  });

  it('recovers from shards the index does not know about', async () => {
    await store.putDocuments([{ name: 'win-back:price:000000', expectedVersion: 0, value: { entries: [] } }]);
    expect(await storeWinBack(store, AS_OF, { basis: BASIS, groups: [group('price', 3)] })).toBe(true);
    expect(await pageThrough(store, 'price', 2)).toHaveLength(3);
  });

  it('goes on after the cursor in a new ranking (a cursor is a ranking key, not an offset)', async () => {
    await storeWinBack(store, AS_OF, { basis: BASIS, groups: [group('price', 6)] }, { chunkSize: 2 });
    const first = await readWinBackPage(store, { reason: 'price', limit: 2 });
    await storeWinBack(store, '2026-04-02T00:00:00.000Z', { basis: BASIS, groups: [group('price', 8)] }, { chunkSize: 2 });
    const next = await readWinBackPage(store, { reason: 'price', limit: 50, after: first!.nextCursor! });
    // After the last one seen (price-0001 at 50) in the new ranking: price-0003 (also 50, a later
    // id), then 40, 30, 20, 10 = price-0004 … price-0007.
    expect(next!.items.map((e) => e.customerId)).toEqual(['price-0003', 'price-0004', 'price-0005', 'price-0006', 'price-0007']);
  });

  it('rejects a cursor it did not make', () => {
    expect(decodeWinBackCursor(encodeWinBackCursor({ winBackValue: 12, customerId: '__proto__' }))).toEqual({ winBackValue: 12, customerId: '__proto__' });
    for (const bad of ['', 'not-a-cursor', Buffer.from('[1.5,"x"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(() => decodeWinBackCursor(bad)).toThrow(InvalidWinBackCursorError);
    }
  });

  it('is null before any pass stored lists', async () => {
    expect(await readWinBackPage(store, { limit: 10 })).toBeNull();
  });
});
