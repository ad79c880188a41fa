/**
 * npm run bench:ingest — HTTP ingest on the embedded store (the ingest API: Nest, validation,
 * the SQLite event store) against its limit measured in the same run: a bare `node:http` route
 * that JSON.parses the body and does the same append with the same durability (WAL,
 * synchronous=FULL, one better-sqlite3 transaction per request, the store's table, id and
 * revision lookups). Three loads, each run on both servers in alternating rounds so both see the
 * same machine load and file growth (the machine may be shared):
 *   - batch: `POST /v1/events/batch`, 500 events of 500 different customers, 4 requests in flight;
 *   - single: `POST /v1/events`, one event, 16 requests in flight (p50 / p99 latency);
 *   - pii: the batch load with registrations (name, e-mail, phone: sealed by the ingest API with
 *     each customer's data key, made on first sight; the bare route stores them in clear).
 * Every request carries an API key (the ingest API checks it and counts it against its rate).
 * The load comes from a worker thread, so the servers have the main thread to themselves.
 *
 *   npm run bench:ingest                      # builds, then runs the compiled script
 *   node -r @swc-node/register -r tsconfig-paths/register bench/ingest.bench.ts --seconds=3
 *
 * Options: --seconds=N per round and server (default 4), --rounds=N (default 3),
 * --customers=N (default 20,000); for profiling (`node --cpu-prof`) one side alone:
 * --only=ingest|bare and --load=batch|single|pii. INGEST_COALESCE_MS / INGEST_COALESCE_MAX_EVENTS are passed
 * to the ingest API as set in the environment.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface LoadSpec {
  url: string;
  /** Sent to both servers (the bare route ignores it). */
  authorization: string;
  path: string;
  /** Events per request: 1 for POST /v1/events, the batch size for /batch. */
  eventsPerRequest: number;
  inFlight: number;
  seconds: number;
  customers: number;
  /** A valid event as JSON, with __EVENT_ID__, __CUSTOMER__ and __ORDER__ to fill in. */
  template: string;
  /** Status every request must answer. */
  expectStatus: number;
}

interface LoadResult {
  requests: number;
  events: number;
  seconds: number;
  errors: number;
  firstError?: string;
  latenciesMs: number[];
}

// ---- load generator (worker thread) ------------------------------------------------------------

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.inFlight });
  const parts = spec.template.split(/__EVENT_ID__|__CUSTOMER__|__ORDER__/);
  const fields = [...spec.template.matchAll(/__EVENT_ID__|__CUSTOMER__|__ORDER__/g)].map((m) => m[0]);
  let n = 0;
  const event = (customer: number): string => {
    const id = randomUUID();
    const values: Record<string, string> = { __EVENT_ID__: id, __CUSTOMER__: `C-${customer}`, __ORDER__: `O-${id.slice(0, 8)}` };
    let out = parts[0];
    for (let i = 0; i < fields.length; i++) out += values[fields[i]] + parts[i + 1];
    return out;
  };
  const body = (): string => {
    if (spec.eventsPerRequest === 1) return event(Math.floor(Math.random() * spec.customers));
    // Distinct customers in one batch: the batch touches `eventsPerRequest` streams.
    const start = (n++ * spec.eventsPerRequest) % spec.customers;
    const events = Array.from({ length: spec.eventsPerRequest }, (_, i) => event((start + i) % spec.customers));
    return `{"events":[${events.join(',')}]}`;
  };
  const post = (payload: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${spec.url}${spec.path}`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: spec.authorization } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const result: LoadResult = { requests: 0, events: 0, seconds: 0, errors: 0, latenciesMs: [] };
  const started = performance.now();
  const end = started + spec.seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const payload = body();
      const t0 = performance.now();
      const { status, text } = await post(payload);
      result.latenciesMs.push(performance.now() - t0);
      result.requests++;
      if (status === spec.expectStatus) result.events += spec.eventsPerRequest;
      else {
        result.errors++;
        result.firstError ??= `${status} ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.inFlight }, client));
  result.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

