import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  EventIdConflictError,
  EventStore,
  EventStoreError,
  StreamNotFoundError,
  type AppendedEvent,
  type AppendOptions,
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ReadStreamsOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { EVENT_COLUMNS, PREFIX_FILTER, SCHEMA_SQL } from './sqlite-event-store.schema';
import { SqliteSubscription } from './sqlite-subscription';
import { assertExpectedRevision, assertStreamAppends, checkExpectedRevision, assertMaxCount, assertNewEvent, assertNonNegativeInteger, assertPosition, assertPositiveInteger, assertStreamId } from '../event-store.assertions';

/** Exactly one of `dataDir` / `filename` must be given. */
export interface SqliteEventStoreOptions {
  /** Directory for the database; created if missing. The file is `<dataDir>/events.sqlite`. */
  dataDir?: string;
  /** Database file path, used as is (`':memory:'` works but cannot be shared between processes). */
  filename?: string;
  /** How often a live subscription polls for appends made by other processes. @defaultValue 100 */
  pollIntervalMs?: number;
  /** Rows fetched per query by readStream / readAll / subscriptions. @defaultValue 1000 */
  pageSize?: number;
  /** How long an append waits for another process's write lock before failing. @defaultValue 5000 */
  busyTimeoutMs?: number;
  /** SQLite page cache of this connection, in KiB. @defaultValue 32768 (32 MiB) */
  cacheSizeKiB?: number;
  /**
   * WAL pages written before SQLite checkpoints them into the database file. Larger than
   * SQLite's 1000 because every batch dirties many event-id index pages: checkpointing less
   * often writes each hot page once per checkpoint instead of once per commit (~20 % faster
   * batched appends; the WAL file grows to about pages x 4 KiB). @defaultValue 10000
   */
  walAutocheckpointPages?: number;
}

export const SQLITE_EVENT_STORE_FILENAME = 'events.sqlite';

const DEFAULTS = {
  pollIntervalMs: 100,
  pageSize: 1000,
  busyTimeoutMs: 5000,
  cacheSizeKiB: 32 * 1024,
  walAutocheckpointPages: 10_000,
} as const;

/** A row as fetched raw, in EVENT_COLUMNS order. */
type EventRow = [number, string, number, string, string, string, string, string];

interface StoredId {
  stream_id: string;
  revision: number;
  position: number;
}

/** One slot of an append: a stored duplicate, a new event, or a repeat of an earlier slot of the same call. */
type Slot =
  | { kind: 'stored'; stored: StoredId }
  | { kind: 'new'; event: NewEvent }
  | { kind: 'repeat'; of: number };

const APPENDED = 'appended';

/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL, so a resolved append is on
 * disk). All writes of one process go through one connection; writes of other processes are
 * serialised by SQLite's write lock (appends take it up front with BEGIN IMMEDIATE).
 */
export class SqliteEventStore extends EventStore {
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private closed = false;

  private readonly stmt: {
    findId: Database.Statement<[string], StoredId>;
    streamHead: Database.Statement<[string], { revision: number | null }>;
    insert: Database.Statement<[string, number, string, string, string, string, string]>;
    streamExists: Database.Statement<[string], unknown>;
    readStream: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[{ after: number; limit: number }], EventRow>;
    readAllPrefix: Database.Statement<[{ after: number; limit: number; prefix: string }], EventRow>;
    readStreams: Database.Statement<[{ stream: string; revision: number; upTo: number; limit: number }], EventRow>;
    head: Database.Statement<[], { head: number | null }>;
    count: Database.Statement<[{ after: number }], { n: number }>;
    countPrefix: Database.Statement<[{ after: number; prefix: string }], { n: number }>;
  };

