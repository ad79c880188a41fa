import { randomUUID } from 'node:crypto';
import { AppConfig, clientApiKey, loadConfig } from '@crm/config';
import { CUSTOMER_STREAM_PREFIX, InteractionEvent, sampleEvent } from '@crm/contracts';
import { SqliteEventStore, toStoredInteractionEvent } from '@crm/event-store';
import { CustomerProjection, ProjectedView, ProjectionRunner, createCustomerProjection } from '@crm/projection';
import { ReadStore, RedisReadStore, SqliteReadStore } from '@crm/read-store';
import { createServiceApp, topicNames } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { IncomingMessage, KafkaBroker, KafkaPublisher, createKafka } from '@crm/messaging';
import { ProjectorModule } from '@crm/projector';
import { QueryModule } from '@crm/query-api';
import { RelayModule } from '@crm/relay';
import { tempDir, waitFor } from '@crm/testing';
import { agentWithKey, recordServerErrors } from './platform-harness';

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A distributed deployment of its own on the shared broker and Redis: unique topics, group, key prefix, data dir. */
export function distributedEnv(extra: Record<string, string> = {}) {
  const id = randomUUID().slice(0, 8);
  const dir = tempDir('crm-dist-');
  const env: Record<string, string> = {
    DATA_DIR: dir.path,
    EVENT_STORE: 'sqlite',
    TRANSPORT: 'kafka',
    READ_STORE: 'redis',
    KAFKA_BROKERS,
    REDIS_URL,
    KAFKA_TOPIC_PREFIX: `t-${id}.`,
    REDIS_KEY_PREFIX: `t-${id}:`,
    PROJECTOR_GROUP_ID: `projector-${id}`,
    STORE_POLL_MS: '20',
    ...extra,
  };
  return { env, dir, config: (): AppConfig => loadConfig(env) };
}

/** Deterministic traffic: contacts and purchases spread over `customers`. */
export function trafficOf(count: number, customers: number, seed = 1): InteractionEvent[] {
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, (_, i): InteractionEvent => {
    const customerId = `C-${Math.floor(next() * customers)}`;
    const occurredAt = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString();
    const envelope = { eventId: randomUUID(), customerId, occurredAt, source: 'test' };
    return next() < 0.3
      ? sampleEvent('PurchaseMade', { ...envelope, data: { orderId: `O-${i}`, amount: 100 + Math.floor(next() * 10_000), productCategory: ['books', 'music', 'games'][i % 3], productId: `P-${i % 17}` } })
      : sampleEvent('ContactLogged', envelope);
  });
}


/** The views a clean replay of the whole store gives (under the default policy, or `projection`'s), by customer id. */
export async function cleanReplay(dataDir: string, projection: CustomerProjection = createCustomerProjection()): Promise<Map<string, { position: number; view: ProjectedView }>> {
  const store = SqliteEventStore.open({ dataDir });
  const readStore = SqliteReadStore.open({ filename: ':memory:' });
  try {
    const events = [];
    for await (const e of store.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX })) events.push(toStoredInteractionEvent(e));
    await new ProjectionRunner(store, readStore, projection).applyBatch(events);
    const views = new Map<string, { position: number; view: ProjectedView }>();
    for await (const record of readStore.scanViews<ProjectedView>()) views.set(record.customerId, { position: record.position, view: record.view });
    return views;
  } finally {
    await store.close();
    await readStore.close();
  }
}

export async function viewsIn(readStore: ReadStore): Promise<Map<string, { position: number; view: ProjectedView }>> {
  const views = new Map<string, { position: number; view: ProjectedView }>();
  for await (const record of readStore.scanViews<ProjectedView>()) views.set(record.customerId, { position: record.position, view: record.view });
  return views;
}

/** Sum of the events folded into all views: equals the number of events once nothing is lost or doubled. */
export async function foldedEvents(readStore: ReadStore): Promise<number> {
  let total = 0;
  for await (const record of readStore.scanViews<ProjectedView<{ eventCount: number }>>()) total += record.view.state.eventCount;
  return total;
}

export const redisStore = (prefix: string) => RedisReadStore.connect({ url: REDIS_URL, keyPrefix: prefix });

/**
 * Every app of the distributed mode in one process on a deployment of its own, with a Kafka
 * client of the test's (to publish and to observe topics). `close` stops everything and fails
 * when a request answered 5xx.
 */
export async function startDistributedApps(name: string, deployment: ReturnType<typeof distributedEnv>) {
  const topics = topicNames(deployment.config());
  const kafka = createKafka({ brokers: KAFKA_BROKERS, clientId: `e2e-${name}` });
  const broker = new KafkaBroker(kafka);
  const publisher = new KafkaPublisher(kafka);
  const app = await createServiceApp(name, deployment.config(), [IngestModule, RelayModule, ProjectorModule, QueryModule], { logger: ['error'] });
  await app.init();
  const serverErrors = recordServerErrors(app);
  const http = agentWithKey(app, clientApiKey({}, deployment.dir.path));
  return {
    app,
    http,
    topics,
    publisher,
    /** Collects every message of `topic` into `into`, from now on. */
    observe: (topic: string, into: IncomingMessage[]) =>
      broker.consume({ topic, groupId: `observer-${randomUUID()}`, eachBatch: async (b) => void into.push(...b.messages) }),
    /** Waits until the query API serves the customer's view with `events` events. */
    viewOf: (customerId: string, events: number, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const res = await http.get(`/v1/customers/${customerId}`);
          return res.status === 200 && res.body.view.eventCount === events ? res.body : undefined;
        },
        { timeoutMs, message: `view of ${customerId} with ${events} events` },
      ),
    close: async () => {
      await app.close();
      serverErrors.assertNone();
      await broker.close();
      await publisher.close();
      deployment.dir.remove();
    },
  };
}

export type DistributedApps = Awaited<ReturnType<typeof startDistributedApps>>;
