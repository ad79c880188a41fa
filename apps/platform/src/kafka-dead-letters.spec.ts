import { DEFAULT_POLICY } from '@crm/domain';
import { SqliteEventStore, appendByCustomer, toStoredInteractionEvent } from '@crm/event-store';
import { DEAD_LETTER_HEADERS, InProcessBroker, InProcessBus, InProcessPublisher, IncomingMessage, TOPICS, TopicNames, platformTopics, toInteractionMessage } from '@crm/messaging';
import { FailedEvent, ProjectedView, ProjectionRunner, RelationshipProjection, listDeadLetters, recordDeadLetters } from '@crm/projection';
import { KafkaProjector, toDeadLetterMessage } from '@crm/projector';
import { SqliteReadStore } from '@crm/read-store';
import { generateHistory } from '@crm/simulation';
import { collect, tempDir, waitFor } from '@crm/testing';
import { POLICY_FAILING_ON_LOW_COMPLAINTS, lowComplaintLike } from '../../../libs/projection/src/testing/failing-fold.fixture';
import { describeKafkaDeadLetter, kafkaDeadLetterDocument, kindOf, listKafkaDeadLetters, redriveKafkaDeadLetters } from './kafka-dead-letters';

describe('Kafka DLQ entries (pure parts)', () => {
  it('names one document per entry, sortable by offset within a partition', () => {
    expect(kafkaDeadLetterDocument('crm.interactions.dlq.v1:0:42')).toBe('kafka-dlq:crm.interactions.dlq.v1:0:00000000000000000042');
    expect(kafkaDeadLetterDocument('t:1:9') < kafkaDeadLetterDocument('t:1:10')).toBe(true);
    expect(() => kafkaDeadLetterDocument('crm.interactions.dlq.v1:0')).toThrow('not a DLQ entry id');
    expect(() => kafkaDeadLetterDocument('t:0:-1')).toThrow('not a DLQ entry id');
  });

  it('tells the kinds apart by the projector’s reasons', () => {
    expect(kindOf('view stored but not published to crm.customer-views.v1: RangeError: Invalid string length')).toBe('not-published');
    expect(kindOf('view function failed: Error: boom')).toBe('fold-failed');
    expect(kindOf('value is not JSON: Unexpected token')).toBe('unparsed');
    expect(kindOf('invalid event: schemaVersion: must be <= 1')).toBe('unparsed');
  });

  it('describes any message without throwing: no headers, bytes that are not UTF-8, a JSON array', () => {
    const base: IncomingMessage = { topic: 'dlq', partition: 0, offset: '7', key: null, value: null, headers: {} };
    expect(describeKafkaDeadLetter({ ...base, valueBytes: Buffer.from([0xff, 0xfe]), value: '\ufffd\ufffd' })).toEqual({
      id: 'dlq:0:7',
      topic: 'dlq',
      partition: 0,
      offset: '7',
      key: null,
      kind: 'unparsed',
      reason: '(no dlq-reason header)',
      source: { topic: null, partition: null, offset: null },
      eventId: null,
      customerId: null,
      type: null,
      status: 'pending',
    });
    expect(describeKafkaDeadLetter({ ...base, value: '[1,2]' })).toMatchObject({ eventId: null, customerId: null });
    const withHeaders = describeKafkaDeadLetter({
      ...base,
      key: 'C-1',
      value: JSON.stringify({ eventId: 'e-1', customerId: 'C-1', type: 'PurchaseMade', data: {} }),
      headers: { [DEAD_LETTER_HEADERS.reason]: 'view function failed: Error: x', [DEAD_LETTER_HEADERS.sourceTopic]: 'in', [DEAD_LETTER_HEADERS.sourcePartition]: '3', [DEAD_LETTER_HEADERS.sourceOffset]: '99' },
    }, { id: 'dlq:0:7', status: 'redriven', redrive: { at: '2026-01-01T00:00:00.000Z', error: null } });
    expect(withHeaders).toMatchObject({ kind: 'fold-failed', source: { topic: 'in', partition: 3, offset: '99' }, eventId: 'e-1', customerId: 'C-1', type: 'PurchaseMade', status: 'redriven' });
  });
});

/**
 * The same redrive on the in-process bus (the port's other adapter) for the kinds the real-broker
 * test does not produce: an event whose fold threw (also a read-store dead letter), and a view
 * stored but not published.
 */
