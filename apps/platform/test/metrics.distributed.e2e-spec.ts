import request from 'supertest';
import { waitFor } from '@crm/testing';
import { DistributedApps, distributedEnv, startDistributedApps, trafficOf } from './distributed-fixture';
import { sampleOf } from './prometheus-text';

jest.setTimeout(120_000);

/** The Kafka projector's lag per partition, in readiness and in /metrics, through a burst. */
describe('projector lag per partition (Kafka, Redis)', () => {
  const deployment = distributedEnv({ KAFKA_PARTITIONS: '3' });
  let apps: DistributedApps | undefined;

  beforeAll(async () => {
    apps = await startDistributedApps('metrics', deployment);
  });
  afterAll(async () => {
    await apps?.close();
  });

  it('reports each partition it folds, its lag going to 0 after a burst, in /health and /metrics', async () => {
    const events = trafficOf(1500, 300, 11);
    for (let at = 0; at < events.length; at += 500) await apps!.http.post('/v1/events/batch').send({ events: events.slice(at, at + 500) }).expect(202);
    const health = await waitFor(async () => {
      const body = (await apps!.http.get('/health')).body as { checks: { projector: { applied: number; lag: Record<string, { events: number; seconds: number }> } } };
      const { applied, lag } = body.checks.projector;
      return applied >= events.length && Object.keys(lag).length === 3 && Object.values(lag).every((p) => p.events === 0) ? body.checks.projector : undefined;
    }, { timeoutMs: 60_000, message: 'every partition folded, lag 0' });
    expect(Object.keys(health.lag).sort()).toEqual(['0', '1', '2']);
    const text = (await request(apps!.app.getHttpServer()).get('/metrics').expect(200)).text;
    for (const partition of ['0', '1', '2']) {
      expect({ partition, events: sampleOf(text, 'crm_projector_lag_events', { partition }) }).toEqual({ partition, events: 0 });
      expect(sampleOf(text, 'crm_projector_lag_seconds', { partition })).toBe(0);
    }
    expect(sampleOf(text, 'crm_relay_lag_events')).toBe(0);
    expect(sampleOf(text, 'crm_relay_events_total')).toBe(events.length);
    expect(sampleOf(text, 'crm_projector_events_total')).toBe(events.length);
  });
});
