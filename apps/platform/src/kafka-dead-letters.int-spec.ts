import { randomUUID } from 'node:crypto';
import { InteractionEvent, InteractionEventType, sampleEvent } from '@crm/contracts';
import { DEFAULT_POLICY } from '@crm/domain';
import { SqliteEventStore, appendByCustomer, toStoredInteractionEvent } from '@crm/event-store';
import { IncomingMessage, KafkaBroker, KafkaPublisher, TOPICS, TopicNames, createKafka, platformTopics, toInteractionMessage } from '@crm/messaging';
import { ProjectedView, ProjectionRunner, RelationshipProjection } from '@crm/projection';
import { KafkaProjector } from '@crm/projector';
import { ReadStore, RedisReadStore, ViewRecord } from '@crm/read-store';
import { collect, tempDir, waitFor } from '@crm/testing';
import { listKafkaDeadLetters, redriveKafkaDeadLetters } from './kafka-dead-letters';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

jest.setTimeout(90_000);

/** A customer's history, ending in a complaint with a long description, over the "broken" deployment's byte limit. */
function historyOf(customerId: string): InteractionEvent[] {
  const at = (day: number) => new Date(Date.UTC(2026, 0, 5 + day, 9, 30)).toISOString().replace('.000Z', 'Z');
  const event = <T extends InteractionEventType>(type: T, day: number, data: Record<string, unknown> = {}): InteractionEvent =>
    sampleEvent(type, { eventId: randomUUID(), customerId, occurredAt: at(day), data: data as never }) as InteractionEvent;
  return [
    event('CustomerRegistered', 0),
    event('PurchaseMade', 1, { orderId: 'O-1' }),
    event('PurchaseMade', 9, { orderId: 'O-2' }),
    event('SatisfactionRated', 10, { context: 'purchase' }),
    // The last one: no later event of the customer makes the projector read its stream again.
    event('ComplaintFiled', 11, { complaintId: 'CP-1', severity: 'high', description: 'The parcel came late. '.repeat(60) }),
  ];
}

const comparable = (record: ViewRecord<ProjectedView> | null) =>
  record && { position: record.position, indexes: record.indexes, projectionVersion: record.view.projectionVersion, state: record.view.state };

/**
 * The DLQ redrive against a real broker: a projector deployed with too tight a byte limit
 * (the cause) dead-letters an event, a redrive with the fixed limit folds it in again, and the
 * view is the one of a projector that never failed. A message that is not JSON stays pending.
 */
