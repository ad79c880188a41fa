import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { collect, consumeInBackground, eventStoreContract, waitFor, within } from '@crm/testing';
import { EventIdConflictError, WrongExpectedRevisionError, type ExpectedRevision, type NewEvent } from '../event-store.port';
import { SqliteEventStore, SQLITE_EVENT_STORE_FILENAME, type SqliteEventStoreOptions } from './sqlite-event-store';

const tempDirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-event-store-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const contractFactory = (options: Omit<SqliteEventStoreOptions, 'dataDir' | 'filename'> = {}) => async () => {
  const dataDir = await freshDir();
  const store = SqliteEventStore.open({ dataDir, ...options });
  return { store, cleanup: () => store.close() };
};

eventStoreContract('SqliteEventStore', contractFactory());
// Tiny pages put page boundaries inside every read and catch-up of the suite.
eventStoreContract('SqliteEventStore with 7-row pages', contractFactory({ pageSize: 7 }));

const newEvents = (count: number): NewEvent[] =>
  Array.from({ length: count }, (_, i) => ({ eventId: randomUUID(), type: 'SqliteTested', data: { i } }));

describe('SqliteEventStore (SQLite specifics)', () => {
  const open = (dataDir: string, options: Omit<SqliteEventStoreOptions, 'dataDir' | 'filename'> = {}) =>
    SqliteEventStore.open({ dataDir, ...options });

  it('keeps every appended event across close and reopen', async () => {
    const dataDir = await freshDir();
    const first = open(dataDir);
    const written = newEvents(20);
    await first.appendToStream('customer-1', written.slice(0, 10));
    await first.appendToStream('customer-2', written.slice(10));
    const before = await collect(first.readAll());
    await first.close();

    const reopened = open(dataDir);
    try {
      expect(await collect(reopened.readAll())).toEqual(before);
      expect(await reopened.count()).toBe(20);
      expect((await collect(reopened.readStream('customer-1'))).map((e) => e.revision)).toEqual(
        Array.from({ length: 10 }, (_, i) => i),
      );
    } finally {
      await reopened.close();
    }
  });

  it('continues positions and revisions after reopen, and still knows the stored ids', async () => {
    const dataDir = await freshDir();
    const first = open(dataDir);
    const original = await first.appendToStream('customer-1', newEvents(3));
    const head = await first.headPosition();
    await first.close();

    const reopened = open(dataDir);
    try {
      expect(await reopened.headPosition()).toBe(head);
      const next = await reopened.appendToStream('customer-1', newEvents(1), { expectedRevision: 2 });
      expect(next.events[0].revision).toBe(3);
      expect(next.events[0].position).toBeGreaterThan(head);
      const retry = await reopened.appendToStream(
        'customer-1',
        original.events.map((e) => ({ eventId: e.eventId, type: 'SqliteTested', data: {} })),
      );
      expect(retry.events.every((e) => e.duplicate)).toBe(true);
      expect(await reopened.count()).toBe(4);
    } finally {
      await reopened.close();
    }
  });

  it('creates the file in WAL mode with the documented table', async () => {
    const dataDir = await freshDir();
    const store = open(dataDir);
    await store.appendToStream('customer-1', newEvents(1));
    expect(store.filename).toBe(join(dataDir, SQLITE_EVENT_STORE_FILENAME));
    await store.close();

    const raw = new Database(join(dataDir, SQLITE_EVENT_STORE_FILENAME), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const columns = (raw.pragma('table_info(events)') as Array<{ name: string; pk: number }>).map((c) => [
        c.name,
        c.pk,
      ]);
      expect(columns).toEqual([
        ['position', 1],
        ['stream_id', 0],
        ['revision', 0],
        ['event_id', 0],
        ['type', 0],
        ['data', 0],
        ['metadata', 0],
        ['recorded_at', 0],
      ]);
      const row = raw.prepare('SELECT data, metadata FROM events').get() as { data: string; metadata: string };
      expect(JSON.parse(row.data)).toEqual({ i: 0 });
      expect(JSON.parse(row.metadata)).toEqual({});
    } finally {
      raw.close();
    }
  });

  it('wakes a live subscription on an in-process append without waiting for the poll', async () => {
    const store = open(await freshDir(), { pollIntervalMs: 60_000 });
    try {
      const subscription = store.subscribeToAll({ after: await store.headPosition() });
      const consumer = consumeInBackground(subscription);
      // Two rounds: the second event surely arrives while the subscription waits live.
      await store.appendToStream('customer-1', newEvents(1));
      await waitFor(() => consumer.items.length === 1, { timeoutMs: 1000, message: 'first event' });
      await store.appendToStream('customer-1', newEvents(1));
      await waitFor(() => consumer.items.length === 2, { timeoutMs: 1000, message: 'woken by the append' });
      await subscription.close();
      await within(consumer.finished, 1000, 'the closed subscription');
    } finally {
      await store.close();
    }
  });

  it('a second instance on the same file sees appends through its subscription (polling)', async () => {
    const dataDir = await freshDir();
    const writer = open(dataDir);
    // Instances share no in-process signal: only the poll can see the writer's commits.
    const reader = open(dataDir, { pollIntervalMs: 20 });
    try {
      await writer.appendToStream('customer-0', newEvents(2));
      const subscription = reader.subscribeToAll();
      const consumer = consumeInBackground(subscription);
      await waitFor(() => consumer.items.length === 2, { message: 'catch-up through the second instance' });

      const live = newEvents(3);
      await writer.appendToStream('customer-1', live);
      await waitFor(() => consumer.items.length === 5, { timeoutMs: 2000, message: 'polled live events' });
      expect(consumer.items.slice(2).map((e) => e.eventId)).toEqual(live.map((e) => e.eventId));

      await subscription.close();
      await within(consumer.finished, 1000, 'the closed subscription');
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('two instances on one file check revisions and ids against each other', async () => {
    const dataDir = await freshDir();
    const one = open(dataDir);
    const two = open(dataDir);
    try {
      const first = await one.appendToStream('customer-1', newEvents(2), { expectedRevision: 'no_stream' });
      await expect(
        two.appendToStream('customer-1', newEvents(1), { expectedRevision: 'no_stream' }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      const retried = await two.appendToStream(
        'customer-1',
        first.events.map((e) => ({ eventId: e.eventId, type: 'SqliteTested', data: {} })),
      );
      expect(retried.events.map((e) => [e.position, e.duplicate])).toEqual(first.events.map((e) => [e.position, true]));
      const next = await two.appendToStream('customer-1', newEvents(1), { expectedRevision: 1 });
      expect(next.events[0].position).toBeGreaterThan(first.events[1].position);
      expect(await one.count()).toBe(3);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('another process appending to the same file: no lost or reordered event, revisions checked across processes', async () => {
    const dataDir = await freshDir();
    const store = open(dataDir, { pollIntervalMs: 20 });
    const perProcess = 60;
    try {
      const subscription = store.subscribeToAll();
      const consumer = consumeInBackground(subscription);
      const child = new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          ['-r', '@swc-node/register', join(__dirname, 'test', 'append-from-child.fixture.ts'), dataDir, String(perProcess), 'c'],
          { cwd: join(__dirname, '..', '..', '..', '..') },
          (error, _stdout, stderr) => (error ? reject(new Error(`child failed: ${stderr}`)) : resolve()),
        );
      });
      const childDone = child.then(() => true);
      // Start racing once the child is writing (its start-up takes a while).
      await waitFor(async () => (await store.count({ streamPrefix: 'child-' })) > 0, {
        timeoutMs: 15_000,
        message: 'the child process to start appending',
      });

      // Race the child for the shared stream until both wrote everything.
      let expected: ExpectedRevision = 'any';
      for (let i = 0; i < perProcess; i++) {
        const event = { eventId: randomUUID(), type: 'ParentAppended', data: { i } };
        for (;;) {
          try {
            expected = (await store.appendToStream('shared', [event], { expectedRevision: expected })).nextExpectedRevision;
            break;
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
            expected = error.actual;
          }
        }
        // Give the child room to interleave.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await within(childDone, 20_000, 'the child process');

      const shared = await collect(store.readStream('shared'));
      expect(shared.map((e) => e.revision)).toEqual(Array.from({ length: 2 * perProcess }, (_, i) => i));
      expect(shared.filter((e) => e.type === 'ChildAppended').map((e) => (e.data as { i: number }).i)).toEqual(
        Array.from({ length: perProcess }, (_, i) => i),
      );
      expect(shared.filter((e) => e.type === 'ParentAppended')).toHaveLength(perProcess);
      // The two processes did interleave on the stream (otherwise nothing was raced).
      const switches = shared.filter((e, i) => i > 0 && e.type !== shared[i - 1].type).length;
      expect(switches).toBeGreaterThan(2);

      const total = 3 * perProcess;
      await waitFor(() => consumer.items.length === total, { timeoutMs: 5000, message: 'all events through polling' });
      const positions = consumer.items.map((e) => e.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(positions).size).toBe(total);
      expect(await store.count()).toBe(total);
      await subscription.close();
      await within(consumer.finished, 1000, 'the closed subscription');
    } finally {
      await store.close();
    }
  }, 30_000);

  it('appendToStreams commits every stream in one transaction: positions follow the entries, one commit', async () => {
    const dataDir = await freshDir();
    const store = open(dataDir, { pollIntervalMs: 60_000 });
    // Another connection counts the commits: WAL frames are written only at commit.
    const observer = new Database(join(dataDir, SQLITE_EVENT_STORE_FILENAME));
    try {
      await store.appendToStream('customer-0', newEvents(1));
      const before = await store.headPosition();
      const dataVersion = () => observer.pragma('data_version', { simple: true }) as number;
      const versionBefore = dataVersion();
      const subscription = store.subscribeToAll({ after: before });
      const consumer = consumeInBackground(subscription);

      const outcomes = await store.appendToStreams(
        Array.from({ length: 50 }, (_, s) => ({ streamId: `customer-${s + 1}`, events: newEvents(2) })),
      );

      const positions = outcomes.flatMap((o) => (o.ok ? o.result.events.map((e) => e.position) : []));
      expect(positions).toEqual(Array.from({ length: 100 }, (_, i) => before + 1 + i));
      // data_version moves by one per commit of another connection.
      expect(dataVersion()).toBe(versionBefore + 1);
      await waitFor(() => consumer.items.length === 100, { timeoutMs: 1000, message: 'woken by the group commit' });
      await subscription.close();
    } finally {
      observer.close();
      await store.close();
    }
  });

  it('appendToStreams: a second instance on the same file sees the events through its polling', async () => {
    const dataDir = await freshDir();
    const writer = open(dataDir);
    const reader = open(dataDir, { pollIntervalMs: 20 });
    try {
      const subscription = reader.subscribeToAll();
      const consumer = consumeInBackground(subscription);
      const [a, b] = [newEvents(2), newEvents(3)];
      const outcomes = await writer.appendToStreams([
        { streamId: 'customer-a', events: a },
        { streamId: 'customer-b', events: b, expectedRevision: 0 },
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
      await waitFor(() => consumer.items.length === 2, { timeoutMs: 2000, message: 'polled group commit' });
      expect(consumer.items.map((e) => e.eventId)).toEqual(a.map((e) => e.eventId));
      // And the other instance checks against it.
      const retry = await reader.appendToStreams([{ streamId: 'customer-b', events: [a[0]] }]);
      expect(retry[0].ok === false && retry[0].error).toBeInstanceOf(EventIdConflictError);
      await subscription.close();
      await within(consumer.finished, 1000, 'the closed subscription');
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('appendToStreams: a failure that is not a store error stores nothing of the call and rejects it', async () => {
    const store = open(await freshDir());
    try {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const call = store.appendToStreams([
        { streamId: 'customer-1', events: newEvents(3) },
        { streamId: 'customer-2', events: [{ eventId: randomUUID(), type: 'T', data: circular }] },
      ]);
      await expect(call).rejects.toThrow(TypeError);
      expect(await store.count()).toBe(0);
      await expect(store.appendToStreams([{ streamId: 'customer-1', events: newEvents(1) }])).resolves.toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('an empty append only checks the expected revision', async () => {
    const store = open(await freshDir());
    try {
      expect(await store.appendToStream('customer-1', [], { expectedRevision: 'no_stream' })).toEqual({
        streamId: 'customer-1',
        nextExpectedRevision: -1,
        events: [],
      });
      await expect(
        store.appendToStream('customer-1', [], { expectedRevision: 'stream_exists' }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await store.appendToStream('customer-1', newEvents(2));
      expect((await store.appendToStream('customer-1', [], { expectedRevision: 1 })).nextExpectedRevision).toBe(1);
      expect(await store.count()).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('close() of the store ends its open subscriptions and refuses further calls', async () => {
    const store = open(await freshDir());
    const subscription = store.subscribeToAll();
    const consumer = consumeInBackground(subscription);
    await store.appendToStream('customer-1', newEvents(1));
    await waitFor(() => consumer.items.length === 1);

    await store.close();

    await within(consumer.finished, 1000, 'the subscription of the closed store');
    await expect(store.appendToStream('customer-1', newEvents(1))).rejects.toThrow(/closed/);
    await expect(collect(store.readAll())).rejects.toThrow(/closed/);
    await expect(store.headPosition()).rejects.toThrow(/closed/);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('rejects invalid options and arguments', async () => {
    const dataDir = await freshDir();
    expect(() => SqliteEventStore.open({})).toThrow(TypeError);
    expect(() => SqliteEventStore.open({ dataDir, filename: join(dataDir, 'x.sqlite') })).toThrow(TypeError);
    expect(() => SqliteEventStore.open({ dataDir, pageSize: 0 })).toThrow(RangeError);

    const store = open(dataDir);
    try {
      await expect(store.appendToStream('', newEvents(1))).rejects.toThrow(TypeError);
      await expect(store.appendToStream('s', [{ eventId: '', type: 'T', data: {} }])).rejects.toThrow(TypeError);
      await expect(store.appendToStream('s', [{ eventId: randomUUID(), type: '', data: {} }])).rejects.toThrow(
        TypeError,
      );
      await expect(store.appendToStream('s', newEvents(1), { expectedRevision: -1 })).rejects.toThrow(RangeError);
      expect(() => store.readAll({ after: -2 })).toThrow(RangeError);
      expect(() => store.readStream('s', { maxCount: -1 })).toThrow(RangeError);
      expect(await store.count()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('stores undefined data as null, like JSON', async () => {
    const store = open(await freshDir());
    try {
      await store.appendToStream('s', [{ eventId: randomUUID(), type: 'T', data: undefined }]);
      expect((await collect(store.readStream('s')))[0].data).toBeNull();
    } finally {
      await store.close();
    }
  });
});
