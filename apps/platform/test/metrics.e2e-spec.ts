import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { tempDir, waitFor } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';
import { sampleOf } from './prometheus-text';

jest.setTimeout(60_000);

/** GET /metrics: the Prometheus text format, what it counts, and the projector's lag through a burst. */
describe('GET /metrics (embedded platform)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;
  const scrape = async () => {
    const res = await request(platform.app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.text;
  };

  beforeAll(async () => {
    dir = tempDir('crm-e2e-metrics-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
  });
  afterAll(async () => {
    await platform?.close();
    dir.remove();
  });

  it('is open (no key), in the Prometheus text format, with the process, HTTP and ingest metrics', async () => {
    const customerId = `C-${randomUUID()}`;
    await platform.http.post('/v1/events').send(purchase(customerId)).expect(202);
    await platform.http.post('/v1/events').send({ type: 'PurchaseMade' }).expect(400);
    await platform.http.get(`/v1/customers/C-${randomUUID()}`).expect(404);
    const text = await scrape();
    for (const name of ['crm_process_cpu_user_seconds_total', 'crm_nodejs_eventloop_lag_p99_seconds', 'crm_store_append_duration_seconds_count', 'crm_projector_fold_duration_seconds_count']) {
      expect({ name, present: text.includes(`${name} `) || text.includes(`${name}{`) }).toEqual({ name, present: true });
    }
    expect(sampleOf(text, 'crm_events_ingested_total', { type: 'PurchaseMade', status: 'stored' })).toBe(1);
    expect(sampleOf(text, 'crm_events_rejected_total', { reason: 'validation' })).toBe(1);
    expect(sampleOf(text, 'crm_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' })).toBe(1);
    // The route pattern, never the id.
    expect(sampleOf(text, 'crm_http_requests_total', { method: 'GET', route: '/v1/customers/:id', status: '404' })).toBe(1);
    expect(text).not.toContain(customerId);
  });

  it('shows the lag of a burst the projector has not folded, and the lag going to 0 once it has', async () => {
    const first = await platform.http.post('/v1/events').send(contact(`C-${randomUUID()}`)).expect(202);
    await platform.projector.runner.waitForPosition(first.body.position, 10_000);
    expect(sampleOf(await scrape(), 'crm_projector_lag_events', { partition: 'log' })).toBe(0);
    const foldedBefore = sampleOf(await scrape(), 'crm_projector_events_total') ?? 0;

    // The projector paused, a burst of 2,000 events of 400 customers.
    await platform.projector.runner.stop();
    const events = Array.from({ length: 2000 }, (_, i) => contact(`C-burst-${i % 400}`, { occurredAt: new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString() }));
    for (let at = 0; at < events.length; at += 500) await platform.http.post('/v1/events/batch').send({ events: events.slice(at, at + 500) }).expect(202);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const behind = await scrape();
    expect(sampleOf(behind, 'crm_projector_lag_events', { partition: 'log' })).toBe(2000);
    expect(sampleOf(behind, 'crm_projector_lag_seconds', { partition: 'log' })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(behind, 'crm_events_ingested_total', { type: 'ContactLogged', status: 'stored' })).toBe(2001);

    await platform.projector.runner.start();
    const caughtUp = await waitFor(async () => {
      const text = await scrape();
      return sampleOf(text, 'crm_projector_lag_events', { partition: 'log' }) === 0 ? text : undefined;
    }, { timeoutMs: 30_000, message: 'the lag back to 0' });
    expect(sampleOf(caughtUp, 'crm_projector_lag_seconds', { partition: 'log' })).toBe(0);
    expect((sampleOf(caughtUp, 'crm_projector_events_total') ?? 0) - foldedBefore).toBe(2000);
    expect(sampleOf(caughtUp, 'crm_projector_batch_events_count')).toBeGreaterThan(0);
  });

  it('times the population pass', async () => {
    await platform.http.post('/v1/segments/refresh').send({}).expect(200);
    expect(sampleOf(await scrape(), 'crm_population_pass_duration_seconds_count')).toBe(1);
  });
});