  private readonly appendTransaction: Database.Transaction<
    (streamId: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult & { written: number }
  >;

  private readonly appendStreamsTransaction: Database.Transaction<
    (appends: readonly StreamAppend[]) => { outcomes: StreamAppendOutcome[]; written: number }
  >;

  private constructor(
    private readonly db: Database.Database,
    private readonly settings: Required<Omit<SqliteEventStoreOptions, 'dataDir' | 'filename'>>,
  ) {
    super();
    this.appended.setMaxListeners(0);
    this.stmt = {
      findId: db.prepare('SELECT stream_id, revision, position FROM events WHERE event_id = ?'),
      streamHead: db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?'),
      insert: db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      streamExists: db.prepare('SELECT 1 FROM events WHERE stream_id = ? LIMIT 1'),
      readStream: db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
        )
        .raw(true) as Database.Statement<[string, number, number], EventRow>,
      readAll: db
        .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > @after ORDER BY position LIMIT @limit`)
        .raw(true) as Database.Statement<[{ after: number; limit: number }], EventRow>,
      readAllPrefix: db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE position > @after AND ${PREFIX_FILTER} ORDER BY position LIMIT @limit`,
        )
        .raw(true) as Database.Statement<[{ after: number; limit: number; prefix: string }], EventRow>,
      // Keyset pagination over the (stream_id, revision) index: stream after stream, each in order.
      readStreams: db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE (stream_id, revision) > (@stream, @revision) AND position <= @upTo ORDER BY stream_id, revision LIMIT @limit`,
        )
        .raw(true) as Database.Statement<[{ stream: string; revision: number; upTo: number; limit: number }], EventRow>,
      head: db.prepare('SELECT MAX(position) AS head FROM events'),
      count: db.prepare('SELECT COUNT(*) AS n FROM events WHERE position > @after'),
      countPrefix: db.prepare(`SELECT COUNT(*) AS n FROM events WHERE position > @after AND ${PREFIX_FILTER}`),
    };
    this.appendTransaction = db.transaction((streamId, events, expected) =>
      this.appendInTransaction(streamId, events, expected),
    );
    this.appendStreamsTransaction = db.transaction((appends) => this.appendStreamsInTransaction(appends));
  }

  /** Opens (creating if needed) the database and its schema. Synchronous: SQLite opens a local file. */
  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const { dataDir, filename } = options;
    if ((dataDir === undefined) === (filename === undefined)) {
      throw new TypeError('SqliteEventStore.open needs exactly one of dataDir or filename');
    }
    let path: string;
    if (dataDir !== undefined) {
      mkdirSync(dataDir, { recursive: true });
      path = join(dataDir, SQLITE_EVENT_STORE_FILENAME);
    } else {
      path = filename as string;
    }
    const settings = {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs,
      cacheSizeKiB: options.cacheSizeKiB ?? DEFAULTS.cacheSizeKiB,
      walAutocheckpointPages: options.walAutocheckpointPages ?? DEFAULTS.walAutocheckpointPages,
    };
    assertPositiveInteger('pageSize', settings.pageSize);
    assertPositiveInteger('pollIntervalMs', settings.pollIntervalMs);
    assertPositiveInteger('walAutocheckpointPages', settings.walAutocheckpointPages);

    const db = new Database(path, { timeout: settings.busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so an acknowledged append survives power loss.
      db.pragma('synchronous = FULL');
      db.pragma(`cache_size = -${Math.floor(settings.cacheSizeKiB)}`);
      db.pragma(`wal_autocheckpoint = ${settings.walAutocheckpointPages}`);
      db.exec(SCHEMA_SQL);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteEventStore(db, settings);
  }

  /** The database file path (for diagnostics and tests). */
  get filename(): string {
    return this.db.name;
  }

  override async appendToStream(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    assertStreamId(streamId);
    if (!Array.isArray(events)) throw new TypeError('events must be an array');
    for (const event of events) assertNewEvent(event);
    const expected = options.expectedRevision ?? 'any';
    assertExpectedRevision(expected);

    // IMMEDIATE takes the write lock before the checks, so no other process can interleave.
    const { written, ...result } = this.appendTransaction.immediate(streamId, events, expected);
    if (written > 0) this.appended.emit(APPENDED);
    return result;
  }

  /**
   * One transaction (one commit, one fsync) for every entry; each entry runs in a savepoint of
   * its own, so a failed check rolls back that entry alone. Entries apply in the given order,
   * so positions follow it.
   */
  override async appendToStreams(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    this.assertOpen();
    assertStreamAppends(appends);
    if (appends.length === 0) return [];
    const { outcomes, written } = this.appendStreamsTransaction.immediate(appends);
    if (written > 0) this.appended.emit(APPENDED);
    return outcomes;
  }

  override readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    assertStreamId(streamId);
    const fromRevision = options.fromRevision ?? 0;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertNonNegativeInteger('fromRevision', fromRevision);
    assertMaxCount(maxCount);
    return this.pages(
      // The cursor is the last revision yielded, so the next page starts right after it.
      (after, limit) => this.stmt.readStream.all(streamId, after + 1, limit),
      fromRevision - 1,
      maxCount,
      (event) => event.revision,
      // Nothing read: an empty page from an existing stream (fromRevision past its end) is fine.
      () => {
        if (this.stmt.streamExists.get(streamId) === undefined) throw new StreamNotFoundError(streamId);
      },
    );
  }

  override readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const after = options.after ?? -1;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertPosition('after', after);
    assertMaxCount(maxCount);
    const prefix = options.streamPrefix;
    return this.pages((from, limit) => this.readAllRows(from, limit, prefix), after, maxCount, (event) => event.position);
  }

  override get readsStreamsInOrder(): boolean {
    return true;
  }

  /** Stream after stream (ids in byte order), each in revision order: the (stream_id, revision) index, read in pages. */
  override async *readStreams(options: ReadStreamsOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    const prefix = options.streamPrefix ?? '';
    const upTo = options.upTo ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(upTo)) throw new TypeError(`upTo must be a safe integer, got ${upTo}`);
    // Streams with the prefix are contiguous in the index: start just before the first (or after
    // the stream a resumed read names), stop after the last.
    const resume = options.afterStream !== undefined && options.afterStream >= prefix;
    let stream = resume ? (options.afterStream as string) : prefix;
    let revision = resume ? Number.MAX_SAFE_INTEGER : -1;
    for (;;) {
      this.assertOpen();
      const rows = this.stmt.readStreams.all({ stream, revision, upTo, limit: this.settings.pageSize });
      for (const row of rows) {
        const event = rowToEvent(row);
        if (!event.streamId.startsWith(prefix)) return;
        stream = event.streamId;
        revision = event.revision;
        yield event;
      }
      if (rows.length < this.settings.pageSize) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  override subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const prefix = options.streamPrefix;
    const after = options.after ?? -1;
    assertPosition('after', after);
    const subscription = new SqliteSubscription(
      {
        readPage: (after, limit) => {
          this.assertOpen();
          return this.readAllRows(after, limit, prefix).map(rowToEvent);
        },
        onAppend: (listener) => {
          this.appended.on(APPENDED, listener);
          return () => this.appended.off(APPENDED, listener);
        },
      },
      {
        after,
        pageSize: this.settings.pageSize,
        pollIntervalMs: this.settings.pollIntervalMs,
        onClosed: (closed) => this.subscriptions.delete(closed),
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  override async headPosition(): Promise<number> {
    this.assertOpen();
    return this.stmt.head.get()?.head ?? -1;
  }

  override async count(options: { after?: number; streamPrefix?: string } = {}): Promise<number> {
    this.assertOpen();
    const after = options.after ?? -1;
    const row =
      options.streamPrefix === undefined
        ? this.stmt.count.get({ after })
        : this.stmt.countPrefix.get({ after, prefix: options.streamPrefix });
    return row?.n ?? 0;
  }

  /** Ends every open subscription, then closes the database. Idempotent. */
  override async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.closed = true;
    this.appended.removeAllListeners();
    this.db.close();
  }

  private readAllRows(after: number, limit: number, prefix: string | undefined): EventRow[] {
    return prefix === undefined
      ? this.stmt.readAll.all({ after, limit })
      : this.stmt.readAllPrefix.all({ after, limit, prefix });
  }

  /**
   * Pages through rows so memory stays flat however long the log is. `cursorOf` gives the value
   * the next page continues after (revision or position). Each page is one short query: a
   * better-sqlite3 iterator would keep the connection busy while the consumer awaits.
   */
  private async *pages(
    fetch: (after: number, limit: number) => EventRow[],
    start: number,
    maxCount: number,
    cursorOf: (event: RecordedEvent) => number,
    onNothingRead?: () => void,
  ): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    if (maxCount === 0) {
      onNothingRead?.();
      return;
    }
    let cursor = start;
    let remaining = maxCount;
    const pageSize = this.settings.pageSize;
    for (;;) {
      this.assertOpen();
      const limit = Math.min(pageSize, remaining);
      const rows = fetch(cursor, limit);
      if (rows.length === 0 && remaining === maxCount) onNothingRead?.();
      for (const row of rows) {
        const event = rowToEvent(row);
        cursor = cursorOf(event);
        yield event;
      }
      remaining -= rows.length;
      if (rows.length < limit || remaining <= 0) return;
      // Let timers and I/O run between pages of a long read.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private appendStreamsInTransaction(appends: readonly StreamAppend[]): { outcomes: StreamAppendOutcome[]; written: number } {
    let written = 0;
    const outcomes = appends.map(({ streamId, events, expectedRevision }): StreamAppendOutcome => {
      try {
        // Called inside the outer transaction, better-sqlite3 runs it as a SAVEPOINT and rolls
        // back to it when it throws.
        const { written: count, ...result } = this.appendTransaction(streamId, events, expectedRevision ?? 'any');
        written += count;
        return { streamId, ok: true, result };
      } catch (error) {
        // Anything but the port's own failures (a disk error) fails the whole call: nothing is stored.
        if (!(error instanceof EventStoreError)) throw error;
        return { streamId, ok: false, error };
      }
    });
    return { outcomes, written };
  }

  private appendInTransaction(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): AppendResult & { written: number } {
    const slots: Slot[] = [];
    const firstSlotOf = new Map<string, number>();
    let newCount = 0;
    for (const event of events) {
      const earlier = firstSlotOf.get(event.eventId);
      if (earlier !== undefined) {
        slots.push({ kind: 'repeat', of: earlier });
        continue;
      }
      firstSlotOf.set(event.eventId, slots.length);
      const stored = this.stmt.findId.get(event.eventId);
      if (stored === undefined) {
        slots.push({ kind: 'new', event });
        newCount++;
      } else if (stored.stream_id !== streamId) {
        throw new EventIdConflictError(event.eventId, stored.stream_id);
      } else {
        slots.push({ kind: 'stored', stored });
      }
    }

    const head = this.stmt.streamHead.get(streamId)?.revision ?? null;
    const isRetry = events.length > 0 && newCount === 0;
    // A pure retry skips the check: the original append passed it.
    if (!isRetry) checkExpectedRevision(streamId, expected, head);

    const recordedAt = new Date().toISOString();
    let revision = head ?? -1;
    const placed: AppendedEvent[] = [];
    for (const slot of slots) {
      switch (slot.kind) {
        case 'stored':
          placed.push({
            eventId: events[placed.length].eventId,
            revision: slot.stored.revision,
            position: slot.stored.position,
            duplicate: true,
          });
          break;
        case 'new': {
          revision++;
          const { eventId, type, data, metadata } = slot.event;
          const info = this.stmt.insert.run(
            streamId,
            revision,
            eventId,
            type,
            JSON.stringify(data) ?? 'null',
            JSON.stringify(metadata ?? {}),
            recordedAt,
          );
          placed.push({ eventId, revision, position: Number(info.lastInsertRowid), duplicate: false });
          break;
        }
        case 'repeat': {
          const first = placed[slot.of];
          placed.push({ ...first, duplicate: true });
          break;
        }
        default: {
          const unhandled: never = slot;
          throw new Error(`unhandled slot ${JSON.stringify(unhandled)}`);
        }
      }
    }

    let nextExpectedRevision: number;
    if (newCount > 0) nextExpectedRevision = revision;
    else if (isRetry) nextExpectedRevision = Math.max(...placed.map((event) => event.revision));
    else nextExpectedRevision = head ?? -1;
    return { streamId, nextExpectedRevision, events: placed, written: newCount };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SqliteEventStore is closed');
  }
}

function rowToEvent(row: EventRow): RecordedEvent {
  return {
    position: row[0],
    streamId: row[1],
    revision: row[2],
    eventId: row[3],
    type: row[4],
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]) as Record<string, unknown>,
    recordedAt: row[7],
  };
}


