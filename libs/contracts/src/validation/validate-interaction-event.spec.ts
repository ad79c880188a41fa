import { EVENT_TYPES, InteractionEventType } from '../event-types';
import { sampleEvent } from '../samples';
import { MAX_JSON_DEPTH } from './json-depth';
import { Violation } from './violation';
import {
  InvalidInteractionEventError,
  ValidationResult,
  assertValidInteractionEvent,
  validateInteractionEvent,
  validateInteractionEventBatch,
} from './validate-interaction-event';

type Json = { [key: string]: unknown };

/** A sample as a publisher would send it: parsed JSON, optionally changed. */
function raw(type: InteractionEventType, change: (event: Json & { data: Json }) => void = () => {}): Json {
  const event = JSON.parse(JSON.stringify(sampleEvent(type))) as Json & { data: Json };
  change(event);
  return event;
}

function violationsOf(result: ValidationResult): Violation[] {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.violations;
}

/** The messages reported for one path (fails if the path is not reported). */
function messagesAt(result: ValidationResult, path: string): string[] {
  const violations = violationsOf(result);
  const match = violations.find((violation) => violation.path === path);
  if (!match) throw new Error(`no violation at ${path}; got ${JSON.stringify(violations)}`);
  return match.messages;
}

/** The optional data fields of each type (event-types.ts `?:`). */
const OPTIONAL_DATA_FIELDS: { [T in InteractionEventType]: string[] } = {
  CustomerRegistered: ['email', 'phone'],
  ContactLogged: ['contactId', 'sentiment', 'followUpOf'],
  PurchaseMade: [],
  PurchaseRefunded: [],
  ComplaintFiled: ['description'],
  ComplaintResolved: ['withinSla', 'agentId', 'teamId'],
  SatisfactionRated: ['recommendLikelihood', 'agentId'],
  ReferralMade: ['referredCustomerId'],
  CompetitorOfferDeclined: [],
  RelationshipEnded: ['note'],
  CustomersMerged: ['reason'],
  PersonalDataErased: ['reference'],
};

const paths = (result: ValidationResult) => violationsOf(result).map((violation) => violation.path);

