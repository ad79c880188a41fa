import { gzipSync } from 'node:zlib';
import { tempDir } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';
import { openSse } from './sse-client';

/**
 * A bounded, seeded fuzz of the HTTP edge: malformed and hostile requests to the ingest side
 * (none may store anything) and the query side. Whatever is sent: no 5xx (the harness fails
 * close() on one; this test also counts them), every 4xx an application/problem+json document,
 * nothing stored, the process alive and still accepting a valid event.
 *
 * The seed is fixed, so a failure reproduces: the failing requests are printed with their kind.
 */
const SEED = 0x5eed_c0de;
const INGEST_REQUESTS = 2000;
const QUERY_REQUESTS = 1000;

/** mulberry32: a small, fast PRNG, good enough to pick cases. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}

type FuzzRequest = { kind: string; method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; body?: string | Buffer };
type Json = Record<string, unknown>;

const MAX_SAFE_PLUS_ONE = Number.MAX_SAFE_INTEGER + 1;
/** Never a string: wrong for every string field. */
const NOT_STRINGS: unknown[] = [null, true, false, 0, -0, -1, 1.5, 1e308, MAX_SAFE_PLUS_ONE, [], {}, ['C-1'], { $gt: '' }, { toString: 'x' }, [[[]]]];
/** Wrong for every number field: not a number, or out of any range a count, amount or score can have. */
const NOT_NUMBERS: unknown[] = [null, true, '1', 'NaN', 'Infinity', '-0', '1e308', String(MAX_SAFE_PLUS_ONE), '', [], {}, [1], { $gt: 0 }, -2, -1e308, 1e308, MAX_SAFE_PLUS_ONE]; // (-1 is a valid sentiment)
const HOSTILE_IDS = [
  "'; DROP TABLE events; --",
  "C-1' OR '1'='1",
  '*',
  'C-*',
  '?',
  'C-[a-z]',
  '[',
  '../../etc/passwd',
  '..\\..\\windows',
  'C-1%00',
  'C-1\u0000',
  'C-é',
  'C-💥',
  '\u202eC-1',
  'C-1\r\nSET x 1',
  'FLUSHALL\r\n',
  'crm:*',
  '{C-1}',
  'C 1',
  'C-1/timeline',
  '%2e%2e%2f',
  '$where',
  '<script>alert(1)</script>',
  'x'.repeat(129),
  '',
];
const BAD_DATES = [
  '2026-02-30T10:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-03-14T25:00:00Z',
  '2026-03-14T10:61:00Z',
  '2026-03-14',
  '2026-03-14T10:22:05',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '2026-03-14T10:22:05+24:00',
  '2026-03-14T10:22:05+01',
  'yesterday',
  'Invalid Date',
  '1e308',
  '1710410525',
  '2026-03-14 10:22:05Z;DROP',
  '２０２６-03-14T10:22:05Z',
];
const ENVELOPE_STRINGS = ['eventId', 'type', 'customerId', 'occurredAt'];
const DATA_STRINGS: Record<'PurchaseMade' | 'ContactLogged', string[]> = {
  PurchaseMade: ['orderId', 'currency'],
  ContactLogged: ['contactId', 'channel', 'direction', 'outcome'],
};
const DATA_NUMBERS: Record<'PurchaseMade' | 'ContactLogged', string[]> = {
  PurchaseMade: ['amount', 'quantity'],
  ContactLogged: ['durationSec', 'sentiment'],
};

/** Turns a JSON text's `"field": value` into `"field": raw` (numbers JSON.stringify cannot write: 1e309, -0, NaN). */
const withRaw = (event: Json, field: string, raw: string) => JSON.stringify(event).replace(new RegExp(`"${field}":(?:[^,}"]+|"[^"]*")`), `"${field}":${raw}`);

