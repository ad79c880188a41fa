import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { ProjectedView } from '@crm/projection';
import { ReadStore } from '@crm/read-store';
import { ServiceProcess, spawnService, waitFor } from '@crm/testing';
import { cleanReplay, distributedEnv, foldedEvents, redisStore, trafficOf, viewsIn } from './distributed-fixture';

jest.setTimeout(240_000);

const TOTAL = 10_000;

/** Appends the traffic in chunks while `during` runs (so kills land mid-stream). */
async function streamInto(dataDir: string, total: number, chunk: number, pauseMs: number) {
  const store = SqliteEventStore.open({ dataDir });
  const events = trafficOf(total, 300);
  try {
    for (let i = 0; i < events.length; i += chunk) {
      await appendByCustomer(store, events.slice(i, i + chunk));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  } finally {
    await store.close();
  }
}

async function expectEqualToCleanReplay(dataDir: string, readStore: ReadStore) {
  const expected = await cleanReplay(dataDir);
  const actual = await viewsIn(readStore);
  expect(actual.size).toBe(expected.size);
  for (const [id, view] of expected) expect(actual.get(id)).toEqual(view);
}

describe('distributed mode survives kill -9', () => {
  const running: ServiceProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
  });

  const start = (app: 'relay' | 'projector', env: Record<string, string>, name?: string) => {
    const service = spawnService(app, env, name);
    running.push(service);
    return service;
  };

  it('kills the relay and the projector mid-stream of 10,000 events: views equal a clean replay, none lost, none doubled', async () => {
    const deployment = distributedEnv();
    const readStore = await redisStore(deployment.env.REDIS_KEY_PREFIX);
    // The relay keeps its checkpoint in the control keyspace (it outlives the generations of the views).
    const control = await redisStore(`${deployment.env.REDIS_KEY_PREFIX}control:`);
    try {
      let relay = start('relay', deployment.env);
      let projector = start('projector', deployment.env);
      await Promise.all([relay.ready, projector.ready]);
      const streaming = streamInto(deployment.dir.path, TOTAL, 250, 20);

      const relayCheckpoint = () => control.getCheckpoint(`relay:${deployment.env.KAFKA_TOPIC_PREFIX}crm.interactions.v1`);
      await waitFor(async () => (await relayCheckpoint()) > 2000, { timeoutMs: 60_000, message: `relay past 2,000 events\n${relay.output()}` });
      await relay.kill9();
      await waitFor(async () => (await foldedEvents(readStore)) > 1000, { timeoutMs: 60_000, message: `projector past 1,000 events\n${projector.output()}` });
      await projector.kill9();

      relay = start('relay', deployment.env, 'relay-2');
      projector = start('projector', deployment.env, 'projector-2');
      await streaming;
      await waitFor(async () => (await foldedEvents(readStore)) === TOTAL, {
        timeoutMs: 120_000,
        intervalMs: 250,
        message: `all ${TOTAL} events folded\n${relay.output()}\n${projector.output()}`,
      });
      await expectEqualToCleanReplay(deployment.dir.path, readStore);
    } finally {
      await control.clear();
      await control.close();
      await readStore.clear();
      await readStore.close();
      deployment.dir.remove();
    }
  });

  it('scales out: three projectors in one group over six partitions, one killed mid-stream, views still equal a clean replay', async () => {
    const deployment = distributedEnv({ KAFKA_PARTITIONS: '6' });
    const readStore = await redisStore(deployment.env.REDIS_KEY_PREFIX);
    try {
      const relay = start('relay', deployment.env);
      const projectors = [0, 1, 2].map((i) => start('projector', deployment.env, `projector-${i}`));
      await Promise.all([relay.ready, ...projectors.map((p) => p.ready)]);
      const streaming = streamInto(deployment.dir.path, TOTAL, 250, 20);
      await waitFor(async () => (await foldedEvents(readStore)) > 2000, { timeoutMs: 90_000, message: 'projectors past 2,000 events' });
      await projectors[1].kill9();
      await streaming;
      await waitFor(async () => (await foldedEvents(readStore)) === TOTAL, {
        timeoutMs: 120_000,
        intervalMs: 250,
        message: `all ${TOTAL} events folded by the survivors\n${projectors.map((p) => p.output()).join('\n')}`,
      });
      await expectEqualToCleanReplay(deployment.dir.path, readStore);
      const views = await viewsIn(readStore);
      expect([...views.values()].every((v) => (v.view as ProjectedView).projectionVersion)).toBe(true);
    } finally {
      await readStore.clear();
      await readStore.close();
      deployment.dir.remove();
    }
  });
});
