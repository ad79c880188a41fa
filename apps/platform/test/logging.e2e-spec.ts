import { randomUUID } from 'node:crypto';
import { clientApiKey } from '@crm/config';
import { spawnService, tempDir, waitFor, within } from '@crm/testing';
import { purchase } from './platform-harness';

jest.setTimeout(90_000);

type Line = { level: string; time: string; service: string; msg: string; reqId?: string; req?: { method: string; url: string }; res?: { statusCode: number }; route?: string; key?: string; correlationId?: string; responseTime?: number; context?: string };

/**
 * The platform's logs as an on-call engineer reads them: JSON lines (LOG_FORMAT=json, or no
 * terminal), one access-log line per request with its id echoed in X-Request-Id, the event's
 * correlationId, and no secret on any line.
 */
describe('structured logs (the platform process)', () => {
  it('writes JSON lines with level, service and request id; an access line per request; no key in the log', async () => {
    const dir = tempDir('crm-e2e-logs-');
    const service = spawnService('platform', { DATA_DIR: dir.path, LOG_LEVEL: 'log', LOG_FORMAT: 'json', SEGMENTATION_INTERVAL_SEC: '0' });
    try {
      const port = await within(service.ready, 45_000, `the platform to listen:\n${service.output()}`);
      const key = clientApiKey({}, dir.path)!;
      const base = `http://127.0.0.1:${port}`;
      const correlationId = `corr-${randomUUID()}`;
      const event = { ...purchase(`C-${randomUUID()}`), correlationId };
      const published = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-request-id': 'call-centre-42' }, body: JSON.stringify(event) });
      expect(published.status).toBe(202);
      expect(published.headers.get('x-request-id')).toBe('call-centre-42');
      const refused = await fetch(`${base}/v1/customers/C-1`);
      expect(refused.status).toBe(401);
      const generated = refused.headers.get('x-request-id')!;
      expect(generated).toMatch(/^[0-9a-f-]{36}$/);
      // A hostile id is replaced, not logged as given.
      const odd = await fetch(`${base}/health/live`, { headers: { 'x-request-id': 'a b\u00e9"}' } });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      const lines = () =>
        service
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Line);
      const access = await waitFor(() => lines().find((l) => l.reqId === 'call-centre-42' && l.res !== undefined), { timeoutMs: 10_000, message: 'the access line' });
      expect(access).toMatchObject({ level: 'info', service: 'platform', route: '/v1/events', key: 'local-admin', correlationId, res: { statusCode: 202 }, req: { method: 'POST', url: '/v1/events' } });
      expect(access.msg).toMatch(/^POST \/v1\/events 202 [\d.]+ ms$/);
      expect(Date.parse(access.time)).toBeGreaterThan(0);
      const unauthenticated = lines().find((l) => l.reqId === generated && l.res !== undefined)!;
      expect(unauthenticated).toMatchObject({ level: 'warn', route: '/v1/customers/:id', res: { statusCode: 401 } });
      // Nest's own lines are JSON too, with their context.
      expect(lines().some((l) => l.context === 'NestApplication' && l.level === 'info')).toBe(true);
      // Every line that is not JSON is the one readiness line of runService.
      const other = service.output().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
      expect(other).toEqual([expect.stringMatching(/^platform \(embedded: sqlite\/in-process\/sqlite\) on http:\/\/localhost:\d+/)]);
      // The key appears once, where the first start prints it on purpose, and nowhere else.
      expect(service.output().split(key).length - 1).toBe(1);
      expect(lines().find((l) => l.msg.includes(key))?.msg).toMatch(/^first start: generated API key/);
      // No request header is logged: neither the key headers nor any other.
      expect(service.output()).not.toMatch(/"(authorization|x-api-key|headers)"\s*:/i);
    } finally {
      await service.kill9();
      dir.remove();
    }
  });
});
