/**
 * Event-store benchmark: throughput of the embedded SQLite store against the aims, next to the
 * raw better-sqlite3 limit measured in the same run (same rows, same table, no store checks) so
 * the store's own overhead is visible. Batched appends alternate store and raw chunk by chunk,
 * so both see the same machine load and the same file history (the machine may be shared).
 *
 *   npm run bench:store                      # builds, then runs the compiled script
 *   node -r @swc-node/register -r tsconfig-paths/register bench/store.bench.ts --events=50000
 *
 * Size: --events=N or STORE_BENCH_EVENTS=N (default 200,000 batched events; the single-append
 * phase is capped separately because every call is its own fsync'd commit).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore, type NewEvent } from '@crm/event-store';

interface Row {
  measurement: string;
  events: number;
  seconds: number;
  perSecond: number;
  aim?: number;
}

const AIM_BATCHED_APPEND = 20_000;
const AIM_READ_ALL = 100_000;

function parseSize(): number {
  const arg = process.argv.find((a) => a.startsWith('--events='));
  const raw = arg?.slice('--events='.length) ?? process.env.STORE_BENCH_EVENTS ?? '200000';
  const size = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(size) || size < 2000) throw new Error(`events must be an integer >= 2000, got ${raw}`);
  return size;
}

function makeEvent(i: number): NewEvent {
  // Shaped like a PurchaseMade of the relationship model: the store's real payload size.
  return {
    eventId: randomUUID(),
    type: 'PurchaseMade',
    data: { orderId: `O-${i}`, amount: 1000 + (i % 9000), currency: 'EUR', productCategory: 'books', productId: `B-${i % 500}`, quantity: 1 },
    metadata: { customerId: `C-${i % 10_000}`, occurredAt: '2026-03-14T10:22:05+01:00', source: 'pos-eu-1', schemaVersion: 1 },
  };
}

function makeEvents(count: number, offset: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => makeEvent(offset + i));
}

async function time(fn: () => Promise<number> | number): Promise<{ events: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const events = await fn();
  return { events, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function row(measurement: string, result: { events: number; seconds: number }, aim?: number): Row {
  return { measurement, ...result, perSecond: result.events / result.seconds, aim };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function printTable(title: string, rows: Row[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| measurement | events | seconds | events/s | aim | verdict |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const verdict = r.aim === undefined ? '' : r.perSecond >= r.aim ? 'PASS' : 'BELOW';
    const aim = r.aim === undefined ? '' : `≥ ${fmt(r.aim)}`;
    console.log(`| ${r.measurement} | ${fmt(r.events)} | ${r.seconds.toFixed(2)} | ${fmt(r.perSecond)} | ${aim} | ${verdict} |`);
  }
}

/** Each stream receives two batches, so appends both start and continue streams. */
function streamsFor(events: number, batchSize: number): number {
  return Math.max(1, Math.floor(events / batchSize / 2));
}

interface Batch {
  streamId: string;
  firstRevision: number;
  events: NewEvent[];
}

function makeBatches(events: NewEvent[], batchSize: number, prefix: string): Batch[] {
  const streams = streamsFor(events.length, batchSize);
  const batches: Batch[] = [];
  for (let b = 0; b * batchSize < events.length; b++) {
    batches.push({
      streamId: `${prefix}-${b % streams}`,
      firstRevision: Math.floor(b / streams) * batchSize,
      events: events.slice(b * batchSize, (b + 1) * batchSize),
    });
  }
  return batches;
}

/** The store's file, written without the store: plain INSERTs, no lookups or revision checks. */
class RawSqlite {
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly recordedAt = new Date().toISOString();
  readonly insertInTransaction: Database.Transaction<(batch: Batch) => void>;

  constructor(filename: string) {
    this.db = new Database(filename);
    // The store's pragmas (see SqliteEventStoreOptions defaults), so only the store's own work differs.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('cache_size = -32768');
    this.db.pragma('wal_autocheckpoint = 10000');
    this.insert = this.db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertInTransaction = this.db.transaction((batch: Batch) => this.insertRows(batch));
  }

  insertRows({ streamId, firstRevision, events }: Batch): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      // JSON.stringify kept in: the store has to do it too, so it is not store overhead.
      this.insert.run(streamId, firstRevision + i, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), this.recordedAt);
    }
  }
}

/** A file with the store's schema: the store creates it, so raw writes hit the same table and indexes. */
async function createStoreFile(dataDir: string): Promise<string> {
  const store = SqliteEventStore.open({ dataDir });
  const filename = store.filename;
  await store.close();
  return filename;
}

async function elapsed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Store batches vs raw transactions of the same rows, alternating every `chunk` batches. */
async function interleavedAppends(
  store: SqliteEventStore,
  raw: RawSqlite,
  batchSize: number,
  count: number,
  offset: number,
): Promise<{ store: { events: number; seconds: number }; raw: { events: number; seconds: number } }> {
  const storeBatches = makeBatches(makeEvents(count, offset), batchSize, `customer-b${batchSize}`);
  const rawBatches = makeBatches(makeEvents(count, offset), batchSize, `customer-b${batchSize}`);
  const chunk = Math.max(1, Math.floor(10_000 / batchSize));
  let storeSeconds = 0;
  let rawSeconds = 0;
  for (let from = 0; from < storeBatches.length; from += chunk) {
    storeSeconds += await elapsed(async () => {
      for (const b of storeBatches.slice(from, from + chunk)) await store.appendToStream(b.streamId, b.events);
    });
    rawSeconds += await elapsed(() => {
      for (const b of rawBatches.slice(from, from + chunk)) raw.insertInTransaction.immediate(b);
    });
  }
  return { store: { events: count, seconds: storeSeconds }, raw: { events: count, seconds: rawSeconds } };
}

