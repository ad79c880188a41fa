import { DEFAULT_POLICY } from '@crm/domain';
import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { clientApiKey } from '@crm/config';
import { createServiceApp } from '@crm/infrastructure';
import { RelationshipProjection } from '@crm/projection';
import { QueryModule } from '@crm/query-api';
import { ReadStore } from '@crm/read-store';
import { ServiceProcess, spawnService, waitFor } from '@crm/testing';
import { agentWithKey, recordServerErrors } from './platform-harness';
import { cleanReplay, distributedEnv, foldedEvents, redisStore, trafficOf, viewsIn } from './distributed-fixture';

jest.setTimeout(240_000);

const TOTAL = 6000;
const candidate = { ...DEFAULT_POLICY, policyVersion: 'distributed-bg-1', lifecycle: { ...DEFAULT_POLICY.lifecycle, dissolution: { ...DEFAULT_POLICY.lifecycle.dissolution, inactivityDays: 30 } } };

/** The views without what a population pass adds at its own time (the segment). */
function withoutSegments(views: Map<string, { position: number; view: { segment?: unknown } }>) {
  return new Map([...views].map(([id, { position, view }]) => [id, { position, view: { ...view, segment: undefined } }]));
}

describe('blue-green rebuild in distributed mode (Redis keyspaces, a projector in another process)', () => {
  const running: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
  });

  it('builds the new keyspace while the projector process folds live events, every read answers 200, and the projector follows the switch', async () => {
    const deployment = distributedEnv({ GENERATION_POLL_MS: '200', SEGMENTATION_INTERVAL_SEC: '0' });
    const prefix = deployment.env.REDIS_KEY_PREFIX;
    const stores: ReadStore[] = [];
    const query = await createServiceApp('query-api', deployment.config(), [QueryModule], { logger: ['error'] });
    await query.init();
    const serverErrors = recordServerErrors(query);
    const http = agentWithKey(query, clientApiKey({}, deployment.dir.path));
    try {
      for (const app of ['relay', 'projector'] as const) running.push(spawnService(app, deployment.env));
      await Promise.all(running.map((p) => p.ready));
      const events = trafficOf(TOTAL, 200, 7);
      const store = SqliteEventStore.open({ dataDir: deployment.dir.path });
      // A first half before the rebuild, folded into generation 0 by the projector process.
      await appendByCustomer(store, events.slice(0, TOTAL / 2));
      const base = await redisStore(prefix);
      stores.push(base);
      await waitFor(async () => (await foldedEvents(base)) === TOTAL / 2, { timeoutMs: 60_000, message: `first half folded\n${running[1].output()}` });

      const ids = [...new Set(events.map((e) => e.customerId))];
      const statuses = new Map<number, number>();
      let reading = true;
      const reader = (async () => {
        for (let i = 0; reading; i++) {
          const res = await http.get(`/v1/customers/${ids[i % ids.length]}`);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      })();
      const started = await http.post('/v1/admin/rebuilds').send({ policy: candidate }).expect(202);
      // The second half while it builds, catches up, switches and settles.
      const writing = (async () => {
        for (let i = TOTAL / 2; i < TOTAL; i += 100) {
          await appendByCustomer(store, events.slice(i, i + 100));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      let status = started.body;
      await waitFor(async () => ['done', 'failed', 'cancelled'].includes((status = (await http.get(started.headers.location).expect(200)).body).phase), {
        timeoutMs: 120_000,
        intervalMs: 50,
        message: 'the rebuild',
      });
      await writing;
      await store.close();
      expect(status).toMatchObject({ phase: 'done', generation: 1, error: null });

      const served = await redisStore(`${prefix}g1:`);
      stores.push(served);
      await waitFor(async () => (await foldedEvents(served)) === TOTAL, { timeoutMs: 60_000, message: `all events in generation 1\n${running[1].output()}` });
      reading = false;
      await reader;
      const reads = [...statuses.values()].reduce((a, b) => a + b, 0);
      expect(Object.fromEntries(statuses)).toEqual({ 200: reads });
      // Generation 0 is dropped, generation 1 equals a clean replay under the candidate policy.
      expect(await base.countViews()).toBe(0);
      expect(withoutSegments(await viewsIn(served))).toEqual(withoutSegments(await cleanReplay(deployment.dir.path, new RelationshipProjection(candidate))));
      // The projector process moved too: its health names generation 1.
      const projectorHealth = await fetch(`http://127.0.0.1:${await running[1].ready}/health`).then((r) => r.json() as Promise<{ checks: Record<string, unknown> }>);
      expect(projectorHealth.checks.readStore).toMatchObject({ generation: 1 });
    } finally {
      await query.close();
      serverErrors.assertNone();
      for (const p of ['control:', 'g1:', '']) {
        const s = await redisStore(`${prefix}${p}`);
        await s.clear();
        await s.close();
      }
      for (const s of stores) await s.close();
      deployment.dir.remove();
    }
  });
});
