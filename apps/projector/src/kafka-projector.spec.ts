import { randomUUID } from 'node:crypto';
import { StoredInteractionEvent, sampleEvent } from '@crm/contracts';
import type { CustomerView } from '@crm/domain';
import { SqliteEventStore } from '@crm/event-store';
import { InProcessBroker, InProcessBus, IncomingMessage, MessagePublisher, OutgoingMessage, TOPICS, toInteractionMessage } from '@crm/messaging';
import { SqliteReadStore } from '@crm/read-store';
import { tempDir } from '@crm/testing';
import { KafkaProjector, MAX_REASON_LENGTH, parseStoredEvent, toDeadLetterMessage } from './kafka-projector';
import { ProjectionRunner } from '@crm/projection';
import { RelationshipProjection } from '@crm/projection';

// A validator that throws on one marked event, as a validator may on input it cannot walk.
const VALIDATOR_BOMB = 'validator-bomb';
jest.mock('@crm/contracts/edge', () => {
  const actual = jest.requireActual('@crm/contracts/edge');
  return {
    ...actual,
    validateWithJsonSchema: (event: { source?: unknown }) => {
      if (event?.source === 'validator-bomb') throw new RangeError('Maximum call stack size exceeded');
      return actual.validateWithJsonSchema(event);
    },
  };
});

let nextPosition = 1;

/** A stored event as the relay publishes it: JSON value, keyed by customer, with every header. */
function stored(customerId = `C-${randomUUID().slice(0, 8)}`, overrides: Record<string, unknown> = {}): StoredInteractionEvent {
  const position = nextPosition++;
  return { ...sampleEvent('ContactLogged', { eventId: randomUUID(), customerId }), revision: 0, position, recordedAt: '2026-03-14T10:22:06Z', ...overrides } as StoredInteractionEvent;
}

/** The message the relay publishes for `event`, as the projector receives it. */
function relayed(event: StoredInteractionEvent, offset = 0): IncomingMessage {
  const { key, value, headers } = toInteractionMessage(event);
  return { topic: TOPICS.interactions, partition: 0, offset: String(offset), key: key ?? null, value, headers } as IncomingMessage;
}

const reasonOf = (message: IncomingMessage, limits?: Parameters<typeof parseStoredEvent>[1]) => {
  const parsed = parseStoredEvent(message, limits);
  return 'reason' in parsed ? parsed.reason : `(accepted ${parsed.event.eventId})`;
};

/** 20,000 nested arrays in the event's data: ~40 KB, and a stack overflow for anything recursive. */
const deeplyNested = (event: StoredInteractionEvent, levels = 20_000) =>
  JSON.stringify({ ...event, data: { ...event.data, topic: '__DEEP__' } }).replace('"__DEEP__"', '['.repeat(levels) + ']'.repeat(levels));

