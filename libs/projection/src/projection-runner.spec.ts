import { randomUUID } from 'node:crypto';
import type { InteractionEvent, StoredInteractionEvent } from '@crm/contracts';
import { streamIdFor } from '@crm/contracts';
import { EventStore, SqliteEventStore, appendByCustomer, toNewEvent, toStoredInteractionEvent } from '@crm/event-store';
import { generateHistory } from '@crm/simulation';
import { ReadStore, SqliteReadStore, ViewCommit } from '@crm/read-store';
import { tempDir, waitFor } from '@crm/testing';
import { ProjectedView, ProjectionRunner } from './projection-runner';
import { CustomerView, DEFAULT_POLICY, RelationshipPolicy, evaluate, foldEvents } from '@crm/domain';
import { RelationshipProjection } from './relationship.projection';
import { POLICY_FAILING_ON_LOW_COMPLAINTS, lowComplaintLike } from './testing/failing-fold.fixture';
import { runSegmentation } from './population/run-segmentation';
import { ViewWritersLease, otherViewWriters } from './view-writers-lease';

const contact = (customerId: string, minute: number): InteractionEvent => ({
  eventId: randomUUID(),
  type: 'ContactLogged',
  schemaVersion: 1,
  customerId,
  occurredAt: `2026-01-01T10:${String(minute).padStart(2, '0')}:00Z`,
  source: 'test',
  data: { channel: 'chat', direction: 'inbound', agentId: 'A-1', teamId: 'T-1', durationSec: 60, topic: 't', outcome: 'resolved' },
});

async function publish(store: EventStore, events: InteractionEvent[]): Promise<void> {
  for (const event of events) await store.appendToStream(streamIdFor(event.customerId), [toNewEvent(event)]);
}

/** A read store that "crashes" after writing the views but before the checkpoint. */
const CrashAfterViews = {
  wrap(inner: ReadStore): ReadStore & { armed: boolean } {
    const wrapped = Object.create(inner) as ReadStore & { armed: boolean };
    wrapped.armed = true;
    wrapped.commit = async <V>(commit: ViewCommit<V>) => {
      if (!wrapped.armed) return inner.commit(commit);
      wrapped.armed = false;
      await inner.commit({ views: commit.views });
      throw new Error('simulated crash between view write and checkpoint write');
    };
    return wrapped;
  },
};