function generators(random: ReturnType<typeof prng>) {
  let n = 0;
  const customer = () => `C-fuzz-${n++}`;
  const event = (): Json => ((random.next() < 0.5 ? purchase(customer()) : contact(customer())) as unknown as Json);
  const typeOf = (e: Json) => e.type as 'PurchaseMade' | 'ContactLogged';
  const json = (kind: string, body: unknown, url = '/v1/events'): FuzzRequest => ({ kind, method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const raw = (kind: string, body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }, url = '/v1/events'): FuzzRequest => ({ kind, method: 'POST', url, headers, body });
  const deep = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = random.next() < 0.5 ? [value] : { k: value };
    return value;
  };

  /** One hostile event (never valid), as an object or a JSON text. */
  const hostileEvents: Record<string, () => Json | string> = {
    'wrong type (envelope)': () => ({ ...event(), [random.pick([...ENVELOPE_STRINGS, 'schemaVersion', 'data'])]: random.pick(NOT_STRINGS.filter((v) => v !== 1)) }),
    'wrong type (data string)': () => {
      const e = event();
      return { ...e, data: { ...(e.data as Json), [random.pick(DATA_STRINGS[typeOf(e)])]: random.pick(NOT_STRINGS) } };
    },
    'wrong type (data number)': () => {
      const e = event();
      return { ...e, data: { ...(e.data as Json), [random.pick(DATA_NUMBERS[typeOf(e)])]: random.pick(NOT_NUMBERS) } };
    },
    'missing field': () => {
      const e = event();
      delete e[random.pick(['eventId', 'type', 'customerId', 'occurredAt', 'data'])]; // schemaVersion is optional
      return e;
    },
    'huge string': () => {
      const e = event();
      const huge = random.pick(['x', '💥', '\u0000', "'"]).repeat(random.pick([129, 257, 1025, 20_000]));
      if (random.next() < 0.5) return { ...e, [random.pick(ENVELOPE_STRINGS)]: huge };
      return { ...e, data: { ...(e.data as Json), [random.pick(DATA_STRINGS[typeOf(e)])]: huge } };
    },
    'extreme number (raw JSON)': () => {
      const e = event();
      const value = random.pick(['1e309', '-1e309', '-0', 'NaN', 'Infinity', '9007199254740993', '1e-400', '0x10', '1.', '.5', '+1', '00', '1e308']);
      const field = random.pick([...DATA_NUMBERS[typeOf(e)], 'schemaVersion']);
      const text = withRaw(e, field, value);
      // A value JSON.parse reads as a valid number elsewhere: make the event invalid regardless.
      return field === 'schemaVersion' || ['NaN', 'Infinity', '0x10', '1.', '.5', '+1', '00'].includes(value) ? text : withRaw(JSON.parse(text) as Json, 'customerId', '"*"');
    },
    'deep nesting': () => {
      const e = event();
      return { ...e, data: { ...(e.data as Json), nested: deep(random.pick([33, 100, 1000])) } };
    },
    'prototype keys': () => {
      const e = event();
      const key = random.pick(['__proto__', 'constructor', 'prototype']);
      const payload = random.pick(['{"polluted":true}', '{"prototype":{"polluted":true}}', 'null', '"x"']);
      const text = JSON.stringify(e);
      return random.next() < 0.5 ? `{"${key}":${payload},${text.slice(1)}` : text.replace('"data":{', `"data":{"${key}":${payload},`);
    },
    'bad date': () => ({ ...event(), occurredAt: random.pick(BAD_DATES) }),
    'hostile customer id': () => ({ ...event(), customerId: random.pick(HOSTILE_IDS) }),
    'unknown type': () => ({ ...event(), type: random.pick(['PurchaseDone', 'purchasemade', '__proto__', 'constructor', "PurchaseMade'; --", 'PurchaseMade\u0000', '']) }),
    'unknown field': () => ({ ...event(), [random.pick(['extra', '$set', 'hasOwnProperty', 'toString', 'valueOf', '', '\u0000'])]: 1 }),
  };
  const hostileEvent = (): { kind: string; value: Json | string } => {
    const kind = random.pick(Object.keys(hostileEvents));
    return { kind, value: hostileEvents[kind]() };
  };
  const text = (value: Json | string) => (typeof value === 'string' ? value : JSON.stringify(value));

  /** Authorization headers that name no configured key (every answer must be 401, whatever the body). */
  const hostileKey = (): Record<string, string> =>
    random.pick<Record<string, string>>([
      { Authorization: 'Bearer' },
      { Authorization: 'Bearer ' + 'k'.repeat(8000) },
      { Authorization: `Bearer ${random.pick(HOSTILE_IDS.filter((id) => /^[\t\x20-\x7e\x80-\xff]*$/.test(id)))}` },
      { Authorization: 'Basic YWRtaW46YWRtaW4=' },
      { Authorization: 'Bearer crm_\u00e9\u00ff' },
      { Authorization: 'Bearer \t crm_x' },
      { Authorization: 'bearer  crm_x crm_y' },
      { 'X-API-Key': '*' },
      { 'X-API-Key': '__proto__' },
      { Authorization: '', 'X-API-Key': '' },
    ]);
  const ingest: Record<string, () => FuzzRequest> = {
    'valid event, hostile key': () => ({ ...json('valid event, hostile key', event()), headers: { 'Content-Type': 'application/json', ...hostileKey() } }),
    'event: hostile field': () => {
      const { kind, value } = hostileEvent();
      return raw(`event: ${kind}`, text(value));
    },
    'broken JSON': () => {
      const whole = JSON.stringify(event());
      const body = random.pick([
        () => whole.slice(0, random.int(whole.length - 1)),
        () => whole.replace(/"/g, "'"),
        () => whole.replace('}', ',}'),
        () => `${whole}${whole}`,
        () => `${whole.slice(0, -1)},"eventId":"00000000-0000-4000-8000-000000000009"}`,
        () => `/* c */${whole}`,
        () => '',
        () => 'null',
        () => 'true',
        () => '"event"',
        () => '42',
        () => '[]',
        () => '{}',
        () => '['.repeat(random.pick([100, 10_000, 100_000])),
        () => '{"a":'.repeat(random.pick([100, 10_000])),
        () => String.fromCharCode(...Array.from({ length: 64 }, () => random.int(256))),
      ])();
      return raw('broken JSON', body);
    },
    'bad bytes / encoding': () =>
      random.pick([
        () => raw('bad bytes / encoding', Buffer.concat([Buffer.from('{"eventId":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')])),
        () => raw('bad bytes / encoding', Buffer.from(`\ufeff${text(hostileEvent().value)}`, 'utf8')),
        () => raw('bad bytes / encoding', Buffer.from(JSON.stringify(event()), 'utf16le'), { 'Content-Type': 'application/json; charset=utf-16' }),
        () => raw('bad bytes / encoding', JSON.stringify(event()), { 'Content-Type': 'application/json; charset=latin1' }),
        () => raw('bad bytes / encoding', 'not gzip at all', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
        () => raw('bad bytes / encoding', gzipSync(text(hostileEvent().value)), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
        () => raw('bad bytes / encoding', 'x', { 'Content-Type': 'application/json', 'Content-Encoding': random.pick(['br', 'deflate', 'compress', 'zstd', 'gzip, gzip', 'identity, x']) }),
      ])(),
    'wrong content type': () =>
      raw('wrong content type', JSON.stringify(event()), {
        'Content-Type': random.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', // (application/*+json is JSON, by design)
        '*/*', 'application/json; charset="', ';;;', 'application/json, text/plain']),
      }),
    'bad query on POST': () => ({
      ...raw('bad query on POST', text(hostileEvent().value)),
      url: `/v1/events?expectedRevision=${encodeURIComponent(random.pick(['-1', 'abc', '1e308', '9007199254740993', 'no_stream\u0000', '[]', '__proto__']))}`,
    }),
    'batch: hostile events': () => raw('batch: hostile events', `{"events":[${Array.from({ length: 1 + random.int(20) }, () => text(hostileEvent().value)).join(',')}]}`, undefined, '/v1/events/batch'),
    'batch: wrong shape': () =>
      raw(
        'batch: wrong shape',
        random.pick([
          () => `{"events":${text(hostileEvent().value)}}`,
          () => JSON.stringify({ events: [] }),
          () => JSON.stringify({ events: null }),
          () => JSON.stringify({ events: 'all' }),
          () => JSON.stringify({ events: { 0: event() } }),
          () => JSON.stringify({ events: [null, 1, 'x', [], true] }),
          () => JSON.stringify([event()]),
          () => `{"__proto__":{"polluted":true},"events":[${text(hostileEvent().value)}]}`,
          () => JSON.stringify({ events: [hostileEvents['hostile customer id']()], extra: 1 }),
          () => JSON.stringify({ events: [{ ...event(), customerId: '*' }], expectedRevision: -1 }),
        ])(),
        undefined,
        '/v1/events/batch',
      ),
  };
  const rare: Record<string, () => FuzzRequest> = {
    'batch: over BATCH_MAX_EVENTS': () => json('batch: over BATCH_MAX_EVENTS', { events: Array.from({ length: 1001 }, () => ({ ...event(), customerId: '*' })) }, '/v1/events/batch'),
    'body over BODY_LIMIT': () => raw('body over BODY_LIMIT', JSON.stringify({ ...event(), source: 'x'.repeat(2.2 * 1024 * 1024) })),
  };

  const odd = () => random.pick([...HOSTILE_IDS, '%', '%ZZ', '%E0%A4%A', 'C-1%2F..%2F..', '.', '..', '%2e%2e', 'C-102938?x=1', 'C-1#frag']);
  const pathId = () => (random.next() < 0.8 ? encodeURIComponent(odd()) : odd().replace(/[\s#?/]/g, encodeURIComponent));
  const garbage = () =>
    random.pick(['', 'abc', '0', '-1', '1e9', '1e308', 'NaN', 'Infinity', '9007199254740993', '2026-02-30T00:00:00Z', '2026-13-01', '+275760-09-13T00:00:00Z', 'now', 'null', '[]', '{}', '%00', "'; DROP", '*', 'x'.repeat(600), '２', '../', '\u0000', '2026-03-14T10:22:05+01:00Z']);
  const q = (name: string, value: string) => (random.next() < 0.15 ? `${name}[$ne]=${encodeURIComponent(value)}` : random.next() < 0.1 ? `${name}=${encodeURIComponent(value)}&${name}=x` : `${name}=${encodeURIComponent(value)}`);
  const get = (kind: string, url: string): FuzzRequest => ({ kind, method: 'GET', url });
  const query: Record<string, () => FuzzRequest> = {
    'customer: odd id': () => get('customer: odd id', `/v1/customers/${pathId()}${random.pick(['', '/timeline'])}`),
    'customer: asOf/knownAt garbage': () => get('customer: asOf/knownAt garbage', `/v1/customers/C-102938${random.pick(['', '/timeline'])}?${q(random.pick(['asOf', 'knownAt']), garbage())}&${q(random.pick(['asOf', 'knownAt']), garbage())}`),
    'customers: list filters': () => get('customers: list filters', `/v1/customers?${q(random.pick(['lifecycleStage', 'trustStage', 'tier', 'loyaltyStage', 'unknown', '__proto__', 'constructor']), random.pick(['gold', 'expansion', 'GOLD', 'x', ...HOSTILE_IDS]))}`),
    'customers: cursor and limit': () => get('customers: cursor and limit', `/v1/customers?${q('after', random.next() < 0.5 ? odd() : garbage())}&${q('limit', random.pick(['0', '-1', '1e9', 'abc', '501', '1.5', '', ' 5', '0x10', '50']))}`),
    'win-back': () => get('win-back', `/v1/win-back?${q(random.pick(['reason', 'limit', 'after', 'x']), random.pick([...HOSTILE_IDS, 'churned', '0', '-1', '1e9', 'abc']))}`),
    segments: () => get('segments', `/v1/segments?${q(random.pick(['asOf', 'x', '__proto__']), garbage())}`),
    measures: () => get('measures', `/v1/${random.pick(['agents', 'teams'])}/${pathId()}/measures?${q('from', garbage())}&${q('to', random.pick(['2026-01-31', '2026-02-30', '2025-12-31', garbage()]))}`),
    schemas: () => get('schemas', `/v1/schemas/${pathId()}`),
    // Admin-only and destructive: no id here is a stored customer, so every answer is a 400 or 404 and nothing is erased.
    'erasure: odd id': () => ({ kind: 'erasure: odd id', method: 'DELETE', url: `/v1/customers/${pathId()}/personal-data?${q('reference', garbage())}` }),
    'read, hostile key': () => ({ ...get('read, hostile key', `/v1/customers/C-102938${random.pick(['', '/timeline'])}`), headers: hostileKey() }),
    'unknown route': () => ({ kind: 'unknown route', method: random.pick(['GET', 'POST'] as const), url: random.pick(['/v1/', '/v1/events/x', '/v1/customers/', '//v1/customers', '/v1/../health', '/v1/customers/C-1/../../health', `/${pathId()}`]) }),
  };
  return { ingest, rare, query };
}

describe('fuzz: hostile and malformed requests over HTTP (embedded platform, seeded)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;
  let base: string;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-fuzz-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
    await platform.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(platform.app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await platform.close(); // fails if any request answered 5xx
    dir.remove();
  });

  const head = async () => (await platform.http.get('/health')).body.checks.eventStore.head as number;

  async function send(request: FuzzRequest): Promise<{ status: number; type: string; body: unknown }> {
    let req = request.method === 'GET' ? platform.http.get(request.url) : request.method === 'DELETE' ? platform.http.delete(request.url) : platform.http.post(request.url);
    for (const [name, value] of Object.entries(request.headers ?? {})) req = req.set(name, value);
    if (request.body !== undefined) req = req.serialize((body: unknown) => body as string).send(request.body as unknown as string);
    const res = await req.buffer(true).parse((response, callback) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => callback(null, Buffer.concat(chunks).toString('utf8')));
    });
    return { status: res.status, type: String(res.headers['content-type'] ?? ''), body: res.body };
  }

  it(`answers ${INGEST_REQUESTS + QUERY_REQUESTS} hostile requests without a 5xx, each 4xx a problem document, storing nothing`, async () => {
    // One valid event first: the query side has a customer to find, the store a head to compare.
    const seed = purchase('C-102938');
    await platform.http.post('/v1/events').send(seed).expect(202);
    const before = await head();
    await platform.projector.runner.waitForPosition(before, 5000);

    const random = prng(SEED);
    const { ingest, rare, query } = generators(random);
    const requests: FuzzRequest[] = [];
    for (let i = 0; i < INGEST_REQUESTS; i++) requests.push(i % 250 === 249 ? rare[random.pick(Object.keys(rare))]() : ingest[random.pick(Object.keys(ingest))]());
    for (let i = 0; i < QUERY_REQUESTS; i++) requests.push(query[random.pick(Object.keys(query))]());

    const counts = new Map<string, number>();
    const statuses = new Map<number, number>();
    const findings: string[] = [];
    const started = Date.now();
    // A few at a time, as concurrent clients would.
    for (let at = 0; at < requests.length; at += 10) {
      const chunk = requests.slice(at, at + 10);
      const answers = await Promise.all(chunk.map((r) => send(r)));
      answers.forEach((answer, k) => {
        const request = chunk[k];
        counts.set(request.kind, (counts.get(request.kind) ?? 0) + 1);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const show = () => `${request.kind}: ${request.method} ${request.url.slice(0, 200)} ${JSON.stringify(request.headers ?? {})} ${request.body === undefined ? '' : String(request.body).slice(0, 200)} -> ${answer.status} ${answer.type} ${String(answer.body).slice(0, 300)}`;
        if (answer.status >= 500) findings.push(`5xx  ${show()}`);
        else if (request.method !== 'GET' && answer.status < 400) findings.push(`accepted  ${show()}`);
        else if (request.kind.endsWith('hostile key') && answer.status !== 401) findings.push(`not refused as unauthenticated  ${show()}`);
        else if (answer.status >= 400) {
          let problem: { status?: unknown } | undefined;
          try {
            problem = JSON.parse(answer.body as string) as { status?: unknown };
          } catch {
            problem = undefined;
          }
          if (!answer.type.startsWith('application/problem+json') || problem?.status !== answer.status) findings.push(`not a problem document  ${show()}`);
        }
      });
    }
    const elapsed = Date.now() - started;
    // The counts per kind and status, for the record (seeded: the same every run).
    process.stdout.write(`fuzz: ${requests.length} requests in ${elapsed} ms\n${[...counts].sort().map(([kind, count]) => `  ${kind}: ${count}`).join('\n')}\n  statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);

    expect(findings.slice(0, 30)).toEqual([]);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(await head()).toBe(before);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((Object.prototype as { polluted?: unknown }).polluted).toBeUndefined();
  }, 120_000);

  it('answers GET /v1/changes with a bad Last-Event-ID as a stream (or a 4xx problem), never a 5xx', async () => {
    const random = prng(SEED + 1);
    const ids = ['', 'abc', '-1', '1e308', '9007199254740993:lifecycleStage', '1:__proto__', "1:'; DROP", '*', '../', '%00', '💥', ':', '::::', 'x'.repeat(1000), '0:lifecycleStage\u0085'];
    for (let i = 0; i < 30; i++) {
      const id = random.pick(ids);
      const useQuery = random.next() < 0.5;
      const auth = { Authorization: `Bearer ${platform.apiKey}` };
      const stream = await openSse(useQuery ? `${base}/v1/changes?lastEventId=${encodeURIComponent(id)}` : `${base}/v1/changes`, useQuery ? auth : { ...auth, 'Last-Event-ID': id.replace(/[^\x20-\x7e]/g, '?') });
      try {
        // Past the key guard: what is fuzzed here is the id, not the authentication.
        expect(stream.status).not.toBe(401);
        expect(stream.status).toBeLessThan(500);
        if (stream.status >= 400) expect(stream.contentType).toContain('application/problem+json');
        else expect(stream.contentType).toContain('text/event-stream');
      } finally {
        stream.close();
      }
    }
  });

  it('is alive after the fuzz: a valid event is accepted (202) and readable', async () => {
    const customerId = 'C-after-fuzz';
    const accepted = await platform.http.post('/v1/events').send(purchase(customerId)).expect(202);
    await platform.projector.runner.waitForPosition(accepted.body.position as number, 5000);
    const view = await platform.http.get(`/v1/customers/${customerId}`).expect(200);
    expect(view.body.customerId).toBe(customerId);
    expect((await platform.http.get('/health')).status).toBe(200);
  });
});
