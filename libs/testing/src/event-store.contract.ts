import { randomUUID } from 'node:crypto';
import {
  EventIdConflictError,
  EventStore,
  EventStoreError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type StreamAppendOutcome,
} from '@crm/event-store';
import { collect, consumeInBackground, waitFor, within } from './async.helpers';

export interface EventStoreFixture {
  store: EventStore;
  /** Closes the store and removes what the factory created. */
  cleanup: () => Promise<void>;
}

/** How long a closed subscription may take to end its iteration. */
const PROMPT_MS = 1000;

const newEvent = (data: unknown = {}, type = 'ContractTested', metadata?: Record<string, unknown>): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  ...(metadata === undefined ? {} : { metadata }),
});

const newEvents = (count: number, type = 'ContractTested'): NewEvent[] =>
  Array.from({ length: count }, (_, i) => newEvent({ i }, type));

/** A namespace per test: unique stream ids, so the suite can share a server with anything else. */
const namespace = (): string => `contract-${randomUUID()}`;

const ids = (events: ReadonlyArray<{ eventId: string }>): string[] => events.map((event) => event.eventId);

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it fulfilled');
}

function expectStrictlyIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    if (!(values[i] > values[i - 1])) {
      throw new Error(`not strictly increasing at index ${i}: ${values[i - 1]} then ${values[i]}`);
    }
  }
}

/**
 * The one suite every EventStore adapter passes (conventions: ports and adapters). It never
 * assumes an empty store: expectations are relative to headPosition() taken before, and reads
 * of the global log filter by the test's own stream prefix or event ids.
 */