describe('ProjectionRunner', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let readStore: SqliteReadStore;
  const projection = new RelationshipProjection();

  beforeEach(() => {
    dir = tempDir('crm-projector-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path, pollIntervalMs: 10 });
    readStore = SqliteReadStore.open({ dataDir: dir.path });
  });
  afterEach(async () => {
    await eventStore.close();
    await readStore.close();
    dir.remove();
  });

  const view = async (id: string) => (await readStore.getView<ProjectedView<CustomerView>>(id))?.view.state;

  it('catches up from the checkpoint, then follows live appends', async () => {
    await publish(eventStore, [contact('a', 1), contact('b', 2), contact('a', 3)]);
    const runner = new ProjectionRunner(eventStore, readStore, projection, { batchSize: 2 });
    await runner.start();
    await waitFor(async () => (await view('a'))?.eventCount === 2);
    await publish(eventStore, [contact('b', 4)]);
    await waitFor(async () => (await view('b'))?.eventCount === 2);
    await runner.stop();
    expect(await readStore.getCheckpoint(projection.name)).toBe(await eventStore.headPosition());
  });

  it('neither loses nor double-applies events when it crashes between view write and checkpoint write', async () => {
    await publish(eventStore, [contact('a', 1), contact('b', 2), contact('a', 3)]);
    const crashing = CrashAfterViews.wrap(readStore);
    const first = new ProjectionRunner(eventStore, crashing, projection, { batchSize: 2 });
    await expect(first.applyBatch((await collectStored(eventStore)).slice(0, 2))).rejects.toThrow('simulated crash');
    // The views of the first two events are stored, the checkpoint is not.
    expect((await view('a'))?.eventCount).toBe(1);
    expect(await readStore.getCheckpoint(projection.name)).toBe(-1);

    // Restart: it replays from the old checkpoint; the already applied events change nothing.
    const restarted = new ProjectionRunner(eventStore, readStore, projection, { batchSize: 2 });
    await restarted.start();
    await publish(eventStore, [contact('b', 4)]);
    await waitFor(async () => (await readStore.getCheckpoint(projection.name)) === (await eventStore.headPosition()));
    await restarted.stop();
    expect((await view('a'))?.eventCount).toBe(2);
    expect((await view('b'))?.eventCount).toBe(2);

    // And the result equals a clean replay into an empty store.
    const clean = SqliteReadStore.open({ filename: ':memory:' });
    await new ProjectionRunner(eventStore, clean, projection).applyBatch(await collectStored(eventStore));
    for (const id of ['a', 'b']) expect((await readStore.getView(id))?.view).toEqual((await clean.getView(id))?.view);
    await clean.close();
  });

  it("folds a late event from the customer's stream: the view equals the full fold, the stored view carries no history", async () => {
    // Contacts at 10:05, 10:09, then one that occurred at 10:01 (uploaded late), in separate batches.
    await publish(eventStore, [contact('a', 5), contact('a', 9), contact('b', 2), contact('a', 1)]);
    const runner = new ProjectionRunner(eventStore, readStore, projection);
    const events = await collectStored(eventStore);
    const reads: string[] = [];
    const reading = Object.create(eventStore) as EventStore;
    reading.readStream = (streamId, options) => (reads.push(streamId), eventStore.readStream(streamId, options));
    const observed = new ProjectionRunner(reading, readStore, projection);
    await runner.applyBatch(events.slice(0, 3));
    await observed.applyBatch(events.slice(3));
    expect(reads).toEqual([streamIdFor('a')]);
    const a = await view('a');
    expect(a).toEqual(foldEvents('a', events.filter((e) => e.customerId === 'a'), projection.policy));
    expect(a?.lifecycle.transitions[0].eventId).toBe(events[3].eventId);
    expect(a && 'log' in a).toBe(false);
    // In-order events never read the stream.
    await publish(eventStore, [contact('a', 30)]);
    await observed.applyBatch((await collectStored(eventStore)).slice(4));
    expect(reads).toHaveLength(1);
  });

  it('skips an event at or below the position its view already reflects', async () => {
    await publish(eventStore, [contact('a', 1)]);
    const runner = new ProjectionRunner(eventStore, readStore, projection);
    const events = await collectStored(eventStore);
    expect(await runner.applyBatch(events)).toMatchObject({ applied: 1, skipped: 0 });
    expect(await runner.applyBatch(events)).toMatchObject({ applied: 0, skipped: 1 });
    expect((await view('a'))?.eventCount).toBe(1);
  });
});

describe('ProjectionRunner with a failing view function', () => {
  it('skips the failing event, keeps the customer view free of its half-applied changes, and reports it', async () => {
    const dir = tempDir('crm-projector-fail-');
    const eventStore = SqliteEventStore.open({ dataDir: dir.path });
    const readStore = SqliteReadStore.open({ dataDir: dir.path });
    try {
      const events = [contact('a', 1), contact('a', 2), contact('a', 3)];
      await publish(eventStore, events);
      const real = new RelationshipProjection();
      // Mutates the view in place, then throws: the runner must not keep the mutation.
      const poisoned = Object.create(real) as RelationshipProjection;
      poisoned.evolve = (view, event) => {
        if (event.eventId === events[1].eventId) {
          view.eventCount += 1000;
          throw new Error('view function bug');
        }
        return real.evolve(view, event);
      };
      const failures: string[] = [];
      const runner = new ProjectionRunner(eventStore, readStore, poisoned, { onFailed: (f) => failures.push(f.event.eventId) });
      const result = await runner.applyBatch(await collectStored(eventStore));
      expect(result).toMatchObject({ applied: 2, failed: [{ event: { eventId: events[1].eventId } }] });
      expect(failures).toEqual([events[1].eventId]);
      const stored = await readStore.getView<ProjectedView<CustomerView>>('a');
      expect(stored?.view.state.eventCount).toBe(2);
      const clean = new RelationshipProjection();
      const expected = [events[0], events[2]].reduce((v, e, i) => clean.evolve(v, { ...e, revision: i, position: i, recordedAt: '' } as never) as CustomerView, clean.initial('a'));
      expect(stored?.view.state.lifecycle.stage).toBe(expected.lifecycle.stage);
    } finally {
      await eventStore.close();
      await readStore.close();
      dir.remove();
    }
  });
});