async function bench(dir: string, size: number): Promise<{ store: Row[]; raw: Row[] }> {
  const store = SqliteEventStore.open({ dataDir: join(dir, 'store') });
  const raw = new RawSqlite(await createStoreFile(join(dir, 'raw')));
  const storeRows: Row[] = [];
  const rawRows: Row[] = [];
  try {
    // Single appends: each call is its own transaction and fsync, so cap it by count and time.
    const singles = makeEvents(Math.min(5000, Math.floor(size / 20)), 0);
    storeRows.push(
      row(
        'append, 1 event per call',
        await time(async () => {
          const deadline = Date.now() + 5000;
          let n = 0;
          while (n < singles.length && Date.now() < deadline) {
            await store.appendToStream(`customer-single-${n % 1000}`, [singles[n]]);
            n++;
          }
          return n;
        }),
      ),
    );

    // Half the size in batches of 100, half in batches of 1,000, each batch to one stream.
    const half = Math.floor(size / 2 / 1000) * 1000;
    for (const [i, batchSize] of [100, 1000].entries()) {
      const result = await interleavedAppends(store, raw, batchSize, half, (i + 1) * 10_000_000);
      storeRows.push(row(`append, batches of ${fmt(batchSize)}`, result.store, AIM_BATCHED_APPEND));
      rawRows.push(row(`raw INSERT, one transaction per ${fmt(batchSize)} rows`, result.raw));
    }

    const total = await store.count();
    storeRows.push(
      row(
        'readAll (whole log)',
        await time(async () => {
          let n = 0;
          for await (const _ of store.readAll()) n++;
          return n;
        }),
        AIM_READ_ALL,
      ),
    );
    storeRows.push(
      row(
        'readStream (every batched stream)',
        await time(async () => {
          let n = 0;
          for (const batchSize of [100, 1000]) {
            for (let s = 0; s < streamsFor(half, batchSize); s++) {
              for await (const _ of store.readStream(`customer-b${batchSize}-${s}`)) n++;
            }
          }
          return n;
        }),
      ),
    );
    storeRows.push(
      row(
        'subscribeToAll catch-up (whole log)',
        await time(async () => {
          const subscription = store.subscribeToAll();
          let n = 0;
          for await (const _ of subscription) {
            if (++n === total) await subscription.close();
          }
          return n;
        }),
      ),
    );

    const scan = raw.db
      .prepare('SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at FROM events')
      .raw(true);
    rawRows.push(
      row(
        'raw SELECT scan (no JSON.parse)',
        await time(() => {
          let n = 0;
          for (const _ of scan.iterate()) n++;
          return n;
        }),
      ),
    );
    rawRows.push(
      row(
        'raw SELECT scan + JSON.parse of data, metadata',
        await time(() => {
          let n = 0;
          for (const r of scan.iterate() as IterableIterator<unknown[]>) {
            JSON.parse(r[5] as string);
            JSON.parse(r[6] as string);
            n++;
          }
          return n;
        }),
      ),
    );
  } finally {
    await store.close();
    raw.db.close();
  }

  // The ceiling: every row in one transaction (one commit), in a fresh file.
  const oneTx = new RawSqlite(await createStoreFile(join(dir, 'raw-one-transaction')));
  try {
    const half = Math.floor(size / 2 / 1000) * 1000;
    const batches = makeBatches(makeEvents(half, 0), 1000, 'customer-one');
    const all = oneTx.db.transaction(() => batches.forEach((b) => oneTx.insertRows(b)));
    rawRows.unshift(row('raw INSERT, all rows in one transaction (fresh file)', await time(() => (all(), half))));
  } finally {
    oneTx.db.close();
  }
  return { store: storeRows, raw: rawRows };
}

async function main(): Promise<void> {
  const size = parseSize();
  const dir = mkdtempSync(join(tmpdir(), 'crm-store-bench-'));
  console.log(
    `Event-store bench: ${fmt(size)} batched events, node ${process.version}, temp dir ${dir} (WAL, synchronous=FULL)`,
  );
  try {
    const started = Date.now();
    const { store, raw } = await bench(dir, size);
    printTable('SqliteEventStore', store);
    printTable('SQLite raw limit (same table and pragmas, same run)', raw);
    const by = (rows: Row[], name: string): number => rows.find((r) => r.measurement.startsWith(name))?.perSecond ?? NaN;
    const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(0)}%`;
    console.log(
      `\nStore vs raw: batches of 100 at ${pct(by(store, 'append, batches of 100'), by(raw, 'raw INSERT, one transaction per 100'))}, ` +
        `batches of 1,000 at ${pct(by(store, 'append, batches of 1,000'), by(raw, 'raw INSERT, one transaction per 1,000'))} ` +
        `of raw INSERTs committed alike; readAll at ${pct(by(store, 'readAll'), by(raw, 'raw SELECT scan + JSON.parse'))} ` +
        `of a raw scan + JSON.parse. Total ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