if (!isMainThread) {
  runLoad(workerData as LoadSpec).then(
    (result) => parentPort!.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
}

function loadFromWorker(spec: LoadSpec): Promise<LoadResult> {
  // eval: the worker requires this very file, with the process's -r hooks (TypeScript sources or dist/).
  const worker = new Worker(`require(${JSON.stringify(__filename)})`, { eval: true, workerData: spec });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

// ---- the bare route: the limit -----------------------------------------------------------------

/** Each store transaction of a measured round: its duration (the commit's fsync included) and events. */
interface Commit {
  ms: number;
  events: number;
}
/** The round being measured (`<load>:<server>`), undefined during warm-up. */
let measuring: string | undefined;
const commitsOf = new Map<string, Commit[]>();
function recordCommit(server: 'bare' | 'ingest', ms: number, events: number): void {
  if (measuring === undefined || !measuring.endsWith(`:${server}`)) return;
  const list = commitsOf.get(measuring) ?? [];
  list.push({ ms, events });
  commitsOf.set(measuring, list);
}

/**
 * What the ingest API does, without it: parse, group by customer, and in one transaction per
 * request look the ids up, read each stream's head and insert (the store's own statements).
 */
function startBareRoute(filename: string): Promise<{ url: string; close: () => Promise<void> }> {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -32768');
  db.pragma('wal_autocheckpoint = 10000');
  const findId = db.prepare<[string], { stream_id: string }>('SELECT stream_id FROM events WHERE event_id = ?');
  const head = db.prepare<[string], { revision: number | null }>('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?');
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  type Parsed = { eventId: string; type: string; customerId: string; occurredAt: string; source: string; schemaVersion: number; data: unknown };
  const append = db.transaction((events: Parsed[]) => {
    const byStream = new Map<string, Parsed[]>();
    for (const event of events) {
      const streamId = `customer-${event.customerId}`;
      const group = byStream.get(streamId);
      if (group === undefined) byStream.set(streamId, [event]);
      else group.push(event);
    }
    const recordedAt = new Date().toISOString();
    const results: unknown[] = [];
    for (const [streamId, group] of byStream) {
      let revision = head.get(streamId)?.revision ?? -1;
      for (const e of group) {
        if (findId.get(e.eventId) !== undefined) throw new Error(`duplicate ${e.eventId}`);
        const metadata = { customerId: e.customerId, occurredAt: e.occurredAt, source: e.source, schemaVersion: e.schemaVersion };
        const info = insert.run(streamId, ++revision, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(metadata), recordedAt);
        results.push({ eventId: e.eventId, streamId, status: 'stored', streamRevision: revision, position: Number(info.lastInsertRowid) });
      }
    }
    return results;
  });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Parsed | { events: Parsed[] };
        const batch = req.url === '/v1/events/batch';
        const events = batch ? (body as { events: Parsed[] }).events : [body as Parsed];
        const t0 = performance.now();
        const results = append.immediate(events);
        recordCommit('bare', performance.now() - t0, events.length);
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify(batch ? { stored: results.length, results } : results[0]));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => (db.close(), done()))),
      });
    });
  });
}

// ---- main ----------------------------------------------------------------------------------------

function choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
  const value = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (value !== undefined && !allowed.includes(value as T)) throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T | undefined;
}

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3).replace(/_/g, ''));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Summed {
  events: number;
  seconds: number;
  errors: number;
  firstError?: string;
  latencies: number[];
}

function add(into: Summed, r: LoadResult): void {
  into.events += r.events;
  into.seconds += r.seconds;
  into.errors += r.errors;
  into.firstError ??= r.firstError;
  for (const l of r.latenciesMs) into.latencies.push(l);
}