describe('ProjectionRunner and an event its view function throws on, re-folded later from the stream', () => {
  // A policy / event combination the fold throws on half-way through its step: no SLA for `low`
  // complaints (parsePolicy would refuse it) and one low complaint; every other event folds.
  const { low: _low, ...slaWithoutLow } = DEFAULT_POLICY.complaints.slaDays;
  const policy: RelationshipPolicy = { ...DEFAULT_POLICY, complaints: { ...DEFAULT_POLICY.complaints, slaDays: slaWithoutLow as RelationshipPolicy['complaints']['slaDays'] } };
  const projection = new RelationshipProjection(policy);
  const at = (minute: number) => `2026-01-01T10:${String(minute).padStart(2, '0')}:00Z`;
  const lowComplaint = (customerId: string, minute: number): InteractionEvent => ({
    ...contact(customerId, minute),
    type: 'ComplaintFiled',
    data: { complaintId: `K-${minute}`, category: 'delivery', severity: 'low', channel: 'phone' },
  });
  const purchase = (customerId: string, minute: number): InteractionEvent => ({
    ...contact(customerId, minute),
    type: 'PurchaseMade',
    data: { orderId: `O-${minute}`, amount: 1000, currency: 'EUR', productCategory: 'books', productId: 'P-1', quantity: 1 },
  });

  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let readStore: SqliteReadStore;
  beforeEach(() => {
    dir = tempDir('crm-projector-refold-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    readStore = SqliteReadStore.open({ dataDir: dir.path });
  });
  afterEach(async () => {
    await eventStore.close();
    await readStore.close();
    dir.remove();
  });

  const stateOf = async (store: ReadStore, id: string) => (await store.getView<ProjectedView<CustomerView>>(id))?.view.state;
  const storedOf = async (id: string, skip: string[]) => (await collectStored(eventStore)).filter((e) => e.customerId === id && !skip.includes(e.eventId));

  it('skips and reports it live; later late events of that customer re-fold past it; replay (the rebuild) equals live; a past asOf too', async () => {
    const bad = lowComplaint('a', 7);
    await publish(eventStore, [contact('a', 5), bad, contact('a', 9), contact('b', 2)]);
    const failures: string[] = [];
    const runner = new ProjectionRunner(eventStore, readStore, projection, { onFailed: (f) => failures.push(f.event.eventId) });

    // (1) Live: the fold throws on it (the domain's RangeError), it is skipped and reported.
    const first = await runner.applyBatch(await collectStored(eventStore));
    expect(first).toMatchObject({ applied: 3, failed: [{ event: { eventId: bad.eventId }, error: expect.any(RangeError) }] });
    expect(failures).toEqual([bad.eventId]);
    expect(await stateOf(readStore, 'a')).toEqual(foldEvents('a', await storedOf('a', [bad.eventId]), policy));

    // (2) Late events of the same customer re-fold from its stream, which still holds the bad one.
    const late = purchase('a', 1);
    await publish(eventStore, [late]);
    const second = await runner.applyBatch((await collectStored(eventStore)).slice(4));
    expect(second).toMatchObject({ applied: 1, failed: [] });
    await publish(eventStore, [contact('a', 3), contact('a', 8)]); // and again, in one batch, one of them after the bad one
    expect(await runner.applyBatch((await collectStored(eventStore)).slice(5))).toMatchObject({ applied: 2, failed: [] });
    expect(failures).toEqual([bad.eventId]);
    const liveA = await stateOf(readStore, 'a');
    expect(liveA).toEqual(foldEvents('a', await storedOf('a', [bad.eventId]), policy));
    expect(liveA?.lifecycle.transitions[0].eventId).toBe(late.eventId);
    expect(liveA?.complaints.filed).toBe(0);

    // (3) Replay (what npm run rebuild does: the whole log through a runner into an empty store) equals live.
    const clean = SqliteReadStore.open({ filename: ':memory:' });
    const replayFailures: string[] = [];
    await new ProjectionRunner(eventStore, clean, projection, { onFailed: (f) => replayFailures.push(f.event.eventId) }).applyBatch(await collectStored(eventStore));
    expect(replayFailures).toEqual([bad.eventId]);
    for (const id of ['a', 'b']) expect((await clean.getView(id))?.view).toEqual((await readStore.getView(id))?.view);
    await clean.close();

    // A past asOf (the query API, the population pass) reads the stream past it too.
    const record = await readStore.getView<ProjectedView<CustomerView>>('a');
    const good = await storedOf('a', [bad.eventId]);
    for (const asOf of [at(6), at(7), at(8)]) {
      const past = await projection.evaluate(record!.view.state, asOf, runner.historyOf('a', record!.position));
      expect(past).toEqual(evaluate(foldEvents('a', good, policy), asOf, policy, () => good));
    }
    const report = await runSegmentation(readStore, projection, at(8), { history: (id, position) => runner.historyOf(id, position) });
    expect(report.population).toBe(2);
  });

  it('reports a late event that itself throws, and the customer stays live', async () => {
    await publish(eventStore, [contact('a', 5), contact('a', 9)]);
    const runner = new ProjectionRunner(eventStore, readStore, projection);
    await runner.applyBatch(await collectStored(eventStore));
    const lateBad = lowComplaint('a', 7);
    await publish(eventStore, [lateBad, contact('a', 6)]);
    const result = await runner.applyBatch((await collectStored(eventStore)).slice(2));
    expect(result).toMatchObject({ applied: 1, failed: [{ event: { eventId: lateBad.eventId } }] });
    expect(await stateOf(readStore, 'a')).toEqual(foldEvents('a', await storedOf('a', [lateBad.eventId]), policy));
  });
});

async function collectStored(store: EventStore) {
  const events = [];
  for await (const e of store.readAll()) events.push(toStoredInteractionEvent(e));
  return events;
}

describe('ProjectionRunner in write-back mode (npm run rebuild)', () => {
  // The simulator's low complaints (and the ones added) throw half-way through their step, so the
  // replay also goes through the skip-and-restore path.
  const throwing = POLICY_FAILING_ON_LOW_COMPLAINTS;

  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  beforeAll(async () => {
    dir = tempDir('crm-projector-write-back-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    const history = [...generateHistory({ customers: 30, days: 180, seed: 11 })];
    // Low complaints amid the history, and two late ones (dated before their customer's last event) at its end.
    const events = history.flatMap((event, i) => (i % 40 === 20 ? [event, lowComplaintLike(event)] : [event]));
    events.push(lowComplaintLike(history[10]), lowComplaintLike(history[30]));
    await appendByCustomer(eventStore, events);
  });
  afterAll(async () => {
    await eventStore.close();
    dir.remove();
  });

  /**
   * The whole log replayed in batches into an empty store; every stored record as its JSON, the
   * checkpoint, what beforeCommit and onFailed saw. Owned mode stores each batch as it goes (checked).
   */
  async function replay(projection: RelationshipProjection, writeBack?: { maxViews: number }, owned?: { maxViews: number }) {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    try {
      const applied: string[] = [];
      const failed: string[] = [];
      const runner = new ProjectionRunner(eventStore, readStore, projection, {
        ...(writeBack ? { writeBack } : {}),
        ...(owned ? { owned } : {}),
        beforeCommit: async (events) => void applied.push(...events.map((e) => e.eventId)),
        onFailed: (f) => failed.push(f.event.eventId),
      });
      const events = await collectStored(eventStore);
      for (let i = 0; i < events.length; i += 97) {
        const batch = events.slice(i, i + 97);
        await runner.applyBatch(batch);
        if (owned) {
          expect(await readStore.getCheckpoint(runner.checkpointName)).toBe(batch[batch.length - 1].position);
          expect(runner.ownedViews).toBeLessThanOrEqual(owned.maxViews);
        }
      }
      await runner.flush();
      const records: string[] = [];
      for await (const record of readStore.scanViews()) records.push(JSON.stringify(record));
      const stages: Record<string, number> = {};
      for (const stage of ['awareness', 'exploration', 'expansion', 'commitment', 'dissolution']) stages[stage] = await readStore.countViews({ lifecycleStage: stage });
      return { records, stages, checkpoint: await readStore.getCheckpoint(runner.checkpointName), position: runner.position, applied, failed, last: events[events.length - 1].position };
    } finally {
      await readStore.close();
    }
  }

  it.each([
    ['the default policy', DEFAULT_POLICY],
    ['a policy whose fold throws on some events', throwing],
  ])('stores every view byte for byte as without it, with every customer in memory or a bound forcing evictions (%s)', async (_name, policy) => {
    const projection = new RelationshipProjection(policy);
    const today = await replay(projection);
    expect(today.records.length).toBe(30);
    expect(today.checkpoint).toBe(today.last);
    if (policy === throwing) expect(today.failed.length).toBeGreaterThan(0);
    for (const maxViews of [1_000, 3, 1]) {
      for (const cached of [await replay(projection, { maxViews }), await replay(projection, undefined, { maxViews })]) {
        expect(cached.records).toEqual(today.records);
        expect(cached.stages).toEqual(today.stages);
        expect(cached).toMatchObject({ checkpoint: today.last, position: today.last, applied: today.applied, failed: today.failed });
      }
    }
  });

  it('commits the checkpoint only with the flush of every view it holds', async () => {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    try {
      const runner = new ProjectionRunner(eventStore, readStore, new RelationshipProjection(), { writeBack: { maxViews: 5 } });
      const events = await collectStored(eventStore);
      expect(events.length).toBeGreaterThan(200);
      await runner.applyBatch(events.slice(0, 200));
      expect(await readStore.getCheckpoint(runner.checkpointName)).toBe(-1);
      expect(runner.position).toBe(-1);
      expect(await readStore.countViews()).toBeLessThan(30); // the five in memory are not stored yet
      await runner.flush();
      expect(await readStore.getCheckpoint(runner.checkpointName)).toBe(events[199].position);
      expect(runner.position).toBe(events[199].position);
      expect(await readStore.countViews()).toBe(new Set(events.slice(0, 200).map((e) => e.customerId)).size);
    } finally {
      await readStore.close();
    }
  });

  it('refuses a bound that is not a positive integer', () => {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    expect(() => new ProjectionRunner(eventStore, readStore, new RelationshipProjection(), { writeBack: { maxViews: 0 } })).toThrow(RangeError);
    return readStore.close();
  });
});

describe('ProjectionRunner in owned mode (the projector holds its customers\' views)', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let events: StoredInteractionEvent[];
  const projection = new RelationshipProjection();
  beforeAll(async () => {
    dir = tempDir('crm-projector-owned-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    // In time order, as the platform receives it: each batch touches customers of earlier ones.
    await publish(eventStore, [...generateHistory({ customers: 20, days: 540, seed: 5 })]);
    events = await collectStored(eventStore);
    expect(events.length).toBeGreaterThan(200);
  });
  afterAll(async () => {
    await eventStore.close();
    dir.remove();
  });

  /** A read store that counts the views it was asked for, and can fail or hold up the next commit. */
  function instrumented(inner: ReadStore) {
    const wrapped = Object.create(inner) as ReadStore & { loaded: number; failNext: boolean; beforeCommit: (() => Promise<void>) | null };
    wrapped.loaded = 0;
    wrapped.failNext = false;
    wrapped.beforeCommit = null;
    wrapped.getViews = async <V>(ids: readonly string[]) => {
      wrapped.loaded += ids.length;
      return inner.getViews<V>(ids);
    };
    wrapped.commit = async <V>(commit: ViewCommit<V>) => {
      await wrapped.beforeCommit?.();
      if (wrapped.failNext) {
        wrapped.failNext = false;
        throw new Error('simulated read-store failure');
      }
      return inner.commit(commit);
    };
    return wrapped;
  }

  const stored = async (readStore: ReadStore) => {
    const records: string[] = [];
    for await (const record of readStore.scanViews()) records.push(JSON.stringify(record));
    return records;
  };

  async function reference(): Promise<string[]> {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    try {
      const runner = new ProjectionRunner(eventStore, readStore, projection);
      for (let i = 0; i < events.length; i += 50) await runner.applyBatch(events.slice(i, i + 50));
      return await stored(readStore);
    } finally {
      await readStore.close();
    }
  }

  it('loads from the read store only the customers it does not hold', async () => {
    const readStore = instrumented(SqliteReadStore.open({ filename: ':memory:' }));
    try {
      const runner = new ProjectionRunner(eventStore, readStore, projection, { owned: { maxViews: 100 } });
      for (let i = 0; i < events.length; i += 50) await runner.applyBatch(events.slice(i, i + 50));
      // Each customer was asked for once: on its first batch (and found nothing).
      expect(readStore.loaded).toBe(20);
      expect(runner.ownedViews).toBe(20);
      expect(await stored(readStore)).toEqual(await reference());
    } finally {
      await readStore.close();
    }
  });

  it('after a failed commit it drops what it holds and goes on from the store: the same views', async () => {
    const readStore = instrumented(SqliteReadStore.open({ filename: ':memory:' }));
    try {
      const runner = new ProjectionRunner(eventStore, readStore, projection, { owned: { maxViews: 100 } });
      for (let i = 0; i < events.length; i += 50) {
        const batch = events.slice(i, i + 50);
        if (i === 100) {
          readStore.failNext = true;
          await expect(runner.applyBatch(batch)).rejects.toThrow('simulated read-store failure');
          expect(runner.ownedViews).toBe(0);
        }
        await runner.applyBatch(batch); // the batch comes again, as after a consumer restart
      }
      expect(await stored(readStore)).toEqual(await reference());
    } finally {
      await readStore.close();
    }
  });

  it('does not keep the views of a batch that was in flight when they were dropped (a rebalance)', async () => {
    const readStore = instrumented(SqliteReadStore.open({ filename: ':memory:' }));
    try {
      const runner = new ProjectionRunner(eventStore, readStore, projection, { owned: { maxViews: 100 } });
      await runner.applyBatch(events.slice(0, 50));
      expect(runner.ownedViews).toBeGreaterThan(0);
      readStore.beforeCommit = async () => runner.dropOwnedViews();
      await runner.applyBatch(events.slice(50, 100));
      expect(runner.ownedViews).toBe(0);
    } finally {
      await readStore.close();
    }
  });

  it.each([
    ['announced by its lease (the projector reads from the store meanwhile)', true],
    ['not announced (the control: the held views would undo it)', false],
  ])('keeps the segments a population pass wrote between its batches: %s', async (_name, announced) => {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    try {
      const runner = new ProjectionRunner(eventStore, readStore, projection, {
        owned: { maxViews: 100, ...(announced ? { otherWriters: () => otherViewWriters(readStore) } : {}) },
      });
      const half = Math.floor(events.length / 2);
      await runner.applyBatch(events.slice(0, half));
      const asOf = new Date(Date.parse(events[half - 1].occurredAt) + 1000).toISOString();
      await runSegmentation(readStore, projection, asOf);
      await runner.applyBatch(events.slice(half));
      // The customers the pass ranked: those of the first half.
      const ranked = new Set(events.slice(0, half).map((e) => e.customerId));
      let kept = 0;
      for await (const record of readStore.scanViews<ProjectedView<CustomerView>>()) if (ranked.has(record.customerId) && record.view.segment?.asOf === asOf) kept++;
      expect(ranked.size).toBeGreaterThan(5);
      if (announced) expect(kept).toBe(ranked.size);
      else expect(kept).toBeLessThan(ranked.size);
    } finally {
      await readStore.close();
    }
  });

  it('holds nothing while a pass holds its lease, and again once it is released', async () => {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    try {
      const runner = new ProjectionRunner(eventStore, readStore, projection, { owned: { maxViews: 100, otherWriters: () => otherViewWriters(readStore) } });
      await runner.applyBatch(events.slice(0, 50));
      expect(runner.ownedViews).toBeGreaterThan(0);
      const lease = new ViewWritersLease(readStore);
      await lease.acquire();
      await runner.applyBatch(events.slice(50, 100));
      expect(runner.ownedViews).toBe(0);
      await lease.release();
      await runner.applyBatch(events.slice(100, 150));
      expect(runner.ownedViews).toBeGreaterThan(0);
    } finally {
      await readStore.close();
    }
  });

  it('a lease that ran out (its pass died) no longer keeps the projector from holding views', async () => {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    try {
      let now = Date.parse('2026-12-01T12:00:00Z');
      await new ViewWritersLease(readStore, () => now, 60_000).acquire();
      expect((await otherViewWriters(readStore, () => now)).active).toBe(true);
      now += 60_001;
      expect((await otherViewWriters(readStore, () => now)).active).toBe(false);
    } finally {
      await readStore.close();
    }
  });

  it('refuses a bound that is not a positive integer, and both modes at once', () => {
    const readStore = SqliteReadStore.open({ filename: ':memory:' });
    expect(() => new ProjectionRunner(eventStore, readStore, projection, { owned: { maxViews: 0 } })).toThrow(RangeError);
    expect(() => new ProjectionRunner(eventStore, readStore, projection, { owned: { maxViews: 5 }, writeBack: { maxViews: 5 } })).toThrow(RangeError);
    return readStore.close();
  });
});