describe('parseStoredEvent: whatever a message holds, a result and never an exception', () => {
  it('accepts what the relay publishes', () => {
    const event = stored();
    const parsed = parseStoredEvent(relayed(event));
    expect(parsed).toEqual({ event: expect.objectContaining({ eventId: event.eventId, position: event.position, revision: 0, recordedAt: event.recordedAt }) });
  });

  const cases: [string, () => IncomingMessage, RegExp][] = [
    ['a null value', () => ({ ...relayed(stored()), value: null, valueBytes: null }), /^value is null$/],
    ['a value that is not JSON', () => ({ ...relayed(stored()), value: '{"eventId": ' }), /^value is not JSON/],
    [
      'bytes that are not UTF-8',
      () => {
        const bytes = Buffer.concat([Buffer.from(JSON.stringify(stored()).slice(0, -1)), Buffer.from([0xff, 0xfe]), Buffer.from('}')]);
        return { ...relayed(stored()), value: bytes.toString(), valueBytes: bytes };
      },
      /^value is not valid UTF-8$/,
    ],
    ['20,000 levels of nesting', () => ({ ...relayed(stored()), value: deeplyNested(stored()) }), /^value nests deeper than 32 levels$/],
    ['a huge value', () => ({ ...relayed(stored()), value: JSON.stringify({ ...stored(), padding: 'x'.repeat(300 * 1024) }) }), /^value is \d+ bytes, over the limit of 262144$/],
    ['a JSON array', () => ({ ...relayed(stored()), value: '[1,2]' }), /^value is not a JSON object$/],
    ['a JSON string', () => ({ ...relayed(stored()), value: '"event"' }), /^value is not a JSON object$/],
    ['store fields of the wrong type', () => relayed({ ...stored(), position: '7', revision: -1, recordedAt: 12 } as never), /^invalid event: revision: .* \| position: .* \| recordedAt: /],
    ['data fields of the wrong type', () => relayed(stored(undefined, { data: { ...sampleEvent('ContactLogged').data, durationSec: 'long' } })), /^invalid event: .*data\.durationSec/],
    ['an unknown event type', () => relayed(stored(undefined, { type: 'PurchaseDone' })), /^invalid event: type: type must be one of the following values: /],
    [
      'unknown fields named like Object.prototype members',
      () => {
        const event = stored();
        return { ...relayed(event), value: `{"constructor":1,"__proto__":{"x":1},${JSON.stringify({ ...event, data: JSON.parse(`{"toString":2,${JSON.stringify(event.data).slice(1)}`) }).slice(1)}` };
      },
      /^invalid event: constructor: property constructor should not exist \| __proto__: property __proto__ should not exist \| data\.toString: property toString should not exist$/,
    ],
    [
      'several violated fields, every one named',
      () => relayed(stored(undefined, { occurredAt: '2026-03-14T10:22:05', data: { ...sampleEvent('ContactLogged').data, durationSec: -1, channel: 'fax' } })),
      /^invalid event: occurredAt: .* \| data\.channel: .* \| data\.durationSec: /,
    ],
    [
      'missing headers',
      () => ({ ...relayed(stored()), headers: {} }),
      /^envelope does not match the payload: header eventId: missing \| header type: missing \| header customerId: missing \| header position: missing \| header schemaVersion: missing$/,
    ],
    ['a header that contradicts the payload', () => ({ ...relayed(stored()), headers: { ...relayed(stored()).headers } }), /header eventId: .* is not the payload's/],
    ['a null key', () => ({ ...relayed(stored()), key: null }), /key: missing \(must be the customerId\)/],
    ['a key that is not the customer', () => ({ ...relayed(stored()), key: 'someone-else' }), /key: does not match customerId/],
  ];

  it.each(cases)('dead-letters %s with a reason', (_name, build, reason) => {
    expect(reasonOf(build())).toMatch(reason);
  });

  it('turns a validator that throws into a reason', () => {
    const message = relayed(stored(undefined, { source: VALIDATOR_BOMB }));
    expect(reasonOf(message)).toBe('the validator failed: RangeError: Maximum call stack size exceeded');
  });

  it('ignores brackets inside strings when it measures the nesting', () => {
    const event = stored(undefined, { data: { ...sampleEvent('ContactLogged').data, topic: '[[[[{{{{'.repeat(10) } });
    expect(reasonOf(relayed(event))).toBe(`(accepted ${event.eventId})`);
  });
});

describe('toDeadLetterMessage', () => {
  it('keeps the original bytes, key and headers, bounds the reason and says where the message came from', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    const message: IncomingMessage = { topic: 't', partition: 2, offset: '41', key: 'k', value: bytes.toString(), valueBytes: bytes, headers: { origin: 'x' } };
    const dead = toDeadLetterMessage({ message, reason: 'r'.repeat(10_000) });
    expect(Buffer.compare(dead.value as Buffer, bytes)).toBe(0);
    expect(dead.key).toBe('k');
    expect(dead.headers).toMatchObject({ origin: 'x', 'dlq-source-topic': 't', 'dlq-source-partition': '2', 'dlq-source-offset': '41' });
    expect(dead.headers!['dlq-reason'].length).toBe(MAX_REASON_LENGTH);
  });

  it('gives a null value and a null key as empty', () => {
    const dead = toDeadLetterMessage({ message: { topic: 't', partition: 0, offset: '0', key: null, value: null, valueBytes: null, headers: {} }, reason: 'value is null' });
    expect(dead).toMatchObject({ key: '', value: '' });
  });
});

/** Records what the projector publishes, per topic. */
class RecordingPublisher extends MessagePublisher {
  readonly sent = new Map<string, OutgoingMessage[]>();
  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.sent.set(topic, [...(this.sent.get(topic) ?? []), ...messages]);
  }
  async close(): Promise<void> {}
  on(topic: string): OutgoingMessage[] {
    return this.sent.get(topic) ?? [];
  }
}