export function eventStoreContract(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });

    afterAll(async () => {
      await cleanup?.();
    });

    async function expectWrongRevision(
      append: Promise<AppendResult>,
      streamId: string,
      expected: ExpectedRevision,
      actual: number | 'no_stream',
    ): Promise<void> {
      const error = await rejectionOf(append);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toBeInstanceOf(EventStoreError);
      const wrong = error as WrongExpectedRevisionError;
      expect(wrong.streamId).toBe(streamId);
      expect(wrong.expected).toBe(expected);
      expect(wrong.actual).toBe(actual);
      expect(wrong.retriable).toBe(true);
    }

    async function expectStreamNotFound(streamId: string): Promise<void> {
      const error = await rejectionOf(collect(store.readStream(streamId)));
      expect(error).toBeInstanceOf(StreamNotFoundError);
      expect((error as StreamNotFoundError).streamId).toBe(streamId);
      expect((error as StreamNotFoundError).retriable).toBe(false);
    }

    describe('append and read', () => {
      it('appends to a new stream and reads it back with 0-based revisions and increasing positions', async () => {
        const stream = `${namespace()}-a`;
        const before = await store.headPosition();
        const events = newEvents(3);

        const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

        expect(result.streamId).toBe(stream);
        expect(result.nextExpectedRevision).toBe(2);
        expect(ids(result.events)).toEqual(ids(events));
        expect(result.events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(result.events.every((e) => e.duplicate === false)).toBe(true);
        expectStrictlyIncreasing([before, ...result.events.map((e) => e.position)]);

        const read = await collect(store.readStream(stream));
        expect(read.map((e) => e.streamId)).toEqual([stream, stream, stream]);
        expect(ids(read)).toEqual(ids(events));
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(read.map((e) => e.position)).toEqual(result.events.map((e) => e.position));
        expect(read.map((e) => e.type)).toEqual(['ContractTested', 'ContractTested', 'ContractTested']);
        expect(read.map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
        for (const event of read) {
          expect(event.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
          expect(Number.isNaN(Date.parse(event.recordedAt))).toBe(false);
        }
      });

      it('continues revisions on later appends; positions follow commit order across streams', async () => {
        const ns = namespace();
        const [a, b] = [`${ns}-a`, `${ns}-b`];
        const before = await store.headPosition();
        const a1 = newEvents(2);
        const b1 = newEvents(1);
        const a2 = newEvents(2);

        await store.appendToStream(a, a1);
        await store.appendToStream(b, b1);
        const last = await store.appendToStream(a, a2);

        expect(last.nextExpectedRevision).toBe(3);
        expect(last.events.map((e) => e.revision)).toEqual([2, 3]);
        const readA = await collect(store.readStream(a));
        expect(readA.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
        expect(ids(readA)).toEqual(ids([...a1, ...a2]));

        const all = await collect(store.readAll({ after: before, streamPrefix: ns }));
        expect(ids(all)).toEqual(ids([...a1, ...b1, ...a2]));
        expect(all.map((e) => e.streamId)).toEqual([a, a, b, a, a]);
        expectStrictlyIncreasing([before, ...all.map((e) => e.position)]);
      });

      it('round-trips data of any JSON shape and metadata', async () => {
        const stream = `${namespace()}-json`;
        const metadata = {
          customerId: 'C-1',
          occurredAt: '2026-03-14T10:22:05+01:00',
          nested: { list: [1, 'two', null, { three: 3 }], flag: true },
          unicode: 'Zoë 客户 🚀',
        };
        const events = [
          newEvent({ amount: 4599, currency: 'EUR', tags: ['a', 'b'], inner: { deep: { deeper: 'x' } } }, 'PurchaseMade', metadata),
          newEvent([1, 2, 3], 'ArrayData'),
          newEvent('just a string', 'StringData'),
          newEvent(42.5, 'NumberData'),
          newEvent(null, 'NullData'),
          newEvent({ text: 'quotes " and \\ backslash, newline \n and tab \t', emoji: '👍' }, 'Escapes'),
        ];

        await store.appendToStream(stream, events);
        const read = await collect(store.readStream(stream));

        expect(read.map((e) => e.type)).toEqual(events.map((e) => e.type));
        expect(read.map((e) => e.data)).toEqual(events.map((e) => e.data));
        expect(read[0].metadata).toEqual(metadata);
        // Events appended without metadata read back with an empty object.
        expect(read.slice(1).map((e) => e.metadata)).toEqual([{}, {}, {}, {}, {}]);
      });

      it('throws StreamNotFoundError when reading a stream that has no events', async () => {
        await expectStreamNotFound(`${namespace()}-missing`);
      });
    });

    describe('expected revision', () => {
      it("'no_stream' accepts a new stream and rejects an existing one", async () => {
        const stream = `${namespace()}-s`;
        await store.appendToStream(stream, newEvents(2), { expectedRevision: 'no_stream' });
        await expectWrongRevision(
          store.appendToStream(stream, newEvents(1), { expectedRevision: 'no_stream' }),
          stream,
          'no_stream',
          1,
        );
      });

      it("'stream_exists' rejects a new stream and accepts an existing one", async () => {
        const stream = `${namespace()}-s`;
        await expectWrongRevision(
          store.appendToStream(stream, newEvents(1), { expectedRevision: 'stream_exists' }),
          stream,
          'stream_exists',
          'no_stream',
        );
        await expectStreamNotFound(stream);

        await store.appendToStream(stream, newEvents(1), { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(stream, newEvents(1), { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('a number must equal the revision of the last event', async () => {
        const stream = `${namespace()}-s`;
        await expectWrongRevision(
          store.appendToStream(stream, newEvents(1), { expectedRevision: 0 }),
          stream,
          0,
          'no_stream',
        );

        await store.appendToStream(stream, newEvents(1), { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, newEvents(1), { expectedRevision: 0 });
        expect(second.nextExpectedRevision).toBe(1);

        await expectWrongRevision(store.appendToStream(stream, newEvents(1), { expectedRevision: 0 }), stream, 0, 1);
        await expectWrongRevision(store.appendToStream(stream, newEvents(1), { expectedRevision: 2 }), stream, 2, 1);

        const third = await store.appendToStream(stream, newEvents(2), { expectedRevision: 1 });
        expect(third.nextExpectedRevision).toBe(3);
        expect(third.events.map((e) => e.revision)).toEqual([2, 3]);
      });

      it("'any' (the default) accepts a new and an existing stream", async () => {
        const stream = `${namespace()}-s`;
        const first = await store.appendToStream(stream, newEvents(1), { expectedRevision: 'any' });
        const second = await store.appendToStream(stream, newEvents(1));
        expect([first.nextExpectedRevision, second.nextExpectedRevision]).toEqual([0, 1]);
      });

      it('a rejected append writes nothing', async () => {
        const ns = namespace();
        const stream = `${ns}-s`;
        const stored = newEvents(2);
        await store.appendToStream(stream, stored);
        const rejected = newEvents(50);

        await expectWrongRevision(store.appendToStream(stream, rejected, { expectedRevision: 0 }), stream, 0, 1);

        expect(ids(await collect(store.readStream(stream)))).toEqual(ids(stored));
        expect(await store.count({ streamPrefix: ns })).toBe(2);
        // The rejected ids were not stored: they can still go to another stream.
        const elsewhere = await store.appendToStream(`${ns}-other`, rejected.slice(0, 1));
        expect(elsewhere.events[0].duplicate).toBe(false);
      });
    });

    describe('idempotency by event id', () => {
      it('a retry returns the original places marked duplicate, and stores nothing', async () => {
        const ns = namespace();
        const stream = `${ns}-s`;
        const before = await store.headPosition();
        const events = newEvents(3);
        const original = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

        const retry = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

        expect(retry).toEqual({
          ...original,
          events: original.events.map((e) => ({ ...e, duplicate: true })),
        });
        expect(ids(await collect(store.readStream(stream)))).toEqual(ids(events));
        expect(ids(await collect(store.readAll({ after: before, streamPrefix: ns })))).toEqual(ids(events));
        expect(await store.count({ streamPrefix: ns })).toBe(3);
      });

      it('a retry skips the expected-revision check even after the stream moved on', async () => {
        const stream = `${namespace()}-s`;
        const first = newEvents(2);
        const second = newEvents(2);
        const original = await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
        const later = await store.appendToStream(stream, second, { expectedRevision: original.nextExpectedRevision });

        const retryFirst = await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
        const retrySecond = await store.appendToStream(stream, second, {
          expectedRevision: original.nextExpectedRevision,
        });

        expect(retryFirst.nextExpectedRevision).toBe(original.nextExpectedRevision);
        expect(retryFirst.events.map((e) => [e.revision, e.position, e.duplicate])).toEqual(
          original.events.map((e) => [e.revision, e.position, true]),
        );
        expect(retrySecond.nextExpectedRevision).toBe(later.nextExpectedRevision);
        expect(retrySecond.events.map((e) => e.position)).toEqual(later.events.map((e) => e.position));
        expect(ids(await collect(store.readStream(stream)))).toEqual(ids([...first, ...second]));
      });

      it('a mixed batch reports stored ids as duplicates and appends only the new ones', async () => {
        const ns = namespace();
        const stream = `${ns}-s`;
        const [e1, e2, e3, e4] = newEvents(4);
        const original = await store.appendToStream(stream, [e1, e2]);

        const mixed = await store.appendToStream(stream, [e2, e3, e1, e4], { expectedRevision: 1 });

        expect(mixed.events).toEqual([
          { eventId: e2.eventId, revision: 1, position: original.events[1].position, duplicate: true },
          { eventId: e3.eventId, revision: 2, position: expect.any(Number), duplicate: false },
          { eventId: e1.eventId, revision: 0, position: original.events[0].position, duplicate: true },
          { eventId: e4.eventId, revision: 3, position: expect.any(Number), duplicate: false },
        ]);
        expect(mixed.nextExpectedRevision).toBe(3);
        expectStrictlyIncreasing([original.events[1].position, mixed.events[1].position, mixed.events[3].position]);
        const read = await collect(store.readStream(stream));
        expect(ids(read)).toEqual(ids([e1, e2, e3, e4]));
        expect(read.map((e) => e.position)).toEqual([
          original.events[0].position,
          original.events[1].position,
          mixed.events[1].position,
          mixed.events[3].position,
        ]);
        expect(await store.count({ streamPrefix: ns })).toBe(4);
      });

      it('a mixed batch is still checked against the expected revision', async () => {
        const ns = namespace();
        const stream = `${ns}-s`;
        const [e1, e2] = newEvents(2);
        await store.appendToStream(stream, [e1]);

        await expectWrongRevision(
          store.appendToStream(stream, [e1, e2], { expectedRevision: 'no_stream' }),
          stream,
          'no_stream',
          0,
        );

        expect(ids(await collect(store.readStream(stream)))).toEqual([e1.eventId]);
        expect(await store.count({ streamPrefix: ns })).toBe(1);
      });

      it('an event id repeated inside one call is stored once', async () => {
        const stream = `${namespace()}-s`;
        const [e1, e2] = newEvents(2);

        const result = await store.appendToStream(stream, [e1, e2, e1]);

        expect(result.events.map((e) => [e.eventId, e.revision, e.duplicate])).toEqual([
          [e1.eventId, 0, false],
          [e2.eventId, 1, false],
          [e1.eventId, 0, true],
        ]);
        expect(result.events[2].position).toBe(result.events[0].position);
        expect(result.nextExpectedRevision).toBe(1);
        expect(ids(await collect(store.readStream(stream)))).toEqual([e1.eventId, e2.eventId]);
      });

      it('rejects an event id already stored in another stream, writing nothing of the call', async () => {
        const ns = namespace();
        const [a, b] = [`${ns}-a`, `${ns}-b`];
        const taken = newEvent({ n: 1 });
        await store.appendToStream(a, [taken]);

        const error = await rejectionOf(store.appendToStream(b, [newEvent(), { ...taken }, newEvent()]));

        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(error).toBeInstanceOf(EventStoreError);
        expect((error as EventIdConflictError).eventId).toBe(taken.eventId);
        expect((error as EventIdConflictError).existingStreamId).toBe(a);
        expect((error as EventIdConflictError).retriable).toBe(false);
        await expectStreamNotFound(b);
        expect(await store.count({ streamPrefix: ns })).toBe(1);
        expect(ids(await collect(store.readStream(a)))).toEqual([taken.eventId]);
      });
    });

    describe('atomicity', () => {
      it('a failed append stores none of its events and the stream stays appendable', async () => {
        const ns = namespace();
        const [a, b] = [`${ns}-a`, `${ns}-b`];
        const elsewhere = newEvent();
        await store.appendToStream(a, [elsewhere]);
        const existing = newEvents(2);
        await store.appendToStream(b, existing);
        const fresh = newEvents(200);

        // The conflict is the last event: everything before it must be rolled back.
        const error = await rejectionOf(store.appendToStream(b, [...fresh, elsewhere], { expectedRevision: 1 }));
        expect(error).toBeInstanceOf(EventIdConflictError);

        expect(ids(await collect(store.readStream(b)))).toEqual(ids(existing));
        expect(await store.count({ streamPrefix: ns })).toBe(3);

        const result = await store.appendToStream(b, fresh, { expectedRevision: 1 });
        expect(result.events.every((e) => !e.duplicate)).toBe(true);
        expect(result.nextExpectedRevision).toBe(201);
        expect(ids(await collect(store.readStream(b)))).toEqual(ids([...existing, ...fresh]));
      });
    });

    describe('readAll', () => {
      it('reads strictly after a position, in position order', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const written = [newEvent(), newEvent(), newEvent(), newEvent(), newEvent()];
        await store.appendToStream(`${ns}-a`, written.slice(0, 2));
        await store.appendToStream(`${ns}-b`, written.slice(2, 3));
        await store.appendToStream(`${ns}-a`, written.slice(3));

        const all = await collect(store.readAll({ after: before, streamPrefix: ns }));
        expect(ids(all)).toEqual(ids(written));
        expectStrictlyIncreasing(all.map((e) => e.position));

        const rest = await collect(store.readAll({ after: all[1].position, streamPrefix: ns }));
        expect(ids(rest)).toEqual(ids(written.slice(2)));
        const none = await collect(store.readAll({ after: all[4].position, streamPrefix: ns }));
        expect(none).toEqual([]);
      });

      it('honours maxCount', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const written = newEvents(5);
        await store.appendToStream(`${ns}-a`, written);

        expect(ids(await collect(store.readAll({ after: before, streamPrefix: ns, maxCount: 2 })))).toEqual(
          ids(written.slice(0, 2)),
        );
        expect(await collect(store.readAll({ after: before, streamPrefix: ns, maxCount: 0 }))).toEqual([]);
        expect(ids(await collect(store.readAll({ after: before, streamPrefix: ns, maxCount: 50 })))).toEqual(
          ids(written),
        );
        // Without a prefix maxCount still bounds the read (other writers may own some of them).
        expect(await collect(store.readAll({ after: before, maxCount: 3 }))).toHaveLength(3);
      });

      it('filters by a literal, case-sensitive stream-id prefix', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const x1 = newEvent();
        const y1 = newEvent();
        const x2 = newEvent();
        const upper = newEvent();
        const wildcard = newEvent();
        await store.appendToStream(`${ns}-x-1`, [x1]);
        await store.appendToStream(`${ns}-y-1`, [y1]);
        await store.appendToStream(`${ns}-x-2`, [x2]);
        await store.appendToStream(`${ns}-X-3`, [upper]);
        await store.appendToStream(`${ns}-xx-4`, [wildcard]);

        expect(ids(await collect(store.readAll({ after: before, streamPrefix: `${ns}-x-` })))).toEqual(ids([x1, x2]));
        // '_' and '%' are not wildcards.
        expect(await collect(store.readAll({ after: before, streamPrefix: `${ns}-_` }))).toEqual([]);
        expect(await collect(store.readAll({ after: before, streamPrefix: `${ns}-%` }))).toEqual([]);
        expect(ids(await collect(store.readAll({ after: before, streamPrefix: `${ns}-X` })))).toEqual(ids([upper]));
        expect(await store.count({ after: before, streamPrefix: `${ns}-x` })).toBe(3);
      });

      it('without a prefix includes this test’s events in commit order', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const written = newEvents(4);
        await store.appendToStream(`${ns}-a`, written.slice(0, 2));
        await store.appendToStream(`${ns}-b`, written.slice(2));

        const mine = new Set(ids(written));
        const all = await collect(store.readAll({ after: before }));
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(ids(all.filter((e) => mine.has(e.eventId)))).toEqual(ids(written));
      });

      it('reads more events than fit in one page, in order and each once', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const written = newEvents(2500);
        await store.appendToStream(`${ns}-big`, written.slice(0, 1200));
        await store.appendToStream(`${ns}-other`, written.slice(1200, 1300));
        await store.appendToStream(`${ns}-big`, written.slice(1300));

        const all = await collect(store.readAll({ after: before, streamPrefix: ns }));
        expect(ids(all)).toEqual(ids(written));
        expectStrictlyIncreasing(all.map((e) => e.position));

        const big = await collect(store.readStream(`${ns}-big`));
        expect(big).toHaveLength(2400);
        expect(big.map((e) => e.revision)).toEqual(Array.from({ length: 2400 }, (_, i) => i));
      });
    });

    describe('readStreams (what a rebuild folds)', () => {
      it("yields every event of the prefix's streams once, each stream in revision order, none above upTo", async () => {
        const ns = namespace();
        const a = newEvents(3);
        const b = newEvents(1500); // more than a page of the embedded store
        const other = newEvent();
        await store.appendToStream(`${ns}-s-a`, [a[0]]);
        await store.appendToStream(`${ns}-s-b`, b.slice(0, 700));
        await store.appendToStream(`${ns}-t-x`, [other]); // outside the prefix
        await store.appendToStream(`${ns}-s-a`, a.slice(1, 2));
        await store.appendToStream(`${ns}-s-b`, b.slice(700));
        const upTo = await store.headPosition();
        await store.appendToStream(`${ns}-s-a`, a.slice(2)); // after upTo

        const read = await collect(store.readStreams({ streamPrefix: `${ns}-s-`, upTo }));
        expect(new Set(read.map((e) => e.eventId)).size).toBe(read.length);
        expect(ids(read).sort()).toEqual(ids([...a.slice(0, 2), ...b]).sort());
        for (const streamId of [`${ns}-s-a`, `${ns}-s-b`]) {
          const revisions = read.filter((e) => e.streamId === streamId).map((e) => e.revision);
          expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, i) => i));
        }
        expect(read.every((e) => e.position <= upTo)).toBe(true);
        // Without a bound, the later event too.
        expect(await collect(store.readStreams({ streamPrefix: `${ns}-s-` }))).toHaveLength(1503);
        expect(await collect(store.readStreams({ streamPrefix: `${ns}-none-` }))).toEqual([]);
        // A resumed read: only the streams after the one named, when the store reads stream by stream.
        if (store.readsStreamsInOrder) {
          const resumed = await collect(store.readStreams({ streamPrefix: `${ns}-s-`, afterStream: `${ns}-s-a` }));
          expect(ids(resumed)).toEqual(ids(b));
        } else {
          await expect(collect(store.readStreams({ streamPrefix: `${ns}-s-`, afterStream: `${ns}-s-a` }))).rejects.toThrow(TypeError);
        }
      });
    });

    describe('readStream', () => {
      it('reads from a revision, up to maxCount', async () => {
        const stream = `${namespace()}-s`;
        const written = newEvents(10);
        await store.appendToStream(stream, written);

        const from3 = await collect(store.readStream(stream, { fromRevision: 3 }));
        expect(from3.map((e) => e.revision)).toEqual([3, 4, 5, 6, 7, 8, 9]);
        expect(ids(from3)).toEqual(ids(written.slice(3)));
        const window = await collect(store.readStream(stream, { fromRevision: 3, maxCount: 4 }));
        expect(window.map((e) => e.revision)).toEqual([3, 4, 5, 6]);
        expect((await collect(store.readStream(stream, { maxCount: 2 }))).map((e) => e.revision)).toEqual([0, 1]);
        expect(await collect(store.readStream(stream, { maxCount: 0 }))).toEqual([]);
        // Past the end of an existing stream: empty, not an error.
        expect(await collect(store.readStream(stream, { fromRevision: 10 }))).toEqual([]);
      });

      it('reads only its own stream', async () => {
        const ns = namespace();
        const mine = newEvents(3);
        await store.appendToStream(`${ns}-a`, mine.slice(0, 1));
        await store.appendToStream(`${ns}-a-longer`, newEvents(2));
        await store.appendToStream(`${ns}-a`, mine.slice(1));

        expect(ids(await collect(store.readStream(`${ns}-a`)))).toEqual(ids(mine));
      });
    });

    describe('subscribeToAll', () => {
      it('catches up from the checkpoint, then delivers live events', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const early = newEvents(3);
        await store.appendToStream(`${ns}-a`, early);

        const subscription = store.subscribeToAll({ after: before, streamPrefix: ns });
        const consumer = consumeInBackground(subscription);
        try {
          await waitFor(() => consumer.items.length >= 3, { message: 'catch-up' });
          const live = newEvents(2);
          await store.appendToStream(`${ns}-b`, live.slice(0, 1));
          await store.appendToStream(`${ns}-a`, live.slice(1));
          await waitFor(() => consumer.items.length >= 5, { message: 'live events' });

          expect(ids(consumer.items)).toEqual(ids([...early, ...live]));
          expect(consumer.items.map((e) => e.streamId)).toEqual([`${ns}-a`, `${ns}-a`, `${ns}-a`, `${ns}-b`, `${ns}-a`]);
          expectStrictlyIncreasing([before, ...consumer.items.map((e) => e.position)]);
        } finally {
          await subscription.close();
        }
        await within(consumer.finished, PROMPT_MS, 'the closed subscription');
        expect(consumer.items).toHaveLength(5);
      });

      it('starts strictly after the given checkpoint', async () => {
        const ns = namespace();
        const written = newEvents(5);
        const result = await store.appendToStream(`${ns}-a`, written);

        const subscription = store.subscribeToAll({ after: result.events[1].position, streamPrefix: ns });
        const consumer = consumeInBackground(subscription);
        try {
          await waitFor(() => consumer.items.length >= 3, { message: 'events after the checkpoint' });
          const more = newEvent();
          await store.appendToStream(`${ns}-a`, [more]);
          await waitFor(() => consumer.items.length >= 4, { message: 'live event' });
          expect(ids(consumer.items)).toEqual(ids([...written.slice(2), more]));
        } finally {
          await subscription.close();
        }
        await within(consumer.finished, PROMPT_MS, 'the closed subscription');
      });

      it('without a prefix delivers this test’s events among any others, in order', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const written = newEvents(3);
        const mine = new Set(ids(written));

        const subscription = store.subscribeToAll({ after: before });
        const consumer = consumeInBackground(subscription);
        try {
          await store.appendToStream(`${ns}-a`, written.slice(0, 2));
          await store.appendToStream(`${ns}-b`, written.slice(2));
          await waitFor(() => consumer.items.filter((e) => mine.has(e.eventId)).length >= 3, { message: 'my events' });
          expectStrictlyIncreasing(consumer.items.map((e) => e.position));
          expect(ids(consumer.items.filter((e) => mine.has(e.eventId)))).toEqual(ids(written));
        } finally {
          await subscription.close();
        }
        await within(consumer.finished, PROMPT_MS, 'the closed subscription');
      });

      it('close() ends an iteration that is waiting for live events, promptly', async () => {
        const ns = namespace();
        await store.appendToStream(`${ns}-a`, newEvents(1));
        const subscription = store.subscribeToAll({ after: await store.headPosition(), streamPrefix: ns });
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();

        await subscription.close();

        await expect(within(pending, PROMPT_MS, 'the pending next()')).resolves.toEqual(
          expect.objectContaining({ done: true }),
        );
        // Appends after close are not delivered.
        await store.appendToStream(`${ns}-a`, newEvents(1));
        await expect(within(iterator.next(), PROMPT_MS, 'next() after close')).resolves.toEqual(
          expect.objectContaining({ done: true }),
        );
      });

      it('close() from inside the loop ends it after the current event', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        await store.appendToStream(`${ns}-a`, newEvents(5));
        const subscription = store.subscribeToAll({ after: before, streamPrefix: ns });

        const seen: RecordedEvent[] = [];
        await within(
          (async () => {
            for await (const event of subscription) {
              seen.push(event);
              if (seen.length === 2) await subscription.close();
            }
          })(),
          PROMPT_MS,
          'the loop',
        );
        expect(seen).toHaveLength(2);
      });

      it('breaking out of the loop releases the subscription', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        await store.appendToStream(`${ns}-a`, newEvents(3));
        const subscription = store.subscribeToAll({ after: before, streamPrefix: ns });
        let first: RecordedEvent | undefined;
        for await (const event of subscription) {
          first = event;
          break;
        }
        expect(first?.revision).toBe(0);
        // Still safe to call after the loop ended it.
        await expect(within(subscription.close(), PROMPT_MS, 'close()')).resolves.toBeUndefined();
      });

      it('delivers each event of concurrent appends once, in position order', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const subscription = store.subscribeToAll({ after: before, streamPrefix: ns });
        const consumer = consumeInBackground(subscription);
        const written: NewEvent[] = [];
        try {
          await Promise.all(
            Array.from({ length: 5 }, async (_, s) => {
              for (let round = 0; round < 10; round++) {
                const batch = newEvents(2);
                written.push(...batch);
                await store.appendToStream(`${ns}-${s}`, batch);
              }
            }),
          );
          await waitFor(() => consumer.items.length >= 100, { message: '100 events' });
          expectStrictlyIncreasing(consumer.items.map((e) => e.position));
          expect(new Set(ids(consumer.items))).toEqual(new Set(ids(written)));
          expect(consumer.items).toHaveLength(100);
        } finally {
          await subscription.close();
        }
        await within(consumer.finished, PROMPT_MS, 'the closed subscription');
      });
    });

    describe('concurrent appenders', () => {
      it('exactly one of the appends racing for the same expected revision wins', async () => {
        const stream = `${namespace()}-race`;
        const race = async (expectedRevision: ExpectedRevision) => {
          const outcomes = await Promise.allSettled(
            Array.from({ length: 8 }, () => store.appendToStream(stream, newEvents(1), { expectedRevision })),
          );
          const winners = outcomes.filter((o) => o.status === 'fulfilled');
          const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          expect(winners).toHaveLength(1);
          for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedRevisionError);
        };

        await race('no_stream');
        await race(0);
        await race(1);

        const read = await collect(store.readStream(stream));
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('loses no event when losers retry with the actual revision', async () => {
        const stream = `${namespace()}-race`;
        const writers = 6;
        const perWriter = 15;
        const batches = Array.from({ length: writers }, () => newEvents(perWriter));

        const write = async (events: NewEvent[]) => {
          let expected: ExpectedRevision = 'no_stream';
          for (const event of events) {
            for (let attempt = 0; ; attempt++) {
              if (attempt > 1000) throw new Error('retry limit reached');
              try {
                const result = await store.appendToStream(stream, [event], { expectedRevision: expected });
                expected = result.nextExpectedRevision;
                break;
              } catch (error) {
                if (!(error instanceof WrongExpectedRevisionError)) throw error;
                expected = error.actual;
              }
            }
          }
        };
        await Promise.all(batches.map(write));

        const read = await collect(store.readStream(stream));
        expect(read).toHaveLength(writers * perWriter);
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: writers * perWriter }, (_, i) => i));
        expect(new Set(ids(read))).toEqual(new Set(batches.flatMap(ids)));
        // Each writer's events keep its own order.
        for (const batch of batches) {
          const own = new Set(ids(batch));
          expect(ids(read.filter((e) => own.has(e.eventId)))).toEqual(ids(batch));
        }
      });
    });

    describe('appendToStreams (several streams in one call)', () => {
      const resultOf = (outcome: StreamAppendOutcome | undefined): AppendResult => {
        if (!outcome?.ok) throw new Error(`expected a stored outcome, got ${String(outcome?.ok === false ? outcome.error : outcome)}`);
        return outcome.result;
      };
      const errorOf = (outcome: StreamAppendOutcome | undefined): EventStoreError => {
        if (outcome === undefined || outcome.ok) throw new Error('expected a failed outcome');
        return outcome.error;
      };

      it('stores every stream, one outcome per entry in the given order, as appendToStream would', async () => {
        const ns = namespace();
        const [a, b, c] = [`${ns}-a`, `${ns}-b`, `${ns}-c`];
        await store.appendToStream(b, newEvents(2));
        const before = await store.headPosition();
        const [ea, eb, ec] = [newEvents(3), newEvents(2), newEvents(1)];

        const outcomes = await store.appendToStreams([
          { streamId: a, events: ea, expectedRevision: 'no_stream' },
          { streamId: b, events: eb, expectedRevision: 1 },
          { streamId: c, events: ec },
        ]);

        expect(outcomes.map((o) => [o.streamId, o.ok])).toEqual([[a, true], [b, true], [c, true]]);
        const [ra, rb, rc] = outcomes.map(resultOf);
        expect([ra.streamId, ra.nextExpectedRevision, ra.events.map((e) => e.revision)]).toEqual([a, 2, [0, 1, 2]]);
        expect([rb.streamId, rb.nextExpectedRevision, rb.events.map((e) => e.revision)]).toEqual([b, 3, [2, 3]]);
        expect([rc.streamId, rc.nextExpectedRevision, rc.events.map((e) => e.revision)]).toEqual([c, 0, [0]]);
        for (const [result, events] of [[ra, ea], [rb, eb], [rc, ec]] as const) {
          expect(ids(result.events)).toEqual(ids(events));
          expect(result.events.every((e) => !e.duplicate)).toBe(true);
          expectStrictlyIncreasing([before, ...result.events.map((e) => e.position)]);
          expect(await collect(store.readStream(result.streamId, { fromRevision: result.events[0].revision }))).toEqual(
            events.map((event, i) => expect.objectContaining({ eventId: event.eventId, data: event.data, position: result.events[i].position })),
          );
        }
      });

      it('is atomic per stream and independent across streams: a failed check stores none of that stream', async () => {
        const ns = namespace();
        const [a, b, c] = [`${ns}-a`, `${ns}-b`, `${ns}-c`];
        await store.appendToStream(b, newEvents(1));
        const [ea, eb, ec] = [newEvents(2), newEvents(40), newEvents(2)];

        const outcomes = await store.appendToStreams([
          { streamId: a, events: ea },
          { streamId: b, events: eb, expectedRevision: 5 },
          { streamId: c, events: ec, expectedRevision: 'no_stream' },
        ]);

        expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
        const wrong = errorOf(outcomes[1]);
        expect(wrong).toBeInstanceOf(WrongExpectedRevisionError);
        expect(wrong).toMatchObject({ streamId: b, expected: 5, actual: 0, retriable: true });
        expect(outcomes[1].streamId).toBe(b);
        expect(await collect(store.readStream(b))).toHaveLength(1);
        expect(ids(await collect(store.readStream(a)))).toEqual(ids(ea));
        expect(ids(await collect(store.readStream(c)))).toEqual(ids(ec));
        expect(await store.count({ streamPrefix: ns })).toBe(5);
        // The failed stream's ids were not stored: the same call again with the right revision stores them.
        const retry = await store.appendToStreams([{ streamId: b, events: eb, expectedRevision: 0 }]);
        expect(resultOf(retry[0]).events.map((e) => [e.revision, e.duplicate])).toEqual(eb.map((_, i) => [i + 1, false]));
      });

      it('checks each kind of expected revision per stream', async () => {
        const ns = namespace();
        const [exists, fresh, numbered] = [`${ns}-exists`, `${ns}-fresh`, `${ns}-numbered`];
        await store.appendToStream(exists, newEvents(1));
        await store.appendToStream(numbered, newEvents(3));

        const outcomes = await store.appendToStreams([
          { streamId: exists, events: newEvents(1), expectedRevision: 'no_stream' },
          { streamId: fresh, events: newEvents(1), expectedRevision: 'stream_exists' },
          { streamId: numbered, events: newEvents(1), expectedRevision: 1 },
          { streamId: exists, events: newEvents(1), expectedRevision: 'stream_exists' },
          { streamId: fresh, events: newEvents(1), expectedRevision: 'no_stream' },
          { streamId: numbered, events: newEvents(1), expectedRevision: 2 },
        ]);

        expect(outcomes.map((o) => o.ok)).toEqual([false, false, false, true, true, true]);
        expect(outcomes.slice(0, 3).map((o) => errorOf(o))).toEqual([
          expect.objectContaining({ streamId: exists, expected: 'no_stream', actual: 0 }),
          expect.objectContaining({ streamId: fresh, expected: 'stream_exists', actual: 'no_stream' }),
          expect.objectContaining({ streamId: numbered, expected: 1, actual: 2 }),
        ]);
        for (const outcome of outcomes.slice(0, 3)) expect(errorOf(outcome)).toBeInstanceOf(WrongExpectedRevisionError);
        expect(outcomes.slice(3).map((o) => resultOf(o).nextExpectedRevision)).toEqual([1, 0, 3]);
      });

      it('applies entries of the same stream in the given order', async () => {
        const stream = `${namespace()}-s`;
        const [first, second] = [newEvents(2), newEvents(1)];

        const outcomes = await store.appendToStreams([
          { streamId: stream, events: first, expectedRevision: 'no_stream' },
          { streamId: stream, events: second, expectedRevision: 1 },
        ]);

        expect(outcomes.map((o) => resultOf(o).events.map((e) => e.revision))).toEqual([[0, 1], [2]]);
        expect(ids(await collect(store.readStream(stream)))).toEqual(ids([...first, ...second]));
      });

      it('is idempotent: a retried call reports every event a duplicate at its original place, stores nothing, skips the checks', async () => {
        const ns = namespace();
        const [a, b] = [`${ns}-a`, `${ns}-b`];
        const [ea, eb] = [newEvents(2), newEvents(3)];
        const call = [
          { streamId: a, events: ea, expectedRevision: 'no_stream' as const },
          { streamId: b, events: [...eb, eb[0]], expectedRevision: 'no_stream' as const },
        ];
        const original = await store.appendToStreams(call);
        expect(resultOf(original[1]).events.map((e) => [e.revision, e.duplicate])).toEqual([[0, false], [1, false], [2, false], [0, true]]);
        await store.appendToStream(a, newEvents(1));

        const retry = await store.appendToStreams(call);

        expect(retry).toEqual(
          original.map((o) => ({ ...o, result: { ...resultOf(o), events: resultOf(o).events.map((e) => ({ ...e, duplicate: true })) } })),
        );
        expect(await store.count({ streamPrefix: ns })).toBe(6);
        expect(ids(await collect(store.readStream(b)))).toEqual(ids(eb));
      });

      it('fails alone the stream whose id is stored in another stream, before or earlier in the call', async () => {
        const ns = namespace();
        const [owner, thief, bystander, sharer, second] = ['owner', 'thief', 'bystander', 'sharer', 'second'].map((s) => `${ns}-${s}`);
        const taken = newEvent();
        await store.appendToStream(owner, [taken]);
        const shared = newEvent();
        const [thiefEvents, bystanderEvents] = [[...newEvents(5), { ...taken }], newEvents(2)];

        const outcomes = await store.appendToStreams([
          { streamId: thief, events: thiefEvents },
          { streamId: bystander, events: bystanderEvents },
          { streamId: sharer, events: [shared] },
          { streamId: second, events: [newEvent(), { ...shared }] },
        ]);

        const conflict = errorOf(outcomes[0]);
        expect(conflict).toBeInstanceOf(EventIdConflictError);
        expect(conflict).toMatchObject({ eventId: taken.eventId, existingStreamId: owner, retriable: false });
        await expectStreamNotFound(thief);
        expect(ids(await collect(store.readStream(bystander)))).toEqual(ids(bystanderEvents));
        // The same id for two customers in one call: stored once, for one of them; the other fails.
        expect(outcomes.slice(2).filter((o) => o.ok)).toHaveLength(1);
        const loser = outcomes.slice(2).find((o) => !o.ok);
        expect(errorOf(loser)).toBeInstanceOf(EventStoreError);
        const holders = (await collect(store.readAll({ streamPrefix: ns }))).filter((e) => e.eventId === shared.eventId);
        expect(holders.map((e) => e.streamId)).toEqual([outcomes.slice(2).find((o) => o.ok)?.streamId]);
        // The thief's other events were rolled back with it: they are free.
        const reuse = await store.appendToStreams([{ streamId: bystander, events: thiefEvents.slice(0, 5) }]);
        expect(resultOf(reuse[0]).events.every((e) => !e.duplicate)).toBe(true);
      });

      it('gives positions above the head, increasing within each stream, read back once each in position order, live too', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        const subscription = store.subscribeToAll({ after: before, streamPrefix: ns });
        const consumer = consumeInBackground(subscription);
        const appends = Array.from({ length: 12 }, (_, s) => ({ streamId: `${ns}-${s}`, events: newEvents(1 + (s % 4)) }));
        try {
          const outcomes = await store.appendToStreams(appends);

          const placed = outcomes.flatMap((o) => resultOf(o).events);
          for (const outcome of outcomes) expectStrictlyIncreasing([before, ...resultOf(outcome).events.map((e) => e.position)]);
          expect(new Set(placed.map((e) => e.position)).size).toBe(placed.length);
          const all = await collect(store.readAll({ after: before, streamPrefix: ns }));
          expectStrictlyIncreasing(all.map((e) => e.position));
          expect(all.map((e) => [e.eventId, e.position]).sort()).toEqual(placed.map((e) => [e.eventId, e.position]).sort());
          await waitFor(() => consumer.items.length >= placed.length, { message: `${placed.length} events live` });
          expect(consumer.items.map((e) => e.eventId)).toEqual(ids(all));
        } finally {
          await subscription.close();
        }
        await within(consumer.finished, PROMPT_MS, 'the closed subscription');
      });

      it('answers an empty call with no outcomes and refuses invalid entries before writing anything', async () => {
        const ns = namespace();
        expect(await store.appendToStreams([])).toEqual([]);
        await expect(store.appendToStreams([{ streamId: `${ns}-ok`, events: newEvents(1) }, { streamId: '', events: newEvents(1) }])).rejects.toThrow(TypeError);
        await expect(store.appendToStreams([{ streamId: `${ns}-ok`, events: newEvents(1), expectedRevision: -1 }])).rejects.toThrow(RangeError);
        expect(await store.count({ streamPrefix: ns })).toBe(0);
      });
    });

    describe('headPosition and count', () => {
      it('headPosition reaches at least the last appended position', async () => {
        const before = await store.headPosition();
        expect(Number.isInteger(before)).toBe(true);
        expect(before).toBeGreaterThanOrEqual(-1);

        const result = await store.appendToStream(`${namespace()}-s`, newEvents(3));

        const after = await store.headPosition();
        expect(after).toBeGreaterThan(before);
        expect(after).toBeGreaterThanOrEqual(result.events[2].position);
      });

      it('count counts the events after a position and under a prefix', async () => {
        const ns = namespace();
        const before = await store.headPosition();
        expect(await store.count({ streamPrefix: ns })).toBe(0);
        const totalBefore = await store.count();

        await store.appendToStream(`${ns}-a`, newEvents(3));
        const result = await store.appendToStream(`${ns}-b`, newEvents(2));

        expect(await store.count({ streamPrefix: ns })).toBe(5);
        expect(await store.count({ after: before, streamPrefix: ns })).toBe(5);
        expect(await store.count({ after: result.events[0].position, streamPrefix: ns })).toBe(1);
        expect(await store.count({ streamPrefix: `${ns}-a` })).toBe(3);
        expect(await store.count({ after: before })).toBeGreaterThanOrEqual(5);
        expect(await store.count()).toBeGreaterThanOrEqual(totalBefore + 5);
      });
    });
  });
}