describe('Kafka DLQ redrive (in-process bus)', () => {
  const names: TopicNames = Object.fromEntries(Object.entries(TOPICS).map(([k, v]) => [k, `u.${v}`])) as TopicNames;
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;

  beforeAll(() => {
    dir = tempDir('crm-kafka-dlq-unit-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
  });
  afterAll(async () => {
    await eventStore.close();
    dir.remove();
  });

  it('folds in an event whose fold threw once the policy is fixed, and publishes a view that was not', async () => {
    const bus = new InProcessBus(2);
    const broker = new InProcessBroker(bus);
    const publisher = new InProcessPublisher(bus);
    const live = SqliteReadStore.open({ filename: ':memory:' });
    const clean = SqliteReadStore.open({ filename: ':memory:' });
    await broker.ensureTopics(platformTopics(2, names));
    const history = [...generateHistory({ customers: 3, days: 60, seed: 5 })];
    const [failing, published] = [...new Set(history.map((e) => e.customerId))];
    const low = lowComplaintLike(history.filter((e) => e.customerId === failing).at(-1)!);
    await appendByCustomer(eventStore, [...history, low]);
    const stored = (await collect(eventStore.readAll())).map(toStoredInteractionEvent);
    try {
      // The projector of the broken build, wired as ProjectorService wires it (fold failures are read-store dead letters too).
      const failures: FailedEvent[] = [];
      const runner = new ProjectionRunner(eventStore, live, new RelationshipProjection(POLICY_FAILING_ON_LOW_COMPLAINTS), {
        onFailed: (f) => void failures.push(f),
        beforeCommit: async () => recordDeadLetters(live, failures.splice(0)),
      });
      const projector = new KafkaProjector(runner, broker, publisher, { groupId: 'live', topics: names });
      await projector.start();
      await publisher.publish(names.interactions, stored.map(toInteractionMessage));
      await waitFor(async () => bus.snapshot(names.interactionsDlq).length === 1 && (await live.getView(published))?.position === stored.filter((e) => e.customerId === published).at(-1)!.position, { message: 'the live projection' });
      await projector.stop();
      // Say the views topic had refused the other customer's last view.
      const last = bus.snapshot(names.interactions).find((m) => m.key === published && m.headers.position === String(stored.filter((e) => e.customerId === published).at(-1)!.position))!;
      await publisher.publish(names.interactionsDlq, [toDeadLetterMessage({ message: last, reason: `view stored but not published to ${names.customerViews}: RangeError: Invalid string length` })]);
      const fixed = new RelationshipProjection(DEFAULT_POLICY);
      await new ProjectionRunner(eventStore, clean, fixed).applyBatch(stored);

      const entries = await listKafkaDeadLetters(broker, live, names.interactionsDlq);
      expect(entries.map((e) => [e.kind, e.customerId, e.status])).toEqual([
        ['fold-failed', failing, 'pending'],
        ['not-published', published, 'pending'],
      ]);
      expect(entries[0]).toMatchObject({ eventId: low.eventId, reason: expect.stringMatching(/^view function failed: /) });
      const viewsOf = (customerId: string) => bus.snapshot(names.customerViews).filter((m) => m.key === customerId);
      const before = { failing: viewsOf(failing).length, published: viewsOf(published).length };

      const deps = (projection: RelationshipProjection) => ({ broker, publisher, readStore: live, eventStore, projection, topics: names });
      // Not fixed yet: the fold still throws, the entry stays pending with that error; the view that was not published is.
      const early = await redriveKafkaDeadLetters(deps(new RelationshipProjection(POLICY_FAILING_ON_LOW_COMPLAINTS)));
      expect(early).toMatchObject({ redriven: [entries[1].id], failing: [{ id: entries[0].id, error: expect.any(String) }], published: 1 });
      expect(viewsOf(failing)).toHaveLength(before.failing);
      expect(viewsOf(published)).toHaveLength(before.published + 1);
      expect(JSON.parse(viewsOf(published).at(-1)!.value!)).toMatchObject({ customerId: published, position: (await live.getView(published))!.position });

      const done = await redriveKafkaDeadLetters(deps(fixed));
      expect(done).toMatchObject({ redriven: [entries[0].id], failing: [], customers: 1, published: 1 });
      const view = (r: Awaited<ReturnType<typeof live.getView<ProjectedView>>>) => r && { position: r.position, indexes: r.indexes, state: r.view.state };
      expect(view(await live.getView<ProjectedView>(failing))).toEqual(view(await clean.getView<ProjectedView>(failing)));
      // The read-store dead letter of the same event is redriven with it.
      expect((await listDeadLetters(live)).map((l) => [l.eventId, l.status])).toEqual([[low.eventId, 'redriven']]);
      expect(JSON.parse(viewsOf(failing).at(-1)!.value!)).toMatchObject({ customerId: failing, position: stored.find((e) => e.eventId === low.eventId)!.position });
      expect((await listKafkaDeadLetters(broker, live, names.interactionsDlq)).map((e) => e.status)).toEqual(['redriven', 'redriven']);
      await expect(redriveKafkaDeadLetters(deps(fixed))).resolves.toEqual({ redriven: [], failing: [], unknown: [], alreadyRedriven: [], customers: 0, published: 0 });
    } finally {
      await live.close();
      await clean.close();
      await broker.close();
    }
  });
});
