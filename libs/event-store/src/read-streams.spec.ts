import { randomUUID } from 'node:crypto';
import { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

const event = () => ({ eventId: randomUUID(), type: 'T', data: {} });

describe('EventStore.readStreams, the default (global order, as EventStoreDB has it)', () => {
  it('yields the prefix’s events in position order up to upTo (each stream in revision order with it)', async () => {
    const store = SqliteEventStore.open({ filename: ':memory:' });
    try {
      await store.appendToStream('c-1', [event()]);
      await store.appendToStream('x-1', [event()]);
      await store.appendToStream('c-2', [event(), event()]);
      await store.appendToStream('c-1', [event()]);
      const upTo = await store.headPosition();
      await store.appendToStream('c-2', [event()]);
      const read: { streamId: string; revision: number; position: number }[] = [];
      for await (const e of EventStore.prototype.readStreams.call(store, { streamPrefix: 'c-', upTo })) read.push(e);
      expect(read.map((e) => [e.streamId, e.revision])).toEqual([
        ['c-1', 0],
        ['c-2', 0],
        ['c-2', 1],
        ['c-1', 1],
      ]);
      // The embedded store's own: stream after stream.
      const own: [string, number][] = [];
      for await (const e of store.readStreams({ streamPrefix: 'c-', upTo })) own.push([e.streamId, e.revision]);
      expect(own).toEqual([
        ['c-1', 0],
        ['c-1', 1],
        ['c-2', 0],
        ['c-2', 1],
      ]);
    } finally {
      await store.close();
    }
  });
});