describe('Kafka DLQ redrive on a real broker', () => {
  const run = randomUUID();
  const names: TopicNames = Object.fromEntries(Object.entries(TOPICS).map(([k, v]) => [k, `kdlq-${run}.${v}`])) as TopicNames;
  // The clean projector's outputs go elsewhere, so the DLQ under test has only the live projector's letters.
  const cleanNames: TopicNames = { ...names, interactionsDlq: `${names.interactionsDlq}.clean`, customerViews: `${names.customerViews}.clean`, relationshipChanges: `${names.relationshipChanges}.clean` };
  const kafka = createKafka({ brokers, clientId: 'kafka-dlq-int' });
  const broker = new KafkaBroker(kafka);
  const publisher = new KafkaPublisher(kafka);
  const projection = new RelationshipProjection(DEFAULT_POLICY);
  const dir = tempDir('crm-kafka-dlq-');
  const customer = `C-dlq-${run}`;
  const other = `C-dlq-other-${run}`;
  const history = historyOf(customer);
  let eventStore: SqliteEventStore;
  let live: RedisReadStore;
  let clean: RedisReadStore;
  const projectors: KafkaProjector[] = [];
  const deps = () => ({ broker, publisher, readStore: live as ReadStore, eventStore, projection, topics: names });

  beforeAll(async () => {
    await broker.ensureTopics([...platformTopics(2, names), ...platformTopics(2, cleanNames).filter((t) => t.topic !== names.interactions)]);
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    live = await RedisReadStore.connect({ url: redisUrl, keyPrefix: `crm-test:${run}:live:` });
    clean = await RedisReadStore.connect({ url: redisUrl, keyPrefix: `crm-test:${run}:clean:` });
    const otherHistory = historyOf(other).slice(0, 2);
    await appendByCustomer(eventStore, [...history, ...otherHistory]);
    // As the relay publishes them, from the store; and one message of the other customer that is not JSON.
    const stored = (await collect(eventStore.readAll())).map(toStoredInteractionEvent);
    const garbage = { ...toInteractionMessage(stored[stored.length - 1]), value: 'this is not JSON' };
    await publisher.publish(names.interactions, [...stored.map(toInteractionMessage), garbage]);

    const start = async (readStore: ReadStore, topics: TopicNames, limits?: { maxBytes: number }) => {
      const projector = new KafkaProjector(new ProjectionRunner(eventStore, readStore, projection), broker, publisher, { groupId: `kdlq-${randomUUID()}`, topics, limits });
      projectors.push(projector);
      await projector.start();
    };
    // The broken deployment: every event fits in 1,000 bytes but the complaint.
    await start(live, names, { maxBytes: 1000 });
    await start(clean, cleanNames);
    const positions = stored.filter((e) => e.customerId === customer).map((e) => e.position);
    // The live one stops before the complaint, the clean one folds it.
    await waitFor(async () => (await live.getView(customer))?.position === positions.at(-2) && (await clean.getView(customer))?.position === positions.at(-1), {
      timeoutMs: 60_000,
      message: 'both projectors at their last event',
    });
    await waitFor(async () => (await collect(broker.readTopic(names.interactionsDlq))).length >= 2, { timeoutMs: 60_000, message: 'two dead letters' });
  });

  afterAll(async () => {
    for (const p of projectors) await p.stop();
    await publisher.close();
    await broker.close();
    await live?.clear();
    await clean?.clear();
    await live?.close();
    await clean?.close();
    await eventStore?.close();
    dir.remove();
  });

  it('lists the entries, redrives the one whose cause was fixed into the view of a clean run, and keeps the broken one pending', async () => {
    const entries = await listKafkaDeadLetters(broker, live, names.interactionsDlq);
    expect(entries).toHaveLength(2);
    const tooBig = entries.find((e) => e.customerId === customer)!;
    expect(tooBig).toMatchObject({
      id: `${names.interactionsDlq}:0:${tooBig.offset}`,
      key: customer,
      kind: 'unparsed',
      reason: expect.stringMatching(/^value is \d+ bytes, over the limit of 1000$/),
      source: { topic: names.interactions, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) },
      eventId: history.at(-1)!.eventId,
      type: 'ComplaintFiled',
      status: 'pending',
    });
    const garbage = entries.find((e) => e.key === other)!;
    expect(garbage).toMatchObject({ kind: 'unparsed', reason: expect.stringMatching(/^value is not JSON/), eventId: null, customerId: null, status: 'pending' });

    // Before the fix: the live view misses the complaint.
    expect(comparable(await live.getView(customer))).not.toEqual(comparable(await clean.getView(customer)));

    // Still broken (the same bounds): both stay pending, with the reason of now.
    const early = await redriveKafkaDeadLetters(deps(), { limits: { maxBytes: 1000 } });
    expect(early).toMatchObject({ redriven: [], customers: 0, published: 0 });
    expect(early.failing.map((f) => f.id).sort()).toEqual([tooBig.id, garbage.id].sort());

    // The fix: the default bounds.
    const fixed = await redriveKafkaDeadLetters(deps());
    expect(fixed).toMatchObject({ redriven: [tooBig.id], failing: [{ id: garbage.id, error: expect.stringMatching(/^value is not JSON/) }], unknown: [], customers: 1, published: 1 });
    expect(comparable(await live.getView(customer))).toEqual(comparable(await clean.getView(customer)));
    expect((await live.getView<ProjectedView>(customer))!.view.state).toMatchObject({ complaints: { filed: 1, open: [{ complaintId: 'CP-1' }] } });

    // The redriven view is on the views topic, as the projector publishes it.
    const views = (await collect(broker.readTopic(names.customerViews))).filter((m: IncomingMessage) => m.key === customer);
    const published = JSON.parse(views.at(-1)!.value!);
    const cleanView = (await clean.getView<ProjectedView>(customer))!;
    expect(published).toMatchObject({ customerId: customer, position: cleanView.position, view: JSON.parse(JSON.stringify(projection.present(cleanView.view.state as never))) });

    const after = await listKafkaDeadLetters(broker, live, names.interactionsDlq);
    expect(after.find((e) => e.id === tooBig.id)).toMatchObject({ status: 'redriven', redrive: { at: expect.any(String), error: null } });
    expect(after.find((e) => e.id === garbage.id)).toMatchObject({ status: 'pending', redrive: { error: expect.stringMatching(/^value is not JSON/) } });

    // Once is enough: nothing more is folded or published, the broken one is still pending.
    const again = await redriveKafkaDeadLetters(deps());
    expect(again).toMatchObject({ redriven: [], customers: 0, published: 0, failing: [{ id: garbage.id }] });
    await expect(redriveKafkaDeadLetters(deps(), { ids: [tooBig.id, `${names.interactionsDlq}:0:999999`] })).resolves.toEqual({
      redriven: [],
      failing: [],
      unknown: [`${names.interactionsDlq}:0:999999`],
      alreadyRedriven: [tooBig.id],
      customers: 0,
      published: 0,
    });
    expect((await collect(broker.readTopic(names.customerViews))).filter((m) => m.key === customer)).toHaveLength(views.length);
  });
});