describe('KafkaProjector.handleBatch', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let readStore: SqliteReadStore;
  let publisher: RecordingPublisher;

  beforeEach(() => {
    dir = tempDir('crm-kafka-projector-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    readStore = SqliteReadStore.open({ filename: ':memory:' });
    publisher = new RecordingPublisher();
  });
  afterEach(async () => {
    await eventStore.close();
    await readStore.close();
    dir.remove();
  });

  const projectorWith = (projection: RelationshipProjection) => {
    const bus = new InProcessBus(1);
    return new KafkaProjector(new ProjectionRunner(eventStore, readStore, projection), new InProcessBroker(bus), publisher);
  };
  const reasons = () => publisher.on(TOPICS.interactionsDlq).map((m) => m.headers!['dlq-reason']);

  it('applies the good messages of a batch and dead-letters each bad one, whatever it holds', async () => {
    const good = [stored(), stored(), stored()];
    const batch = [
      relayed(good[0], 0),
      { ...relayed(stored(), 1), value: deeplyNested(stored()) },
      { ...relayed(stored(), 2), value: null, valueBytes: null },
      relayed(good[1], 3),
      { ...relayed(stored(), 4), headers: {} },
      { ...relayed(stored(), 5), value: 'not json' },
      relayed(good[2], 6),
    ];
    await projectorWith(new RelationshipProjection()).handleBatch({ topic: TOPICS.interactions, partition: 0, messages: batch });
    expect(publisher.on(TOPICS.customerViews).map((m) => m.key)).toEqual(good.map((e) => e.customerId));
    expect(reasons()).toEqual([expect.stringMatching(/nests deeper/), 'value is null', expect.stringMatching(/header eventId: missing/), expect.stringMatching(/not JSON/)]);
    expect(publisher.on(TOPICS.interactionsDlq).map((m) => m.headers!['dlq-source-offset'])).toEqual(['1', '2', '4', '5']);
    for (const event of good) expect(await readStore.getView(event.customerId)).not.toBeNull();
  });

  it('dead-letters an event the view function throws on (any error type) and applies the rest', async () => {
    const poison = stored();
    const projection = new RelationshipProjection();
    const evolve = projection.evolve.bind(projection);
    projection.evolve = (view: CustomerView, event: StoredInteractionEvent) => {
      if (event.eventId === poison.eventId) throw new RangeError('Maximum call stack size exceeded');
      return evolve(view, event);
    };
    const fine = stored();
    await projectorWith(projection).handleBatch({ topic: TOPICS.interactions, partition: 0, messages: [relayed(poison, 0), relayed(fine, 1)] });
    expect(reasons()).toEqual(['view function failed: RangeError: Maximum call stack size exceeded']);
    expect(publisher.on(TOPICS.customerViews).map((m) => m.key)).toEqual([fine.customerId]);
  });

  it('dead-letters the message of a view that was stored but cannot be presented, and publishes the others', async () => {
    const unpresentable = stored();
    const projection = new RelationshipProjection();
    const present = projection.present.bind(projection);
    projection.present = (view: CustomerView) => {
      if (view.customerId === unpresentable.customerId) throw new TypeError('cannot present');
      return present(view);
    };
    const fine = stored();
    await projectorWith(projection).handleBatch({ topic: TOPICS.interactions, partition: 0, messages: [relayed(unpresentable, 0), relayed(fine, 1)] });
    expect(reasons()).toEqual([`view stored but not published to ${TOPICS.customerViews}: TypeError: cannot present`]);
    expect(publisher.on(TOPICS.customerViews).map((m) => m.key)).toEqual([fine.customerId]);
    expect(await readStore.getView(unpresentable.customerId)).not.toBeNull();
  });

  it('publishes the presented view on the views topic: no fold log, no running totals', async () => {
    const event = stored();
    await projectorWith(new RelationshipProjection()).handleBatch({ topic: TOPICS.interactions, partition: 0, messages: [relayed(event, 0)] });
    const [message] = publisher.on(TOPICS.customerViews);
    const payload = JSON.parse(message.value as string);
    expect(payload).toMatchObject({ customerId: event.customerId, position: event.position, segment: null, projectionVersion: expect.any(String) });
    expect(payload.view).not.toHaveProperty('log');
    expect(payload.view).not.toHaveProperty('state');
    expect(message.headers).toEqual({ position: String(event.position) });
  });
});