async function main(): Promise<void> {
  // Imported here so the worker thread, which requires this file too, loads none of it.
  const { loadConfig } = await import('@crm/config');
  const { sampleEvent } = await import('@crm/contracts');
  const { EventStore, SqliteEventStore } = await import('@crm/event-store');
  const { createServiceApp } = await import('@crm/infrastructure');
  const { IngestModule } = await import('@crm/ingest-api');

  const seconds = option('seconds', 4);
  const rounds = option('rounds', 3);
  const customers = option('customers', 20_000);
  const only = choice('only', ['ingest', 'bare'] as const);
  const onlyLoad = choice('load', ['batch', 'single', 'pii'] as const);
  const dir = mkdtempSync(join(tmpdir(), 'crm-ingest-bench-'));
  const template = JSON.stringify(
    sampleEvent('PurchaseMade', { eventId: '__EVENT_ID__', customerId: '__CUSTOMER__', source: 'bench', data: { orderId: '__ORDER__' } }),
  );
  // Three personal-data fields per event: what ingest seals (and the key of each new customer it makes).
  const registration = JSON.stringify(
    sampleEvent('CustomerRegistered', {
      eventId: '__EVENT_ID__',
      customerId: '__CUSTOMER__',
      source: 'bench',
      data: { displayName: 'Ada Lovelace __ORDER__', email: 'ada.__ORDER__@example.com', phone: '+44 20 7946 0958', acquisitionChannel: 'web' },
    }),
  );
  const coalesce = ['INGEST_COALESCE_MS', 'INGEST_COALESCE_MAX_EVENTS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
  console.log(
    `Ingest bench: node ${process.version}, ${rounds} rounds of ${seconds} s per server and load, ${fmt(customers)} customers, ` +
      `temp dir ${dir} (WAL, synchronous=FULL)${coalesce.length ? `, ${coalesce.join(' ')}` : ''}`,
  );

  // The bare route writes a file with the store's schema, so both hit the same table and indexes.
  const bareFile = SqliteEventStore.open({ dataDir: join(dir, 'bare') });
  const bareFilename = bareFile.filename;
  await bareFile.close();
  const bare = await startBareRoute(bareFilename);
  // A publisher key whose rate limit is not what is measured (the key check and the counter are).
  const { hashApiKey, keyLine } = await import('@crm/infrastructure');
  const benchKey = `crm_bench_${randomUUID()}`;
  const API_KEYS = keyLine('bench', ['publish'], hashApiKey(benchKey), '999999999/s');
  const config = loadConfig({ ...process.env, API_KEYS, DATA_DIR: join(dir, 'ingest'), CRM_MODE: 'embedded', EVENT_STORE: 'sqlite', READ_STORE: 'sqlite', TRANSPORT: 'in-process', LOG_LEVEL: 'error' });
  const app = await createServiceApp('ingest-bench', config, [IngestModule], { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const ingestUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  // The SQLite store runs a transaction synchronously inside the call (checks, inserts, commit,
  // fsync), so the call's synchronous part is the transaction. Both append methods are timed, so
  // the code before appendToStreams is measured alike.
  const eventStore = app.get(EventStore);
  const appendToStream = eventStore.appendToStream.bind(eventStore);
  eventStore.appendToStream = (streamId, events, options) => {
    const t0 = performance.now();
    const result = appendToStream(streamId, events, options);
    recordCommit('ingest', performance.now() - t0, events.length);
    return result;
  };
  if (typeof eventStore.appendToStreams === 'function') {
    const appendToStreams = eventStore.appendToStreams.bind(eventStore);
    eventStore.appendToStreams = (appends) => {
      const t0 = performance.now();
      const outcomes = appendToStreams(appends);
      recordCommit('ingest', performance.now() - t0, appends.reduce((n, a) => n + a.events.length, 0));
      return outcomes;
    };
  }

  const loads = [
    { name: 'batch', path: '/v1/events/batch', eventsPerRequest: 500, inFlight: 4, template },
    { name: 'single', path: '/v1/events', eventsPerRequest: 1, inFlight: 16, template },
    { name: 'pii', path: '/v1/events/batch', eventsPerRequest: 500, inFlight: 4, template: registration },
  ] as const;
  const totals = new Map<string, Summed>();
  const total = (key: string): Summed => totals.get(key) ?? (totals.set(key, { events: 0, seconds: 0, errors: 0, latencies: [] }), totals.get(key)!);
  try {
    for (const load of loads.filter((l) => onlyLoad === undefined || l.name === onlyLoad)) {
      const spec = { ...load, seconds, customers, expectStatus: 202, authorization: `Bearer ${benchKey}` };
      // Warm-up (JIT, caches, the first streams), not counted.
      await loadFromWorker({ ...spec, url: bare.url, seconds: 1 });
      await loadFromWorker({ ...spec, url: ingestUrl, seconds: 1 });
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first, so neither always runs on the larger file.
        const order = round % 2 === 0 ? (['bare', 'ingest'] as const) : (['ingest', 'bare'] as const);
        for (const server of order.filter((s) => only === undefined || s === only)) {
          measuring = `${load.name}:${server}`;
          add(total(measuring), await loadFromWorker({ ...spec, url: server === 'bare' ? bare.url : ingestUrl }));
          measuring = undefined;
        }
      }
    }
  } finally {
    await app.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }

  for (const [key, t] of totals) {
    if (t.errors > 0) console.log(`  ${key}: ${t.errors} requests did not answer 202, first: ${t.firstError}`);
    t.latencies.sort((a, b) => a - b);
  }
  const rate = (key: string) => total(key).events / total(key).seconds;
  const p = (key: string, q: number) => percentile(total(key).latencies, q);
  // '–' for what a run with --only or --load did not measure.
  const num = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '–' : digits < 0 ? fmt(x) : x.toFixed(digits));
  const batch = rate('batch:ingest') / rate('batch:bare');
  const single = rate('single:ingest') / rate('single:bare');
  const pii = rate('pii:ingest') / rate('pii:bare');
  const sealing = rate('pii:ingest') / rate('batch:ingest');
  const sealAlone = await sealingRate();
  const rows: [string, string, string, string, string, boolean | undefined][] = [
    ['HTTP batch ingest (500-event batches of 500 customers, 4 in flight), ev/s', num(rate('batch:ingest'), -1), num(rate('batch:bare'), -1), num(batch, 2), '≥ 0.5×', Number.isFinite(batch) ? batch >= 0.5 : undefined],
    ['HTTP single-event ingest (16 in flight), ev/s', num(rate('single:ingest'), -1), num(rate('single:bare'), -1), num(single, 2), '≥ 1.0×', Number.isFinite(single) ? single >= 1 : undefined],
    ['single-event latency p50, ms', num(p('single:ingest', 50)), num(p('single:bare', 50)), num(p('single:ingest', 50) / p('single:bare', 50), 2), '', undefined],
    ['single-event latency p99, ms', num(p('single:ingest', 99)), num(p('single:bare', 99)), num(p('single:ingest', 99) / p('single:bare', 99), 2), '≤ 20 ms', p('single:ingest', 99) === undefined ? undefined : p('single:ingest', 99) <= 20],
    ['HTTP batch ingest of registrations (3 personal-data fields sealed per event, a key per customer), ev/s', num(rate('pii:ingest'), -1), num(rate('pii:bare'), -1), num(pii, 2), '≥ 0.5×', Number.isFinite(pii) ? pii >= 0.5 : undefined],
    ['registrations / purchases through the ingest API (the cost of sealing)', num(sealing, 2), '', '', '≥ 0.8×', Number.isFinite(sealing) ? sealing >= 0.8 : undefined],
    ['sealing alone: 3 values per event, node:crypto AES-256-GCM, one core, ev/s', num(sealAlone, -1), '', '', '', undefined],
    ['batch request latency p50 / p99, ms', `${num(p('batch:ingest', 50), 0)} / ${num(p('batch:ingest', 99), 0)}`, `${num(p('batch:bare', 50), 0)} / ${num(p('batch:bare', 99), 0)}`, '', '', undefined],
  ];
  console.log('\n### HTTP ingest, embedded store, against the bare node:http + JSON.parse + better-sqlite3 route (same run)\n');
  console.log('| measurement | ingest API | bare route (limit) | ratio | aim | verdict |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const [measurement, value, limit, ratio, aim, pass] of rows) {
    console.log(`| ${measurement} | ${value} | ${limit} | ${ratio} | ${aim} | ${pass === undefined ? '' : pass ? 'PASS' : 'BELOW'} |`);
  }
  console.log('\n### Store transactions (each timed: checks, inserts, commit and its fsync)\n');
  console.log('| load | server | transactions | events per transaction | transaction p50, ms | p99, ms | share of the round in transactions |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const [key, commits] of commitsOf) {
    const [load, server] = key.split(':');
    const ms = commits.map((c) => c.ms).sort((a, b) => a - b);
    const busy = ms.reduce((a, b) => a + b, 0) / 1000;
    const events = commits.reduce((n, c) => n + c.events, 0);
    console.log(
      `| ${load} | ${server === 'bare' ? 'bare route' : 'ingest API'} | ${fmt(commits.length)} | ${(events / commits.length).toFixed(1)} | ${num(percentile(ms, 50), 2)} | ${num(percentile(ms, 99), 2)} | ${((100 * busy) / total(key).seconds).toFixed(0)} % |`,
    );
  }
  const requests = (key: string) => total(key).latencies.length;
  console.log(
    `\n${fmt(requests('batch:ingest'))} / ${fmt(requests('batch:bare'))} batch and ${fmt(requests('single:ingest'))} / ${fmt(requests('single:bare'))} single requests (ingest / bare).`,
  );
}

/** The limit beneath sealing: sealValue on three values per event, in a loop, for a second. */
async function sealingRate(): Promise<number> {
  const { generateKeyMaterial, sealValue } = await import('@crm/privacy');
  const key = { customerId: 'C-1', version: 1, material: generateKeyMaterial() };
  const values = ['Ada Lovelace 1234', 'ada.1234@example.com', '+44 20 7946 0958'];
  let events = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    for (let i = 0; i < 1000; i++, events++) for (const value of values) sealValue(value, key, `C-1:${events}`);
  }
  return events / ((performance.now() - started) / 1000);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
