import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MAX_JSON_DEPTH } from '@crm/contracts/edge';
import { tempDir } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';

type Problem = { type: string; title: string; status: number; detail?: string; violations?: { path: string; messages: string[] }[]; violationCount?: number; truncated?: boolean };

/**
 * Requests a hostile or careless publisher sends. Each answers a 4xx problem document that names
 * what is wrong, stores nothing, and none answers 5xx.
 */
describe('hostile input over HTTP (embedded platform)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-hostile-');
    // The defaults (BODY_LIMIT 2mb, BATCH_MAX_EVENTS 1000): what a deployment gets.
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
  });
  afterAll(async () => {
    await platform.close();
    dir.remove();
  });

  const head = async () => (await platform.http.get('/health')).body.checks.eventStore.head as number;
  const settled = async () => platform.projector.runner.waitForPosition(await head(), 5000);

  /** POSTs the bytes as they are (superagent would JSON-encode a Buffer). */
  const postBytes = (url: string, bytes: Buffer | string, headers: Record<string, string> = {}) => {
    let req = platform.http.post(url).set('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return req.serialize((body: unknown) => body as string).send(bytes as unknown as string);
  };

  /** The answer is a problem document with `status`, and the event store did not move. */
  async function expectRejected(send: () => Promise<{ status: number; headers: Record<string, string>; body: Problem }>, status: number): Promise<Problem> {
    const before = await head();
    const res = await send();
    expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { status } });
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await head()).toBe(before);
    return res.body;
  }

  const pathsOf = (problem: Problem) => (problem.violations ?? []).map((v) => v.path);

  describe('Content-Encoding', () => {
    it.each(['gzip', 'deflate', 'br'])('answers 400 for a body that says %s but is not compressed', async (encoding) => {
      const problem = await expectRejected(() => postBytes('/v1/events', JSON.stringify(purchase('C-enc')), { 'Content-Encoding': encoding }), 400);
      expect(problem).toMatchObject({ title: 'Unreadable body', detail: expect.stringContaining(`not valid ${encoding} data`) });
    });

    it.each(['compress', 'x-unknown'])('answers 415 for the unsupported encoding %s', async (encoding) => {
      const problem = await expectRejected(() => postBytes('/v1/events', JSON.stringify(purchase('C-enc')), { 'Content-Encoding': encoding }), 415);
      expect(problem.detail).toContain(encoding);
    });

    it('still stores a body that really is gzip-compressed', async () => {
      const res = await postBytes('/v1/events', gzipSync(JSON.stringify(purchase(`C-${randomUUID()}`))), { 'Content-Encoding': 'gzip' });
      expect(res.status).toBe(202);
    });
  });

  describe('deep nesting', () => {
    const deepArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const deepObjects = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const withData = (inner: string) => JSON.stringify(purchase('C-deep')).replace(/"data":\{[^}]*\}/, `"data":${inner}`);

    it.each([
      ['arrays', deepArrays],
      ['objects', deepObjects],
    ])('rejects 20,000 levels of %s with 400 naming the depth limit, before any transformation', async (_label, deep) => {
      const problem = await expectRejected(() => postBytes('/v1/events', withData(deep(20_000))), 400);
      expect(problem.violations).toHaveLength(1);
      expect(problem.violations![0].messages).toEqual([`objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep`]);
      expect(problem.violations![0].path).toMatch(/^data[.[]/);
      const batch = await expectRejected(() => postBytes('/v1/events/batch', `{"events":[${withData(deep(20_000))}]}`), 400);
      expect(pathsOf(batch)[0]).toMatch(/^events\[0\]\.data/);
    });

    it(`accepts ${MAX_JSON_DEPTH} levels (the body), and rejects ${MAX_JSON_DEPTH + 1}`, async () => {
      // The envelope is level 1 and data level 2: data.productId nests 30 more arrays to reach 32.
      const atLimit = JSON.stringify(purchase('C-deep', {}, { productId: JSON.parse(deepArrays(MAX_JSON_DEPTH - 2)) }));
      const ok = await expectRejected(() => postBytes('/v1/events', atLimit), 400);
      expect(ok.violations).toEqual([{ path: 'data.productId', messages: ['productId must be a string'] }]);
      const beyond = JSON.stringify(purchase('C-deep', {}, { productId: JSON.parse(deepArrays(MAX_JSON_DEPTH - 1)) }));
      const tooDeep = await expectRejected(() => postBytes('/v1/events', beyond), 400);
      expect(tooDeep.violations![0].messages[0]).toContain('nest at most');
    });

    it('answers 400, never 5xx, to a deep body on every route of the OpenAPI document', async () => {
      const document = (await platform.http.get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => [method, path] as const));
      expect(routes.length).toBeGreaterThan(10);
      const body = deepArrays(20_000);
      for (const [method, path] of routes) {
        const url = path.replace('{type}', 'PurchaseMade').replace(/\{[^}]+\}/g, 'C-deep');
        const open = (platform.http as unknown as Record<string, (url: string) => ReturnType<PlatformHarness['http']['post']>>)[method].bind(platform.http);
        const res = await open(url).set('Content-Type', 'application/json').send(body);
        expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 400 });
        expect(res.body.violations[0].messages[0]).toContain('nest at most');
      }
    });
  });

  describe('expectedRevision', () => {
    it.each(['99999999999999999999999', '9007199254740992', '-1', '1.5', '1e3', 'latest', ' 1'])('rejects expectedRevision=%s with 400 naming the parameter', async (value) => {
      const problem = await expectRejected(() => platform.http.post(`/v1/events?expectedRevision=${encodeURIComponent(value)}`).send(contact(`C-${randomUUID()}`)), 400);
      expect(problem.violations).toEqual([{ path: 'expectedRevision', messages: [expect.stringContaining('no_stream')] }]);
    });

    it('accepts the largest safe integer as a revision (a mismatch: 409) and no_stream', async () => {
      const customerId = `C-${randomUUID()}`;
      await expectRejected(() => platform.http.post(`/v1/events?expectedRevision=${Number.MAX_SAFE_INTEGER}`).send(contact(customerId)), 409);
      await platform.http.post('/v1/events?expectedRevision=no_stream').send(contact(customerId)).expect(202);
    });
  });

  describe('asOf', () => {
    const customerId = `C-${randomUUID()}`;
    beforeAll(async () => {
      await platform.http.post('/v1/events').send(purchase(customerId, { occurredAt: '2026-03-14T10:22:05Z' })).expect(202);
      await settled();
    });

    const routes = [`/v1/customers/${customerId}`, `/v1/customers/${customerId}/timeline`];
    const invalid = [
      ['an ISO week date', '2026-W10'],
      ['an ordinal date', '2026-123'],
      ['a basic-format date', '20260314'],
      ['hours and an offset only', '2026-03-14T10Z'],
      ['no offset (it would be read in the server zone)', '2026-03-14T10:22:05'],
      ['a date only', '2026-03-14'],
      ['30 February', '2026-02-30T00:00:00Z'],
      ['nothing', ''],
    ];

    it.each(routes.flatMap((route) => invalid.map(([label, value]) => [route.endsWith('timeline') ? 'timeline' : 'view', label, value, route])))(
      '%s: rejects asOf as %s (%s) with 400 naming asOf',
      async (_route, _label, value, route) => {
        const problem = await expectRejected(() => platform.http.get(`${route}?asOf=${encodeURIComponent(value)}`), 400);
        expect(problem.violations).toEqual([{ path: 'asOf', messages: [expect.stringMatching(/^asOf (must be an ISO 8601 date-time with seconds and an offset \(Z or ±hh:mm\)|is not a valid date and time)/)] }]);
      },
    );

    it.each(invalid)('segments refresh: rejects asOf as %s (%s) with 400 naming asOf, without running the pass', async (_label, value) => {
      const problem = await expectRejected(() => platform.http.post(`/v1/segments/refresh?asOf=${encodeURIComponent(value)}`), 400);
      expect(problem.violations).toEqual([{ path: 'asOf', messages: [expect.stringMatching(/^asOf (must be an ISO 8601 date-time|is not a valid date and time)/)] }]);
    });

    it('reads an offset as the same instant as its UTC form', async () => {
      const utc = await platform.http.get(`/v1/customers/${customerId}?asOf=${encodeURIComponent('2026-04-01T00:00:00Z')}`).expect(200);
      const local = await platform.http.get(`/v1/customers/${customerId}?asOf=${encodeURIComponent('2026-04-01T02:00:00+02:00')}`).expect(200);
      expect(local.body.view.asOf).toBe(utc.body.view.asOf);
      expect(local.body).toEqual(utc.body);
    });
  });

  describe('measures dates', () => {
    it.each(['2026-99-99', '2026-02-30', '2026-3-1', '20260301', '2026-03-01T00:00:00Z'])('rejects from=%s with 400 naming it', async (from) => {
      const problem = await expectRejected(() => platform.http.get(`/v1/agents/A-17/measures?from=${encodeURIComponent(from)}`), 400);
      expect(problem.violations).toEqual([{ path: 'from', messages: ['from must be a date YYYY-MM-DD'] }]);
    });

    it('accepts calendar dates, 29 February of a leap year included', async () => {
      await platform.http.get('/v1/teams/T-billing/measures?from=2024-02-29&to=2026-12-31').expect(200);
    });
  });

  describe('unknown fields named like Object.prototype members', () => {
    const NAMES = ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'constructor', '__proto__'];
    // Written as JSON text: an object literal cannot carry an own __proto__ key.
    const withKey = (json: string, key: string) => `{${JSON.stringify(key)}:{"x":1},${json.slice(1)}`;

    it.each(NAMES)('rejects %s on the envelope, in data and in a batch member with 400 naming the path', async (key) => {
      const event = purchase('C-proto');
      const envelope = await expectRejected(() => postBytes('/v1/events', withKey(JSON.stringify(event), key)), 400);
      expect(envelope.violations).toEqual([{ path: key, messages: [`property ${key} should not exist`] }]);
      const data = JSON.stringify(event).replace(/"data":(\{[^}]*\})/, (_all, inner: string) => `"data":${withKey(inner, key)}`);
      expect(pathsOf(await expectRejected(() => postBytes('/v1/events', data), 400))).toEqual([`data.${key}`]);
      expect(pathsOf(await expectRejected(() => postBytes('/v1/events/batch', `{"events":[${data}]}`), 400))).toEqual([`events[0].data.${key}`]);
      expect(pathsOf(await expectRejected(() => postBytes('/v1/events/batch', withKey(`{"events":[${JSON.stringify(event)}]}`, key)), 400))).toEqual([key]);
    });

    it.each(NAMES)('rejects the query parameter %s on GET /v1/customers', async (key) => {
      const problem = await expectRejected(() => platform.http.get(`/v1/customers?${encodeURIComponent(key)}=1`), 400);
      expect(pathsOf(problem)).toEqual([key]);
    });
  });

  describe('encoding and JSON syntax', () => {
    it('rejects bytes that are not UTF-8 instead of storing U+FFFD', async () => {
      const text = JSON.stringify(purchase('C-utf8', {}, { productCategory: 'CATEGORY' }));
      const [before, after] = text.split('CATEGORY');
      for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe9]]) {
        const problem = await expectRejected(() => postBytes('/v1/events', Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)])), 400);
        expect(problem).toMatchObject({ title: 'Body is not UTF-8', violations: [{ path: '', messages: ['body is not valid UTF-8'] }] });
      }
    });

    it('stores valid multi-byte UTF-8 as it was sent', async () => {
      const customerId = `C-${randomUUID()}`;
      await postBytes('/v1/events', Buffer.from(JSON.stringify(purchase(customerId, {}, { productCategory: 'livres-été-书' })), 'utf8')).expect(202);
      await settled();
      const view = await platform.http.get(`/v1/customers/${customerId}`).expect(200);
      expect(view.body.view.loyalty.behavioural.categories).toEqual(['livres-été-书']);
    });

    it('answers 415 for a charset other than UTF-8', async () => {
      const problem = await expectRejected(() => postBytes('/v1/events', JSON.stringify(purchase('C-cs')), { 'Content-Type': 'application/json; charset=iso-8859-1' }), 415);
      expect(problem.detail).toContain('iso-8859-1');
    });

    it.each([
      ['a string', '"PurchaseMade"', 'got a string'],
      ['a number', '42', 'got a number'],
      ['null', 'null', 'got null'],
      ['true', 'true', 'got a boolean'],
      ['an array', '[]', 'got an array'],
    ])('rejects %s as the top level of an event and of a batch with 400', async (_label, body, message) => {
      const event = await expectRejected(() => postBytes('/v1/events', body), 400);
      expect(event.violations).toEqual([{ path: '', messages: [expect.stringContaining(message)] }]);
      const batch = await expectRejected(() => postBytes('/v1/events/batch', body), 400);
      expect(batch.violations).toEqual([{ path: '', messages: [expect.stringContaining(message)] }]);
    });

    it('rejects malformed JSON with 400 and the parser message', async () => {
      const problem = await expectRejected(() => postBytes('/v1/events', '{"eventId": '), 400);
      expect(problem).toMatchObject({ title: 'Malformed JSON', violations: [{ path: '', messages: [expect.stringContaining('body is not valid JSON')] }] });
    });

    it('rejects a key repeated in one object (envelope, data, escaped spelling) with 400 naming it', async () => {
      const text = JSON.stringify(purchase('C-dup'));
      const cases: [string, string][] = [
        [text.replace('{', '{"type":"ContactLogged",'), 'type'],
        [text.replace('"data":{', '"data":{"amount":1,'), 'data.amount'],
        [text.replace('{', '{"\\u0074ype":"ContactLogged",'), 'type'],
        [`{"events":[${text}],"events":[]}`, 'events'],
      ];
      for (const [body, path] of cases) {
        const url = body.startsWith('{"events"') ? '/v1/events/batch' : '/v1/events';
        const problem = await expectRejected(() => postBytes(url, body), 400);
        expect(problem.violations).toEqual([{ path, messages: [expect.stringContaining('duplicate key')] }]);
      }
    });

    it.each([
      ['amount', '1e400'],
      ['amount', '123456789012345678901234567890'],
      ['amount', '-1e400'],
      ['quantity', '1e308'],
      ['quantity', '1.0000000000000002'],
    ])('rejects data.%s = %s with 400 naming the field', async (field, literal) => {
      const body = JSON.stringify(purchase('C-num')).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${literal}`);
      expect(pathsOf(await expectRejected(() => postBytes('/v1/events', body), 400))).toEqual([`data.${field}`]);
    });

    it('rejects a huge schemaVersion and expectedRevision-like numbers in the envelope with 400', async () => {
      const body = JSON.stringify(purchase('C-num')).replace('"schemaVersion":1', '"schemaVersion":1e400');
      expect(pathsOf(await expectRejected(() => postBytes('/v1/events', body), 400))).toEqual(['schemaVersion']);
    });
  });

  describe('a batch of many invalid events', () => {
    it('names the first 100 violations, counts them all, and stays small', async () => {
      const before = await head();
      const res = await platform.http.post('/v1/events/batch').send({ events: Array.from({ length: 1000 }, () => ({})) });
      expect(res.status).toBe(400);
      expect(res.text.length).toBeLessThan(20_000);
      expect(res.body).toMatchObject({ status: 400, violationCount: 6000, truncated: true });
      expect(res.body.violations).toHaveLength(100);
      expect(res.body.violations[0]).toEqual({ path: 'events[0].eventId', messages: ['eventId is required'] });
      expect(res.body.detail).toBe('6000 fields violated: events[0].eventId, events[0].type, events[0].customerId, events[0].occurredAt, events[0].source, events[0].data, events[1].eventId, events[1].type, events[1].customerId, events[1].occurredAt and 5990 more');
      expect(await head()).toBe(before);
    });

    it('says truncated: false with the count when every violation is listed', async () => {
      const res = await platform.http.post('/v1/events/batch').send({ events: [contact('C-1'), {}] }).expect(400);
      expect(res.body).toMatchObject({ violationCount: 6, truncated: false });
      expect(res.body.violations).toHaveLength(6);
    });
  });
});