describe('validateInteractionEvent: valid events', () => {
  it.each(EVENT_TYPES)('accepts the sample %s and returns it as a clean plain object', (type) => {
    const input = raw(type);
    const result = validateInteractionEvent(input);
    expect(result).toEqual({ ok: true, event: input });
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.event)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.event.data)).toBe(Object.prototype);
    expect(result.event).not.toBe(input);
  });

  it.each(EVENT_TYPES)('accepts %s with every optional field left out, and defaults schemaVersion to 1', (type) => {
    const minimal = raw(type, (event) => {
      delete event.schemaVersion;
      for (const optional of OPTIONAL_DATA_FIELDS[type]) delete event.data[optional];
    });
    const result = validateInteractionEvent(minimal);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event.schemaVersion).toBe(1);
  });

  it('keeps envelope field order and drops nothing it knows (tracing ids included)', () => {
    const input = raw('PurchaseMade', (event) => {
      event.correlationId = 'corr-1';
      event.causationId = 'cmd:42';
    });
    const result = validateInteractionEvent(input);
    expect(result.ok && Object.keys(result.event)).toEqual([
      'eventId', 'type', 'schemaVersion', 'customerId', 'occurredAt', 'source', 'correlationId', 'causationId', 'data',
    ]);
  });

  it('does not mutate its input', () => {
    const input = raw('PurchaseMade', (event) => delete event.schemaVersion);
    const before = JSON.stringify(input);
    validateInteractionEvent(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it.each([
    ['Z', '2026-03-14T10:22:05Z'],
    ['a negative offset and a fraction', '2026-03-14T10:22:05.123-05:00'],
    ['nanoseconds', '2026-03-14T10:22:05.123456789+05:30'],
    ['29 February of a leap year', '2024-02-29T00:00:00Z'],
  ])('accepts occurredAt with %s', (_label, occurredAt) => {
    expect(validateInteractionEvent(raw('PurchaseMade', (event) => (event.occurredAt = occurredAt))).ok).toBe(true);
  });

  it.each([
    ['a free purchase (amount 0)', 'PurchaseMade', { amount: 0 }],
    ['score equal to a 7-point scale', 'SatisfactionRated', { score: 7, scale: 7 }],
    ['recommendLikelihood 0', 'SatisfactionRated', { recommendLikelihood: 0 }],
    ['durationSec 0 and 86400', 'ContactLogged', { durationSec: 86_400 }],
    ['sentiment -1', 'ContactLogged', { sentiment: -1 }],
    ['an upper-case UUID', 'PurchaseMade', {}],
  ] as const)('accepts boundary values: %s', (_label, type, data) => {
    const input = raw(type, (event) => {
      Object.assign(event.data, data);
      event.eventId = (event.eventId as string).toUpperCase();
    });
    expect(validateInteractionEvent(input).ok).toBe(true);
  });
});

describe('validateInteractionEvent: invalid bodies', () => {
  it.each([
    ['null', null, 'got null'],
    ['an array', [raw('PurchaseMade')], 'got an array'],
    ['a string', 'PurchaseMade', 'got a string'],
    ['a number', 42, 'got a number'],
    ['undefined', undefined, 'got a undefined'],
  ])('rejects %s as the body with a violation on the body path ""', (_label, body, detail) => {
    const violations = violationsOf(validateInteractionEvent(body));
    expect(violations).toHaveLength(1);
    expect(violations[0].path).toBe('');
    expect(violations[0].messages[0]).toContain('must be a JSON object');
    expect(violations[0].messages[0]).toContain(detail);
  });
});

describe('validateInteractionEvent: envelope violations', () => {
  it.each(['eventId', 'type', 'customerId', 'occurredAt', 'source', 'data'])('reports a missing %s as required', (field) => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => delete event[field]));
    expect(messagesAt(result, field)).toEqual([`${field} is required`]);
  });

  it('rejects an unknown top-level field, naming it', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.priority = 'high')));
    expect(violationsOf(result)).toEqual([{ path: 'priority', messages: ['property priority should not exist'] }]);
  });

  it('rejects prototype-polluting keys that class-transformer would silently drop', () => {
    const input = JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(raw('PurchaseMade')).slice(1)}`) as Json;
    const result = validateInteractionEvent(input);
    expect(violationsOf(result)).toEqual([{ path: '__proto__', messages: ['property __proto__ should not exist'] }]);
    const inData = raw('PurchaseMade', (event) => Object.defineProperty(event.data, 'constructor', { value: 1, enumerable: true }));
    expect(messagesAt(validateInteractionEvent(inData), 'data.constructor')).toEqual(['property constructor should not exist']);
  });

  // class-transformer skips any key naming a member the instance inherits, so whitelisting never saw these.
  const PROTOTYPE_MEMBER_NAMES = [
    'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
    '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'constructor', '__proto__',
  ];

  it.each(PROTOTYPE_MEMBER_NAMES)('rejects an unknown field named %s on the envelope and in data, like any unknown field', (key) => {
    const withKey = (object: Json) => JSON.parse(`{${JSON.stringify(key)}: 1, ${JSON.stringify(object).slice(1)}`) as Json;
    const onEnvelope = withKey(raw('PurchaseMade'));
    expect(violationsOf(validateInteractionEvent(onEnvelope))).toEqual([{ path: key, messages: [`property ${key} should not exist`] }]);
    const inData = raw('PurchaseMade');
    inData.data = withKey(inData.data as Json);
    expect(violationsOf(validateInteractionEvent(inData))).toEqual([{ path: `data.${key}`, messages: [`property ${key} should not exist`] }]);
  });

  it('rejects objects and arrays nested deeper than MAX_JSON_DEPTH before transforming them (no stack overflow)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.data.productId = deep)));
    const [violation] = violationsOf(result);
    expect(violation.messages).toEqual([`objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep`]);
    expect(violation.path).toBe(['data', 'productId', ...Array(MAX_JSON_DEPTH - 2).fill('a')].join('.'));
    let array: unknown = [];
    for (let i = 0; i < 20_000; i++) array = [array];
    const batch = validateInteractionEventBatch({ events: [raw('PurchaseMade', (event) => (event.data.productId = array))] });
    expect(!batch.ok && batch.violations[0].path).toMatch(/^events\[0\]\.data\.productId(\[0\])+$/);
  });

  it('accepts nesting up to MAX_JSON_DEPTH (then the field is reported for its type, not its depth)', () => {
    let nested: unknown = 'x';
    for (let i = 0; i < MAX_JSON_DEPTH - 2; i++) nested = [nested];
    expect(violationsOf(validateInteractionEvent(raw('PurchaseMade', (event) => (event.data.productId = nested))))).toEqual([
      { path: 'data.productId', messages: ['productId must be a string'] },
    ]);
  });

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['a UUID with version nibble 0', '5f0c2a52-8d6e-0c47-9a43-1b7c1b1f9e20'],
    ['a URN', 'urn:uuid:5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20'],
    ['a number', 12345],
  ])('rejects an eventId that is %s', (_label, eventId) => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.eventId = eventId)));
    expect(paths(result)).toEqual(['eventId']);
  });

  it('accepts UUIDs of any version (v1, v7)', () => {
    for (const eventId of ['c232ab00-9414-11ec-b3c8-9f6bdeced846', '01890a5d-ac96-774b-bcce-b302099a8057']) {
      expect(validateInteractionEvent(raw('PurchaseMade', (event) => (event.eventId = eventId))).ok).toBe(true);
    }
  });

  it.each([
    ['without an offset', '2026-03-14T10:22:05', 'with seconds and an offset'],
    ['as a date only', '2026-03-14', 'with seconds and an offset'],
    ['without seconds', '2026-03-14T10:22+01:00', 'with seconds and an offset'],
    ['with a space separator', '2026-03-14 10:22:05Z', 'with seconds and an offset'],
    ['as epoch millis text', '1773480125000', 'with seconds and an offset'],
    ['on 30 February', '2026-02-30T10:00:00Z', 'is not a valid date and time'],
    ['on 29 February of a common year', '2026-02-29T10:00:00Z', 'is not a valid date and time'],
    ['at hour 24', '2026-03-14T24:00:00Z', 'is not a valid date and time'],
    ['in month 13', '2026-13-01T10:00:00Z', 'is not a valid date and time'],
    ['with a leap second', '2026-12-31T23:59:60Z', 'is not a valid date and time'],
    ['with offset +24:00', '2026-03-14T10:22:05+24:00', 'is not a valid date and time'],
  ])('rejects occurredAt %s', (_label, occurredAt, message) => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.occurredAt = occurredAt)));
    expect(paths(result)).toEqual(['occurredAt']);
    expect(messagesAt(result, 'occurredAt')[0]).toContain(message);
  });

  it('rejects a non-string occurredAt with a type message only', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.occurredAt = 1773480125000)));
    expect(messagesAt(result, 'occurredAt')).toEqual(['occurredAt must be a string']);
  });

  it.each([
    ['a space', 'C 102938'],
    ['a slash', 'C/102938'],
    ['a non-ASCII letter', 'C-1029ü'],
    ['129 characters', 'C'.repeat(129)],
    ['an empty string', ''],
  ])('rejects a customerId with %s (it becomes a stream id)', (_label, customerId) => {
    expect(paths(validateInteractionEvent(raw('PurchaseMade', (event) => (event.customerId = customerId))))).toEqual(['customerId']);
  });

  it('accepts a customerId of 128 stream-safe characters', () => {
    const customerId = 'Aa0._:-'.repeat(18).slice(0, 128);
    expect(validateInteractionEvent(raw('PurchaseMade', (event) => (event.customerId = customerId))).ok).toBe(true);
  });

  it.each([
    ['empty', '', 'source must not be empty'],
    ['blank', '   ', 'source must not be blank'],
    ['too long', 's'.repeat(129), 'source must be 1 to 128 characters long'],
  ])('rejects a source that is %s', (_label, source, message) => {
    expect(messagesAt(validateInteractionEvent(raw('PurchaseMade', (event) => (event.source = source))), 'source')).toContain(message);
  });

  it.each([
    ['0', 0, 'schemaVersion must be >= 1'],
    ['1.5', 1.5, 'schemaVersion must be an integer number'],
    ['"1"', '1', 'schemaVersion must be an integer number'],
    ['null', null, 'schemaVersion must be an integer number'],
  ])('rejects schemaVersion %s', (_label, schemaVersion, message) => {
    expect(messagesAt(validateInteractionEvent(raw('PurchaseMade', (event) => (event.schemaVersion = schemaVersion))), 'schemaVersion')).toContain(message);
  });

  it('rejects a schemaVersion newer than the current one as unsupported', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.schemaVersion = 2)));
    expect(violationsOf(result)).toEqual([
      { path: 'schemaVersion', messages: ['unsupported schemaVersion 2 for PurchaseMade: the latest supported version is 1'] },
    ]);
  });

  it('rejects null for an optional envelope field (optional means absent, not null)', () => {
    expect(paths(validateInteractionEvent(raw('PurchaseMade', (event) => (event.correlationId = null))))).toEqual(['correlationId']);
  });

  it('reports an unknown type with unknownType and the supported types listed', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.type = 'PurchaseMaed')));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.unknownType).toBe('PurchaseMaed');
    // The payload cannot be checked without a type: only the type is reported.
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0].path).toBe('type');
    for (const type of EVENT_TYPES) expect(result.violations[0].messages[0]).toContain(type);
  });

  it('reports a non-string type without unknownType', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.type = 7)));
    expect(paths(result)).toEqual(['type']);
    expect(!result.ok && result.unknownType).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'amount=1'],
  ])('rejects data that is %s, with one message', (_label, data) => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => ((event as Json).data = data)));
    expect(violationsOf(result)).toEqual([{ path: 'data', messages: ['data must be an object'] }]);
  });

  it('still requires data when the type is unknown', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => {
      event.type = 'Nope';
      delete (event as Json).data;
    }));
    expect(paths(result)).toEqual(['type', 'data']);
  });
});

describe('validateInteractionEvent: data violations', () => {
  it('rejects an unknown data field, naming its path', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.data.colour = 'red')));
    expect(violationsOf(result)).toEqual([{ path: 'data.colour', messages: ['property colour should not exist'] }]);
  });

  it('rejects the payload of another type (its fields are unknown, its own are missing)', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => (event.data = raw('ContactLogged').data as Json)));
    expect(paths(result)).toEqual(expect.arrayContaining(['data.channel', 'data.orderId', 'data.amount']));
  });

  it.each([
    ['PurchaseMade', 'amount', -1, 'amount must be >= 0'],
    ['PurchaseMade', 'amount', 12.5, 'amount must be an integer number'],
    ['PurchaseMade', 'amount', '4599', 'amount must be an integer number'],
    ['PurchaseMade', 'amount', 2 ** 53, 'amount must be <= 9007199254740991'],
    ['PurchaseRefunded', 'amount', 0, 'amount must be > 0'],
    ['PurchaseMade', 'currency', 'eur', 'currency must be 3 upper-case letters'],
    ['PurchaseMade', 'currency', 'XYZ', 'currency must be a valid ISO4217 currency code'],
    ['PurchaseMade', 'currency', 'EURO', 'currency must be 3 upper-case letters'],
    ['PurchaseMade', 'quantity', 0, 'quantity must be >= 1'],
    ['PurchaseMade', 'orderId', 'O'.repeat(129), 'orderId must be 1 to 128 characters long'],
    ['PurchaseMade', 'productId', null, 'productId must be a string'],
    ['ContactLogged', 'channel', 'fax', 'channel must be one of the following values: phone, email, chat, web, sms, social, in_person'],
    ['ContactLogged', 'direction', 'sideways', 'direction must be one of the following values: inbound, outbound'],
    ['ContactLogged', 'outcome', 'RESOLVED', 'outcome must be one of the following values'],
    ['ContactLogged', 'durationSec', 86_401, 'durationSec must be <= 86400'],
    ['ContactLogged', 'durationSec', -5, 'durationSec must be >= 0'],
    ['ContactLogged', 'sentiment', 1.5, 'sentiment must be <= 1'],
    ['ContactLogged', 'sentiment', '0.5', 'sentiment must be a number'],
    ['ComplaintFiled', 'severity', 'urgent', 'severity must be one of the following values: low, medium, high, critical'],
    ['ComplaintFiled', 'category', 'price', 'category must be one of the following values'],
    ['ComplaintFiled', 'description', 'd'.repeat(2001), 'description must be 1 to 2000 characters long'],
    ['ComplaintResolved', 'customerAccepted', 'yes', 'customerAccepted must be a boolean value'],
    ['ComplaintResolved', 'withinSla', 1, 'withinSla must be a boolean value'],
    ['SatisfactionRated', 'score', 6, 'score must be at most the scale (5)'],
    ['SatisfactionRated', 'score', 0, 'score must be >= 1'],
    ['SatisfactionRated', 'score', 3.5, 'score must be an integer number'],
    ['SatisfactionRated', 'scale', 10, 'scale must be one of the following values: 5, 7'],
    ['SatisfactionRated', 'scale', '5', 'scale must be one of the following values: 5, 7'],
    ['SatisfactionRated', 'context', 'chat', 'context must be one of the following values'],
    ['SatisfactionRated', 'recommendLikelihood', 11, 'recommendLikelihood must be <= 10'],
    ['CustomerRegistered', 'email', 'not-an-email', 'email must be an email'],
    ['CustomerRegistered', 'phone', 'call me', 'phone must be a phone number'],
    ['CustomerRegistered', 'displayName', '', 'displayName must not be empty'],
    ['ReferralMade', 'referredCustomerId', 'C 1', 'referredCustomerId may contain only letters, digits and . _ : -'],
    ['CompetitorOfferDeclined', 'competitor', '\t', 'competitor must not be blank'],
    ['RelationshipEnded', 'reason', 'bored', 'reason must be one of the following values: deliberate, unintentional, competitor, price, lost_eligibility'],
    ['CustomersMerged', 'mergedCustomerId', 'C 1', 'mergedCustomerId may contain only letters, digits and . _ : -'],
    ['CustomersMerged', 'mergedCustomerId', 'c'.repeat(129), 'mergedCustomerId must be 1 to 128 characters long'],
    ['CustomersMerged', 'mergedCustomerId', 'C-102938', 'mergedCustomerId must differ from customerId (the surviving customer)'],
    ['CustomersMerged', 'reason', 'r'.repeat(2001), 'reason must be 1 to 2000 characters long'],
  ] as const)('%s: rejects data.%s = %j', (type, field, value, message) => {
    const result = validateInteractionEvent(raw(type, (event) => (event.data[field] = value)));
    expect(paths(result)).toEqual([`data.${field}`]);
    expect(messagesAt(result, `data.${field}`).join(' | ')).toContain(message);
  });

  it('scores above a 5-point scale are valid on a 7-point scale', () => {
    expect(validateInteractionEvent(raw('SatisfactionRated', (event) => Object.assign(event.data, { score: 6, scale: 7 }))).ok).toBe(true);
  });

  it('does not add a cross-field message when the scale itself is invalid', () => {
    const result = validateInteractionEvent(raw('SatisfactionRated', (event) => Object.assign(event.data, { score: 6, scale: 10 })));
    expect(violationsOf(result)).toEqual([{ path: 'data.scale', messages: ['scale must be one of the following values: 5, 7'] }]);
  });

  it.each(EVENT_TYPES)('%s: every required data field is reported when data is empty', (type) => {
    const result = validateInteractionEvent(raw(type, (event) => (event.data = {})));
    const required = Object.keys(raw(type).data as Json).filter((field) => !OPTIONAL_DATA_FIELDS[type].includes(field));
    if (required.length === 0) {
      expect(result.ok).toBe(true); // ReferralMade: the referred customer is optional
      return;
    }
    expect(violationsOf(result)).toEqual(required.map((field) => ({ path: `data.${field}`, messages: [`${field} is required`] })));
  });
});

describe('validateInteractionEvent: many violations at once', () => {
  it('reports every violated field, envelope and data, in one result', () => {
    const result = validateInteractionEvent(raw('PurchaseMade', (event) => {
      event.eventId = 'nope';
      event.occurredAt = '2026-03-14T10:22:05';
      event.extra = true;
      event.data.amount = -3.5;
      event.data.currency = 'eur';
      event.data.colour = 'red';
      delete event.data.orderId;
    }));
    expect(paths(result).sort()).toEqual(['data.amount', 'data.colour', 'data.currency', 'data.orderId', 'eventId', 'extra', 'occurredAt']);
    expect(messagesAt(result, 'data.amount')).toEqual(['amount must be an integer number', 'amount must be >= 0']);
  });
});

describe('assertValidInteractionEvent', () => {
  it('returns the clean event or throws a non-retriable error carrying the violations', () => {
    expect(assertValidInteractionEvent(raw('ReferralMade')).type).toBe('ReferralMade');
    const thrown = (() => {
      try {
        assertValidInteractionEvent(raw('ReferralMade', (event) => (event.type = 'Gossip')));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidInteractionEventError);
    expect(thrown).toMatchObject({ retriable: false, unknownType: 'Gossip', violations: [{ path: 'type' }] });
  });
});

describe('validateInteractionEventBatch', () => {
  const batchOf = (...events: unknown[]) => ({ events });

  it('accepts a batch of valid events of every type, in order, as clean copies', () => {
    const events = EVENT_TYPES.map((type) => raw(type, (event) => delete event.schemaVersion));
    const result = validateInteractionEventBatch(batchOf(...events));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.events.map((event) => [event.type, event.schemaVersion])).toEqual(EVENT_TYPES.map((type) => [type, 1]));
  });

  it('prefixes violations with events[i] and reports every invalid member', () => {
    const result = validateInteractionEventBatch(
      batchOf(
        raw('PurchaseMade'),
        raw('PurchaseMade', (event) => (event.data.amount = -1)),
        null,
        raw('ContactLogged', (event) => (event.type = 'Chat')),
        raw('ComplaintFiled', (event) => delete event.customerId),
      ),
    );
    expect(result).toEqual({
      ok: false,
      unknownType: 'Chat',
      violations: [
        { path: 'events[1].data.amount', messages: ['amount must be >= 0'] },
        { path: 'events[2]', messages: ['the event must be a JSON object, got null'] },
        { path: 'events[3].type', messages: [expect.stringContaining('CompetitorOfferDeclined')] },
        { path: 'events[4].customerId', messages: ['customerId is required'] },
      ],
    });
  });

  it('reports more events than the limit as tooMany without validating them', () => {
    const result = validateInteractionEventBatch(batchOf(null, null, null, null), 3);
    expect(result).toEqual({
      ok: false,
      tooMany: { count: 4, max: 3 },
      violations: [{ path: 'events', messages: ['events must contain at most 3 events, got 4'] }],
    });
  });

  it('accepts exactly the limit, and defaults the limit to 1000', () => {
    expect(validateInteractionEventBatch(batchOf(raw('PurchaseMade'), raw('ReferralMade')), 2).ok).toBe(true);
    const thousand = Array.from({ length: 1000 }, () => raw('ReferralMade'));
    expect(validateInteractionEventBatch(batchOf(...thousand)).ok).toBe(true);
    expect(validateInteractionEventBatch(batchOf(...thousand, raw('ReferralMade')))).toMatchObject({ ok: false, tooMany: { count: 1001, max: 1000 } });
  });

  it.each([
    ['an empty array', { events: [] }, [{ path: 'events', messages: ['events must contain at least 1 event'] }]],
    ['no events', {}, [{ path: 'events', messages: ['events is required'] }]],
    ['events not an array', { events: { 0: {} } }, [{ path: 'events', messages: ['events must be an array'] }]],
    ['an unknown field', { events: [], dryRun: true }, [
      { path: 'dryRun', messages: ['property dryRun should not exist'] },
      { path: 'events', messages: ['events must contain at least 1 event'] },
    ]],
    ['an array body', [], [{ path: '', messages: [expect.stringContaining('got an array')] }]],
    ['null', null, [{ path: '', messages: [expect.stringContaining('got null')] }]],
  ])('rejects %s', (_label, body, violations) => {
    expect(validateInteractionEventBatch(body)).toEqual({ ok: false, violations });
  });
});

describe('validateInteractionEvent: integers beyond 2^53 - 1', () => {
  it.each([1e308, Number.MAX_SAFE_INTEGER + 1])('rejects an amount of %d (a JSON number that lost its precision), naming it', (amount) => {
    const body = JSON.parse(JSON.stringify(sampleEvent('PurchaseMade'))) as Json;
    (body.data as Json).amount = amount;
    expect(paths(validateInteractionEvent(body))).toEqual(['data.amount']);
  });
});
