import request from 'supertest';
import { tempDir } from '@crm/testing';
import { PlatformHarness, purchase, startPlatform } from './platform-harness';

/** Security headers (helmet) on every answer; CORS off unless CORS_ORIGINS lists the origin. */
describe('security headers and CORS over HTTP (embedded platform)', () => {
  describe('default configuration: security headers, no CORS', () => {
    let dir: ReturnType<typeof tempDir>;
    let platform: PlatformHarness;
    beforeAll(async () => {
      dir = tempDir('crm-e2e-security-');
      platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
    });
    afterAll(async () => {
      await platform.close();
      dir.remove();
    });

    it.each([
      ['GET', '/health'],
      ['GET', '/v1/customers/C-nobody'],
      ['GET', '/v1/nowhere'],
      ['POST', '/v1/events'],
    ])('%s %s carries the security headers and the strict API policy', async (method, url) => {
      const res = method === 'GET' ? await platform.http.get(url) : await platform.http.post(url).send({});
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('serves the Swagger UI at /docs under a policy that lets it load (its scripts, its inline style), and its assets', async () => {
      const page = await platform.http.get('/docs').redirects(1).expect(200);
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toMatch(/style-src 'self'[^;]*'unsafe-inline'/);
      expect(csp).toMatch(/img-src 'self' data:/);
      expect(csp).toContain("frame-ancestors 'self'");
      const assets = [...page.text.matchAll(/(?:src|href)=["']([^"']+\.(?:js|css))["']/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        const url = new URL(asset, 'http://platform/docs').pathname; // as the browser resolves it from the page
        const res = await platform.http.get(url);
        expect([url, res.status]).toEqual([url, 200]);
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      }
      // Nothing in the page needs an inline script (the policy forbids them): the init is a file.
      expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
      await platform.http.get('/docs/openapi.json').expect(200);
    });

    it('serves the dashboard and its files without a key under a policy of its own: scripts, styles, fetches from itself only, nothing inline, never framed', async () => {
      const anonymous = request(platform.app.getHttpServer());
      const policy = "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";
      const page = await anonymous.get('/dashboard').expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toBe(policy);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      // No inline script, handler or style for the policy to refuse: everything is a file.
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text).not.toMatch(/\son[a-z]+=|\sstyle=|<style/i);
      const assets = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets.sort()).toEqual(['/dashboard/chart.umd.js', '/dashboard/dashboard.css', '/dashboard/dashboard.js']);
      for (const asset of [...assets, '/dashboard/api.js']) {
        const res = await anonymous.get(asset);
        expect([asset, res.status, res.headers['content-security-policy']]).toEqual([asset, 200, policy]);
        expect(res.headers['content-type']).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      }
      const missing = await anonymous.get('/dashboard/package.json').expect(404);
      expect(missing.headers['content-type']).toContain('application/problem+json');
      expect(missing.headers['content-security-policy']).toBe(policy);
      await anonymous.get('/dashboard/..%2F..%2Fpackage.json').expect(404);
      // The API beside it keeps its own policy, and its key.
      const api = await anonymous.get('/v1/segments').expect(401);
      expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
    });

    it('answers a preflight without any CORS header', async () => {
      const res = await platform.http.options('/v1/events').set('Origin', 'https://app.example.com').set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBeLessThan(500);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const get = await platform.http.get('/health').set('Origin', 'https://app.example.com');
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('CORS_ORIGINS set', () => {
    const allowed = 'https://app.example.com';
    let dir: ReturnType<typeof tempDir>;
    let platform: PlatformHarness;
    beforeAll(async () => {
      dir = tempDir('crm-e2e-cors-');
      platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', CORS_ORIGINS: `${allowed}, http://localhost:5173` });
    });
    afterAll(async () => {
      await platform.close();
      dir.remove();
    });

    it('answers a preflight from a listed origin 204 with the origin echoed, methods, headers, max-age', async () => {
      const res = await platform.http
        .options('/v1/events')
        .set('Origin', allowed)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-request-id');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(allowed);
      expect(res.headers.vary).toMatch(/Origin/);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toBe('Content-Type,Authorization,Last-Event-ID,X-Request-Id');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('echoes a listed origin on a simple request, and the second listed origin too', async () => {
      const res = await platform.http.post('/v1/events').set('Origin', 'http://localhost:5173').send(purchase('C-cors')).expect(202);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(res.headers.vary).toMatch(/Origin/);
    });

    it.each(['https://evil.example.com', 'https://app.example.com.evil.com', 'http://app.example.com', 'https://APP.example.com', 'null'])(
      'gives %s no CORS header (preflight or request)',
      async (origin) => {
        const preflight = await platform.http.options('/v1/events').set('Origin', origin).set('Access-Control-Request-Method', 'POST');
        expect(preflight.status).toBeLessThan(500);
        expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
        const get = await platform.http.get('/health').set('Origin', origin);
        expect(get.headers['access-control-allow-origin']).toBeUndefined();
      },
    );
  });
});
