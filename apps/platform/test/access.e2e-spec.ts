import { Controller, Get, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { clientApiKey, loadConfig } from '@crm/config';
import { GENERATED_KEY_NAME, Scope, createServiceApp } from '@crm/infrastructure';
import { spawnService, tempDir, testApiKeys, within } from '@crm/testing';
import { PlatformHarness, purchase, startPlatform } from './platform-harness';

type Json = { [key: string]: any };

const KEYS = { publisher: ['publish'], reader: ['read'], pii: ['read-pii'], operator: ['admin'] } satisfies Record<string, Scope[]>;
type KeyName = keyof typeof KEYS;

/**
 * Every route of the platform with the scopes that may call it, as the product defines them: a
 * route added without a line here fails the test that compares this table with the OpenAPI
 * document. Each request is one the route would accept or refuse with a 4xx of its own, never a
 * long job (a rebuild body that does not validate, a what-if of an unknown id).
 */
const ROUTES: { method: 'get' | 'post' | 'delete'; path: string; openapi: string; scopes: Scope[]; body?: unknown }[] = [
  { method: 'post', path: '/v1/events', openapi: '/v1/events', scopes: ['publish'], body: {} },
  { method: 'post', path: '/v1/events/batch', openapi: '/v1/events/batch', scopes: ['publish'], body: { events: [] } },
  { method: 'get', path: '/v1/schemas', openapi: '/v1/schemas', scopes: ['publish', 'read', 'admin'] },
  { method: 'get', path: '/v1/schemas/PurchaseMade', openapi: '/v1/schemas/{type}', scopes: ['publish', 'read', 'admin'] },
  { method: 'get', path: '/v1/customers/C-1', openapi: '/v1/customers/{id}', scopes: ['read'] },
  { method: 'get', path: '/v1/customers/C-1/timeline', openapi: '/v1/customers/{id}/timeline', scopes: ['read'] },
  { method: 'get', path: '/v1/customers', openapi: '/v1/customers', scopes: ['read'] },
  { method: 'delete', path: '/v1/customers/C-nobody/personal-data', openapi: '/v1/customers/{id}/personal-data', scopes: ['admin'] },
  { method: 'get', path: '/v1/win-back', openapi: '/v1/win-back', scopes: ['read'] },
  { method: 'get', path: '/v1/segments', openapi: '/v1/segments', scopes: ['read'] },
  { method: 'get', path: '/v1/agents', openapi: '/v1/agents', scopes: ['read'] },
  { method: 'get', path: '/v1/teams', openapi: '/v1/teams', scopes: ['read'] },
  { method: 'get', path: '/v1/agents/A-1/measures', openapi: '/v1/agents/{id}/measures', scopes: ['read'] },
  { method: 'get', path: '/v1/teams/T-1/measures', openapi: '/v1/teams/{id}/measures', scopes: ['read'] },
  { method: 'get', path: '/v1/changes?lastEventId=x', openapi: '/v1/changes', scopes: ['read'] },
  { method: 'post', path: '/v1/segments/refresh', openapi: '/v1/segments/refresh', scopes: ['admin'], body: { asOf: 'never' } },
  { method: 'post', path: '/v1/admin/what-if', openapi: '/v1/admin/what-if', scopes: ['admin'], body: { policy: 'none' } },
  { method: 'get', path: '/v1/admin/what-if/unknown', openapi: '/v1/admin/what-if/{id}', scopes: ['admin'] },
  { method: 'get', path: '/v1/admin/dead-letters', openapi: '/v1/admin/dead-letters', scopes: ['admin'] },
  { method: 'post', path: '/v1/admin/dead-letters/redrive', openapi: '/v1/admin/dead-letters/redrive', scopes: ['admin'], body: { eventIds: 'none' } },
  { method: 'post', path: '/v1/admin/rebuilds', openapi: '/v1/admin/rebuilds', scopes: ['admin'], body: { keep: 'yes' } },
  { method: 'get', path: '/v1/admin/rebuilds', openapi: '/v1/admin/rebuilds', scopes: ['admin'] },
  { method: 'get', path: '/v1/admin/rebuilds/unknown', openapi: '/v1/admin/rebuilds/{id}', scopes: ['admin'] },
  { method: 'delete', path: '/v1/admin/rebuilds/unknown', openapi: '/v1/admin/rebuilds/{id}', scopes: ['admin'] },
  { method: 'get', path: '/v1/admin/generations', openapi: '/v1/admin/generations', scopes: ['admin'] },
];
const OPEN_ROUTES = ['GET /health', 'GET /health/live'];

const holds = (key: KeyName, scopes: Scope[]) => scopes.some((scope) => (KEYS[key] as Scope[]).includes(scope) || (scope === 'read' && key === 'pii'));

describe('access: API keys, scopes and rate limits (embedded platform)', () => {
  const keys = testApiKeys({ ...KEYS, limited: ['read'] });
  // Three requests a second for `limited`: its own rate; the others have a rate the test does not reach.
  const API_KEYS = keys.API_KEYS.split(';').map((line) => (line.startsWith('limited ') ? `${line} rate=3/s` : `${line} rate=100000/s`)).join(';');
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;
  let http: ReturnType<typeof request>;
  let document: Json;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-access-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', API_KEYS });
    await platform.app.listen(0, '127.0.0.1');
    http = request(platform.app.getHttpServer());
    document = (await http.get('/docs/openapi.json').expect(200)).body;
  });
  afterAll(async () => {
    await platform?.close();
    dir.remove();
  });

  const send = (route: (typeof ROUTES)[number], headers: Record<string, string>) => {
    const call = http[route.method](route.path).set(headers);
    if (route.path.startsWith('/v1/changes')) call.buffer(false).timeout({ response: 5000 });
    return route.body === undefined ? call : call.send(route.body as object);
  };
  /** The answer's status; a stream that opened (200) is ended at once. */
  const statusOf = async (route: (typeof ROUTES)[number], headers: Record<string, string>): Promise<{ status: number; body: Json; headers: Record<string, string> }> => {
    if (route.path.startsWith('/v1/changes')) {
      const { port } = platform.app.getHttpServer().address() as { port: number };
      const controller = new AbortController();
      const response = await fetch(`http://127.0.0.1:${port}${route.path}`, { headers, signal: controller.signal });
      const body = response.status === 200 ? {} : ((await response.json()) as Json);
      controller.abort();
      return { status: response.status, body, headers: Object.fromEntries(response.headers) };
    }
    const response = await send(route, headers);
    return { status: response.status, body: response.body as Json, headers: response.headers as Record<string, string> };
  };

  it('lists every route of the OpenAPI document in the table above, with the same scopes, and the open ones without security', () => {
    const documented = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation: operation as Json })),
    );
    const table = new Map(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.openapi}`, r.scopes]));
    for (const { route, operation } of documented) {
      if (OPEN_ROUTES.includes(route)) {
        expect({ route, security: operation.security ?? [] }).toEqual({ route, security: [{}] });
        continue;
      }
      expect({ route, scopes: operation['x-required-scopes'] }).toEqual({ route, scopes: table.get(route) });
      expect({ route, security: operation.security }).toEqual({ route, security: [{ 'api-key': [] }] });
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
    expect(documented.map((d) => d.route).sort()).toEqual([...table.keys(), ...OPEN_ROUTES].sort());
    expect(document.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lets each key call exactly the routes of its scopes: 403 problem+json naming the scope elsewhere', async () => {
    const table: string[] = [];
    for (const route of ROUTES) {
      for (const key of Object.keys(KEYS) as KeyName[]) {
        const answer = await statusOf(route, keys.header(key));
        const allowed = holds(key, route.scopes);
        table.push(`${route.method.toUpperCase()} ${route.path} ${key}: ${allowed ? (answer.status === 403 || answer.status === 401 ? `refused ${answer.status}` : 'allowed') : answer.status === 403 ? 'refused 403' : `answered ${answer.status}`}`);
        if (!allowed && answer.status === 403) {
          expect(answer.headers['content-type']).toContain('application/problem+json');
          expect(answer.body).toMatchObject({ status: 403, requiredScopes: route.scopes, detail: expect.stringContaining(`the key "${key}" has`) });
        }
        expect(answer.status).toBeLessThan(500);
      }
    }
    const expected = ROUTES.flatMap((route) =>
      (Object.keys(KEYS) as KeyName[]).map((key) => `${route.method.toUpperCase()} ${route.path} ${key}: ${holds(key, route.scopes) ? 'allowed' : 'refused 403'}`),
    );
    expect(table).toEqual(expected);
  });

  it('answers 401 problem+json with WWW-Authenticate to no key, an unknown key and malformed headers, on every route', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer crm_not_a_configured_key' },
      { Authorization: `Bearer ${keys.keys.operator}x` },
      { Authorization: 'Basic b3BlcmF0b3I6c2VjcmV0' },
      { Authorization: 'Bearer' },
      { Authorization: `bearer ${keys.keys.operator.slice(0, -1)}` },
      { 'X-API-Key': '' },
      { 'X-API-Key': "' OR 1=1 --" },
    ];
    for (const route of ROUTES) {
      for (const headers of attempts) {
        const answer = await statusOf(route, headers);
        expect({ route: route.path, headers, status: answer.status }).toEqual({ route: route.path, headers, status: 401 });
        expect(answer.headers['content-type']).toContain('application/problem+json');
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="crm"/);
        expect(answer.body).toMatchObject({ status: 401, type: expect.stringContaining('unauthenticated') });
      }
    }
    // The unknown key is told apart (RFC 6750 invalid_token) from no key at all.
    expect((await statusOf(ROUTES[4], { Authorization: 'Bearer crm_unknown' })).headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await statusOf(ROUTES[4], {})).headers['www-authenticate']).toBe('Bearer realm="crm"');
  });

  it('accepts the key as X-API-Key too, but not two keys at once', async () => {
    await http.get('/v1/customers').set('X-API-Key', keys.keys.reader).expect(200);
    const both = await http.get('/v1/customers').set('X-API-Key', keys.keys.reader).set(keys.header('reader')).expect(401);
    expect(both.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('stores nothing for a refused publish', async () => {
    const customerId = `C-${randomUUID()}`;
    await http.post('/v1/events').set(keys.header('reader')).send(purchase(customerId)).expect(403);
    await http.post('/v1/events').send(purchase(customerId)).expect(401);
    const stored = await http.post('/v1/events').set(keys.header('publisher')).send(purchase(customerId)).expect(202);
    await platform.projector.runner.waitForPosition(stored.body.position, 10_000);
    const view = await http.get(`/v1/customers/${customerId}`).set(keys.header('reader')).expect(200);
    expect(view.body.view.eventCounts.PurchaseMade).toBe(1);
  });

  it('keeps liveness, readiness and the API documentation open', async () => {
    await http.get('/health/live').expect(200);
    await http.get('/health').expect(200);
    await http.get('/docs/openapi.json').expect(200);
    await http.get('/docs').expect(200);
  });

  it('limits each key to its rate: 429 problem+json with Retry-After, the other keys unaffected, and again after the window', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      const response = await http.get('/v1/customers').set(keys.header('limited'));
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    // A window may turn over between two requests: at least 3 and at most 6 pass, and the first 3 always.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(limited!.headers['content-type']).toContain('application/problem+json');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toMatchObject({ status: 429, retriable: true, detail: expect.stringContaining('"limited" may make 3 requests per second') });
    await http.get('/v1/customers').set(keys.header('reader')).expect(200);
    await new Promise((resolve) => setTimeout(resolve, Number(limited!.headers['retry-after']) * 1000 + 50));
    await http.get('/v1/customers').set(keys.header('limited')).expect(200);
  });
});

describe('access: a route nobody marked', () => {
  @Controller('unmarked')
  class UnmarkedController {
    @Get()
    get() {
      return { ok: true };
    }
  }
  @Module({ controllers: [UnmarkedController] })
  class UnmarkedModule {}

  it('needs admin', async () => {
    const dir = tempDir('crm-e2e-unmarked-');
    const keys = testApiKeys({ reader: ['read', 'read-pii', 'publish'], operator: ['admin'] });
    let app: NestExpressApplication | undefined;
    try {
      app = await createServiceApp('unmarked', loadConfig({ DATA_DIR: dir.path, API_KEYS: keys.API_KEYS }), [UnmarkedModule], { logger: ['error'] });
      await app.init();
      await request(app.getHttpServer()).get('/unmarked').set(keys.header('reader')).expect(403);
      await request(app.getHttpServer()).get('/unmarked').set(keys.header('operator')).expect(200);
    } finally {
      await app?.close();
      dir.remove();
    }
  });
});

describe('access: the embedded default, out of the box', () => {
  it('generates a key with every scope on first start, prints it once, keeps it in DATA_DIR, and refuses requests without it', async () => {
    const dir = tempDir('crm-e2e-first-start-');
    const first = spawnService('platform', { DATA_DIR: dir.path, LOG_LEVEL: 'log', SEGMENTATION_INTERVAL_SEC: '0' });
    try {
      const port = await within(first.ready, 45_000, `the platform to listen:\n${first.output()}`);
      const key = clientApiKey({}, dir.path)!;
      // Printed once, in the log (JSON lines here: no terminal).
      const messages = first.output().split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(messages.filter((m) => m.includes(key))).toEqual([expect.stringContaining(`generated API key "${GENERATED_KEY_NAME}" (all scopes): ${key}`)]);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/v1/customers`)).status).toBe(401);
      expect((await fetch(`${base}/v1/customers`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
      expect((await fetch(`${base}/v1/admin/generations`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
      await first.stop();
      // The second start uses the same key and does not print it again.
      const second = spawnService('platform', { DATA_DIR: dir.path, LOG_LEVEL: 'log', SEGMENTATION_INTERVAL_SEC: '0' });
      try {
        const again = await within(second.ready, 45_000, `the platform to listen again:\n${second.output()}`);
        expect(second.output()).not.toContain(key);
        expect((await fetch(`http://127.0.0.1:${again}/v1/customers`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
      } finally {
        await second.kill9();
      }
    } finally {
      await first.kill9();
      dir.remove();
    }
  }, 120_000);
});
