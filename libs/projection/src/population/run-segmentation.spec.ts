import { randomUUID } from 'node:crypto';
import type { InteractionEventType, SampleOverrides, StoredInteractionEvent } from '@crm/contracts';
import { sampleEvent } from '@crm/contracts';
import { CustomerView, TIERS } from '@crm/domain';
import { SqliteEventStore } from '@crm/event-store';
import { ProjectedView, ProjectionRunner } from '../projection-runner';
import { RelationshipProjection } from '../relationship.projection';
import { ReadStore, SqliteReadStore, ViewCommit, ViewRecord } from '@crm/read-store';
import { tempDir } from '@crm/testing';
import { readWinBackPage } from './win-back.documents';
import { CustomerSegment, latestSegments, runSegmentation } from './run-segmentation';

type Record = ViewRecord<ProjectedView<CustomerView>>;
const DAY = 86_400_000;
const at = (iso: string, days = 0) => new Date(Date.parse(iso) + days * DAY).toISOString();

describe('runSegmentation on the embedded read store', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let readStore: SqliteReadStore;
  let runner: ProjectionRunner<CustomerView>;
  let position = 0;
  const projection = new RelationshipProjection();

  beforeEach(() => {
    dir = tempDir('crm-segmentation-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    readStore = SqliteReadStore.open({ dataDir: dir.path });
    runner = new ProjectionRunner(eventStore, readStore, projection, { history: streamOf });
    position = 0;
    streams.clear();
  });
  afterEach(async () => {
    await eventStore.close();
    await readStore.close();
    dir.remove();
  });

  // The customers' streams: the events these tests hand the runner (the history a re-fold reads).
  const streams = new Map<string, StoredInteractionEvent[]>();
  const streamOf = (customerId: string, upTo: number) => async () => (streams.get(customerId) ?? []).filter((e) => e.position <= upTo);

  /** A stored event as the projector receives it, at the next global position. */
  function stored<T extends InteractionEventType>(type: T, customerId: string, occurredAt: string, data: SampleOverrides<T>['data'] = {}): StoredInteractionEvent {
    position++;
    const extra = type === 'PurchaseMade' ? { orderId: `O-${position}` } : {};
    const event = sampleEvent(type, { eventId: randomUUID(), customerId, occurredAt, data: { ...extra, ...data } } as SampleOverrides<T>);
    const storedEvent = { ...event, revision: 0, position, recordedAt: occurredAt } as StoredInteractionEvent;
    streams.set(customerId, [...(streams.get(customerId) ?? []), storedEvent]);
    return storedEvent;
  }
  const purchase = (customerId: string, occurredAt: string, amount = 1000) => stored('PurchaseMade', customerId, occurredAt, { amount, currency: 'EUR' });
  const record = async (id: string) => (await readStore.getView<ProjectedView<CustomerView>>(id)) as Record;
  const segmentOf = async (id: string) => (await record(id)).view.segment as CustomerSegment;
  const snapshot = async (ids: string[]) =>
    Object.fromEntries(
      await Promise.all(ids.map(async (id) => [id, await record(id)] as const)),
    ) as { [id: string]: Record };

  describe('writes only what it computes, never the fold state (issue 7, defect 3)', () => {
    // BIG: 400 purchases every 2 days from 2025-01-01 (the last on 2027-03-08); TWO: 2 purchases;
    // FUTURE: one purchase now and one dated next year (a clock ahead of the timer's "now").
    const ids = ['BIG', 'FUTURE', 'TWO'];
    beforeEach(async () => {
      const events = [
        ...Array.from({ length: 400 }, (_, i) => purchase('BIG', at('2025-01-01T10:00:00Z', 2 * i))),
        purchase('TWO', '2026-01-10T10:00:00Z'),
        purchase('TWO', '2026-06-01T10:00:00Z'),
        purchase('FUTURE', '2026-03-01T10:00:00Z'),
        purchase('FUTURE', '2027-01-01T10:00:00Z'),
      ];
      await runner.applyBatch(events);
    });

    it('keeps every event of every view through a refresh with a past asOf and a timer refresh before a future-dated event', async () => {
      const before = await snapshot(ids);
      expect(before.BIG.view.state.eventCount).toBe(400);
      for (const asOf of ['2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z']) {
        const report = await runSegmentation(readStore, projection, asOf, { history: streamOf });
        expect(report).toMatchObject({ asOf, population: 3 });
        const after = await snapshot(ids);
        for (const id of ids) {
          expect(after[id].position).toBe(before[id].position);
          expect(after[id].view.state.eventCount).toBe(before[id].view.state.eventCount);
          expect(after[id].view.state).toEqual(before[id].view.state);
          expect(after[id].view.segment).toMatchObject({ asOf, tier: expect.any(String) });
          // Every clock is after asOf: the stage indexes stay the fold's.
          expect(after[id].indexes).toEqual({ ...before[id].indexes, tier: (after[id].view.segment as CustomerSegment).tier });
        }
      }
      expect(before.TWO.view.state.eventCount).toBe(2);
      expect(before.FUTURE.view.state.lastEventAt).toBe('2027-01-01T10:00:00Z');
    });

    it('evaluates the segment as of asOf even so (events after asOf do not count)', async () => {
      await runSegmentation(readStore, projection, '2026-04-01T00:00:00.000Z', { history: streamOf });
      const two = await segmentOf('TWO');
      expect(two.clv?.historicalValue).toBe(1000);
      expect((await segmentOf('FUTURE')).clv?.historicalValue).toBe(1000);
    });

    it('re-indexes the stages from an evaluation at or after the view clock, and a later pass is not undone by an earlier one', async () => {
      const later = '2028-01-01T00:00:00.000Z'; // after every clock: TWO and FUTURE lapsed by inactivity
      const before = await snapshot(ids);
      await runSegmentation(readStore, projection, later, { history: streamOf });
      let after = await snapshot(ids);
      expect(after.TWO.indexes.lifecycleStage).toBe('dissolution');
      expect(after.TWO.view.state).toEqual(before.TWO.view.state); // the fold still says what its events say
      expect(after.TWO.view.state.lifecycle.stage).not.toBe('dissolution');

      const report = await runSegmentation(readStore, projection, '2026-04-01T00:00:00.000Z', { history: streamOf });
      expect(report.asOf).toBe('2026-04-01T00:00:00.000Z');
      after = await snapshot(ids);
      for (const id of ids) {
        expect(after[id].view.segment?.asOf).toBe(later);
        expect(after[id].indexes.lifecycleStage).toBe((await snapshot([id]))[id].indexes.lifecycleStage);
      }
      expect(after.TWO.indexes.lifecycleStage).toBe('dissolution');
      expect((await latestSegments(readStore))?.asOf).toBe(later);
    });

    it('leaves a view the projector moved on meanwhile to the projector (position guard)', async () => {
      // The projector commits a new event for TWO between the pass's second scan and its write.
      let moved = false;
      const racing = Object.create(readStore) as ReadStore;
      racing.commit = async <V>(commit: ViewCommit<V>) => {
        if (!moved) {
          moved = true;
          await runner.applyBatch([purchase('TWO', '2026-06-15T10:00:00Z')]);
        }
        return readStore.commit(commit);
      };
      await runSegmentation(racing, projection, '2028-01-01T00:00:00.000Z', { history: streamOf });
      const two = await record('TWO');
      expect(moved).toBe(true);
      expect(two.position).toBe(position);
      expect(two.view.state.eventCount).toBe(3);
      // The pass's write of TWO lost; the next pass writes its segment.
      await runSegmentation(readStore, projection, '2028-01-02T00:00:00.000Z', { history: streamOf });
      expect((await record('TWO')).view.state.eventCount).toBe(3);
      expect((await segmentOf('TWO')).asOf).toBe('2028-01-02T00:00:00.000Z');
    });

    it('lets the projector keep folding into the views afterwards', async () => {
      await runSegmentation(readStore, projection, '2026-04-01T00:00:00.000Z', { history: streamOf });
      await runner.applyBatch([purchase('TWO', '2026-06-20T10:00:00Z'), purchase('BIG', '2025-01-02T10:00:00Z')]);
      expect((await record('TWO')).view.state.eventCount).toBe(3);
      expect((await record('BIG')).view.state.eventCount).toBe(401);
      expect((await record('BIG')).view.segment?.asOf).toBe('2026-04-01T00:00:00.000Z');
    });
  });

  describe('customer ids that are Object.prototype members (issue 7, defect 4)', () => {
    const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'plain'];

    it('runs every pass, gives each customer its tier, CLV and index', async () => {
      await runner.applyBatch(ids.flatMap((id, i) => [purchase(id, '2026-01-01T10:00:00Z', 1000 * (i + 1)), purchase(id, '2026-02-01T10:00:00Z', 500)]));
      await runner.applyBatch([stored('RelationshipEnded', 'constructor', '2026-03-01T10:00:00Z', { reason: 'price' })]);
      for (const asOf of ['2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z']) {
        const report = await runSegmentation(readStore, projection, asOf, { history: streamOf });
        expect(report.population).toBe(ids.length);
        expect(Object.values(report.counts.byTier).reduce((s, n) => s + n, 0)).toBe(ids.length);
        for (const id of ids) {
          const r = await record(id);
          expect(TIERS).toContain(r.view.segment?.tier);
          expect(r.indexes.tier).toBe(r.view.segment?.tier);
          expect((r.view.segment as CustomerSegment).clv?.historicalValue).toBe(1000 * (ids.indexOf(id) + 1) + 500);
        }
      }
      const total = await Promise.all(TIERS.map((tier) => readStore.countViews({ tier })));
      expect(total.reduce((s, n) => s + n, 0)).toBe(ids.length);
      const page = await readWinBackPage(readStore, { reason: 'price', limit: 10 });
      expect(page?.items.map((e) => e.customerId)).toEqual(['constructor']);
    });
  });

  describe('referral value (issue 7)', () => {
    const asOf = '2026-04-01T00:00:00.000Z';
    /** The fixture views carry loyalty.conative.referredCustomers as the fold writes it. */
    async function withReferrals(store: ReadStore, referrer: string, referred: { customerId: string; eventId: string; occurredAt: string }[]) {
      const r = (await store.getView<ProjectedView<CustomerView>>(referrer)) as Record;
      (r.view.state.loyalty.conative as { referredCustomers?: unknown }).referredCustomers = referred;
      await store.commit({ views: [r] });
    }
    const refs = [
      { customerId: 'N-1', eventId: 'ref-1', occurredAt: '2026-01-05T10:00:00Z' },
      { customerId: 'N-2', eventId: 'ref-2', occurredAt: '2026-02-05T10:00:00Z' },
      { customerId: 'N-3', eventId: 'ref-3', occurredAt: '2026-05-05T10:00:00Z' }, // after asOf: not yet
    ];
    const history = () => [
      purchase('A-referrer', '2026-01-01T10:00:00Z'),
      purchase('Z-referrer', '2026-01-01T10:00:00Z'),
      purchase('N-1', '2026-01-10T10:00:00Z', 2500),
      purchase('N-1', '2026-03-10T10:00:00Z', 1500),
      purchase('N-1', '2026-04-10T10:00:00Z', 9999), // after asOf
      purchase('N-2', '2026-02-10T10:00:00Z', 700),
      purchase('N-3', '2026-05-10T10:00:00Z', 300),
    ];

    it('shows the referrer the referred customers and the value they brought as of asOf, whatever the scan order', async () => {
      await runner.applyBatch(history());
      await withReferrals(readStore, 'A-referrer', refs);
      await withReferrals(readStore, 'Z-referrer', [refs[0]]); // scanned after N-1, A-referrer before it
      const report = await runSegmentation(readStore, projection, asOf, { history: streamOf });
      expect((await segmentOf('A-referrer')).referrals).toEqual({
        customers: [
          { customerId: 'N-1', eventId: 'ref-1', referredAt: '2026-01-05T10:00:00Z', value: 4000 },
          { customerId: 'N-2', eventId: 'ref-2', referredAt: '2026-02-05T10:00:00Z', value: 700 },
        ],
        value: 4700,
      });
      expect((await segmentOf('Z-referrer')).referrals).toEqual({ customers: [{ customerId: 'N-1', eventId: 'ref-1', referredAt: '2026-01-05T10:00:00Z', value: 4000 }], value: 4000 });
      expect((await segmentOf('N-1')).referrals).toEqual({ customers: [], value: 0 });
      expect(report.referrals).toEqual({ referrers: 2, referrals: 3, referredCustomers: 2, value: 4700 });
    });

    it('is the same when the referred customer’s events arrive late or in another order', async () => {
      const events = history();
      // Another store gets the same events in reverse arrival order (every one late but the first).
      const otherDir = tempDir('crm-segmentation-other-');
      const otherStore = SqliteReadStore.open({ dataDir: otherDir.path });
      try {
        await runner.applyBatch(events);
        const other = new ProjectionRunner(eventStore, otherStore, projection, { history: streamOf });
        const reversed = [...events].reverse().map((e, i) => ({ ...e, position: i + 1 }));
        for (const e of reversed) await other.applyBatch([e]);
        for (const store of [readStore, otherStore]) await withReferrals(store, 'A-referrer', refs);
        await runSegmentation(readStore, projection, asOf, { history: streamOf });
        await runSegmentation(otherStore, projection, asOf, { history: streamOf });
        const segmentIn = async (store: ReadStore) => ((await store.getView<ProjectedView<CustomerView>>('A-referrer'))?.view.segment as CustomerSegment).referrals;
        expect(await segmentIn(otherStore)).toEqual(await segmentIn(readStore));
        expect((await segmentIn(readStore)).value).toBe(4700);
      } finally {
        await otherStore.close();
        otherDir.remove();
      }
    });

    it('reads views stored before referredCustomers existed as having none', async () => {
      await runner.applyBatch(history());
      const r = await record('A-referrer');
      delete (r.view.state.loyalty.conative as { referredCustomers?: unknown }).referredCustomers;
      await readStore.commit({ views: [r] });
      await runSegmentation(readStore, projection, asOf, { history: streamOf });
      expect((await segmentOf('A-referrer')).referrals).toEqual({ customers: [], value: 0 });
    });
  });

  it('reports the segment measures and stores the win-back ranking', async () => {
    await runner.applyBatch([
      purchase('L-1', '2025-06-01T10:00:00Z', 50_000),
      stored('RelationshipEnded', 'L-1', '2025-12-01T10:00:00Z', { reason: 'competitor' }),
      purchase('L-2', '2025-06-01T10:00:00Z', 2000), // lapses by inactivity 180 days later
      purchase('K-1', '2026-02-10T10:00:00Z', 3000),
      purchase('K-1', '2026-03-10T10:00:00Z', 3000),
    ]);
    const report = await runSegmentation(readStore, projection, '2026-04-01T00:00:00.000Z', { history: streamOf });
    expect(report.customerEquityBasis).toMatchObject({ annualDiscountRate: 0.1, horizonDays: 1095, discounting: 'continuous', customers: 3 });
    expect(report.customerEquity).toBe(report.customerEquityBasis.historicalValue + report.customerEquityBasis.forwardValue);
    expect(report.retention.periods).toHaveLength(12);
    // K-1 bought in (asOf−60d, asOf−30d] and in the period ending at asOf: retained.
    expect(report.retention.periods[11]).toMatchObject({ active: 1, retained: 1, rate: 1 });
    expect(report.concentration).toMatchObject({ population: 3, topCustomers: 1 });
    expect(report.winBack.byReason.map((r) => [r.reason, r.customers])).toEqual([['competitor', 1], ['unspecified', 1]]);
    const page = await readWinBackPage(readStore, { limit: 10 });
    expect(page?.items.map((e) => [e.customerId, e.reason])).toEqual([['L-1', 'competitor'], ['L-2', 'unspecified']]);
    expect(page?.total).toBe(2);
  });
});
