import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { EVENT_TYPES, InteractionEventType } from '../event-types';
import { sampleEvent } from '../samples';
import { MAX_JSON_DEPTH } from '../validation/json-depth';
import { ValidationResult, validateInteractionEvent } from '../validation/validate-interaction-event';
import { validateWithJsonSchema } from '../validation/validate-with-json-schema';
import { JSON_SCHEMA_DIALECT, JsonSchema, PERSONAL_DATA_KEYWORD, allJsonSchemas, jsonSchemaFor } from './json-schema';

type Json = { [key: string]: unknown };
type Mutation = { label: string; apply: (event: Json & { data: Json }) => void };

// strict: ajv refuses unknown keywords and loose typing, so the documents are clean 2020-12.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// Our annotation on personal-data fields: a strict validator is told it validates nothing.
ajv.addKeyword({ keyword: PERSONAL_DATA_KEYWORD, schemaType: 'boolean' });
const compiled = new Map<InteractionEventType, ValidateFunction>(EVENT_TYPES.map((type) => [type, ajv.compile(jsonSchemaFor(type))]));

/** The JSON Schema verdict for a body: valid when the schema of its `type` accepts it. */
function schemaAccepts(body: unknown): boolean {
  const type = (body as Json | null)?.type;
  const validate = typeof type === 'string' ? compiled.get(type as InteractionEventType) : undefined;
  return validate !== undefined && validate(body) === true;
}

const sample = (type: InteractionEventType): Json & { data: Json } => JSON.parse(JSON.stringify(sampleEvent(type)));

const violatedPaths = (result: ValidationResult) => (result.ok ? [] : result.violations.map((v) => v.path).sort());

/**
 * class-validator (validateInteractionEvent), the served schemas compiled as a publisher would
 * (ajv-formats) and the Kafka edge's compiled validator (validateWithJsonSchema) give one
 * verdict; the two validators also return the same clean event or name the same fields.
 */
function expectSameVerdict(body: unknown, expected?: boolean) {
  const http = validateInteractionEvent(body);
  const schema = schemaAccepts(body);
  const edge = validateWithJsonSchema(body);
  if (http.ok !== schema || http.ok !== edge.ok) {
    throw new Error(`validator says ${http.ok}, JSON Schema says ${schema}, validateWithJsonSchema says ${edge.ok} for ${JSON.stringify(body)}`);
  }
  if (http.ok && edge.ok) expect(edge.event).toEqual(http.event);
  else if (JSON.stringify(violatedPaths(edge)) !== JSON.stringify(violatedPaths(http))) {
    throw new Error(`validator names ${violatedPaths(http).join(', ')}, validateWithJsonSchema ${violatedPaths(edge).join(', ')} for ${JSON.stringify(body)}`);
  }
  if (expected !== undefined) expect(http.ok).toBe(expected);
}

const set = (field: string, value: unknown): Mutation => ({ label: `${field} = ${JSON.stringify(value)?.slice(0, 40)}`, apply: (e) => (e[field] = value) });
const setData = (field: string, value: unknown): Mutation => ({
  label: `data.${field} = ${JSON.stringify(value)?.slice(0, 40)}`,
  apply: (e) => (e.data[field] = value),
});
const remove = (field: string): Mutation => ({ label: `without ${field}`, apply: (e) => delete e[field] });
const removeData = (field: string): Mutation => ({ label: `without data.${field}`, apply: (e) => delete e.data[field] });

const VALID_ENVELOPE_VARIANTS: Mutation[] = [
  remove('schemaVersion'),
  set('occurredAt', '2026-03-14T10:22:05.5Z'),
  set('occurredAt', '2024-02-29T23:59:59-12:00'),
  set('eventId', 'C232AB00-9414-11EC-B3C8-9F6BDECED846'),
  set('eventId', '00000000-0000-0000-0000-000000000000'),
  set('customerId', 'tenant:eu.C_1-2'),
  set('correlationId', 'corr-1'),
  set('causationId', 'x'.repeat(128)),
];

const INVALID_ENVELOPE_VARIANTS: Mutation[] = [
  remove('eventId'), remove('type'), remove('customerId'), remove('occurredAt'), remove('source'), remove('data'),
  set('eventId', 'not-a-uuid'),
  set('eventId', 'urn:uuid:5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20'),
  set('eventId', '5f0c2a52-8d6e-9c47-9a43-1b7c1b1f9e20'),
  set('eventId', '5f0c2a52-8d6e-4c47-ca43-1b7c1b1f9e20'),
  set('occurredAt', '2026-03-14T10:22:05'),
  set('occurredAt', '2026-03-14T10:22:05z'),
  set('occurredAt', '2026-03-14t10:22:05Z'),
  set('occurredAt', '2026-03-14 10:22:05Z'),
  set('occurredAt', '2026-03-14T10:22:05+0100'),
  set('occurredAt', '2026-03-14T10:22:05+01'),
  set('occurredAt', '2026-02-30T10:22:05Z'),
  set('occurredAt', '2100-02-29T10:22:05Z'),
  set('occurredAt', '2026-12-31T23:59:60Z'),
  set('occurredAt', '2026-03-14T10:22:05.1234567890Z'),
  set('occurredAt', 20260314),
  set('customerId', 'C 1'), set('customerId', ''), set('customerId', 'c'.repeat(129)), set('customerId', 7),
  set('source', ''), set('source', ' '), set('source', null),
  set('schemaVersion', 0), set('schemaVersion', 2), set('schemaVersion', 1.5), set('schemaVersion', '1'),
  set('correlationId', null), set('causationId', 'x'.repeat(129)),
  set('priority', 'high'),
  set('data', null), set('data', []), set('data', 'x'),
  setData('colour', 'red'),
];

/** Per type: valid data variants and invalid ones (every field: missing, null, wrong type, out of range). */
const DATA_VARIANTS: { [T in InteractionEventType]: { valid: Mutation[]; invalid: Mutation[] } } = {
  CustomerRegistered: {
    valid: [removeData('email'), removeData('phone'), setData('phone', '0044 (20) 7946-0958'), setData('displayName', 'n'.repeat(200))],
    invalid: [
      removeData('displayName'), removeData('acquisitionChannel'), setData('displayName', 'n'.repeat(201)),
      setData('email', 'not-an-email'), setData('email', 'a@'), setData('email', null), setData('phone', 'call me'),
      setData('phone', '+'), setData('phone', '1'.repeat(33)), setData('acquisitionChannel', 3),
    ],
  },
  ContactLogged: {
    valid: [removeData('contactId'), removeData('sentiment'), setData('followUpOf', 'K-1'), setData('sentiment', -1), setData('durationSec', 0), setData('channel', 'in_person')],
    invalid: [
      removeData('channel'), removeData('agentId'), removeData('teamId'), removeData('topic'), removeData('outcome'), removeData('durationSec'),
      setData('channel', 'fax'), setData('direction', 'both'), setData('outcome', 'lost'), setData('durationSec', 86_401),
      setData('durationSec', -1), setData('durationSec', 1.5), setData('sentiment', 1.0001), setData('sentiment', '0'),
      setData('agentId', ''), setData('topic', 't'.repeat(129)), setData('followUpOf', null),
    ],
  },
  PurchaseMade: {
    valid: [setData('amount', 0), setData('amount', Number.MAX_SAFE_INTEGER), setData('currency', 'JPY'), setData('quantity', 1_000_000)],
    invalid: [
      removeData('orderId'), removeData('amount'), removeData('currency'), removeData('productCategory'), removeData('productId'), removeData('quantity'),
      setData('amount', -1), setData('amount', 0.5), setData('amount', Number.MAX_SAFE_INTEGER + 1), setData('amount', '1'),
      setData('currency', 'eur'), setData('currency', 'XYZ'), setData('currency', 'EU'), setData('quantity', 0), setData('quantity', 1.5),
      setData('quantity', 1_000_001), setData('productId', {}),
    ],
  },
  PurchaseRefunded: {
    valid: [setData('amount', 1), setData('reason', 'r'.repeat(2000))],
    invalid: [removeData('reason'), setData('amount', 0), setData('amount', -5), setData('currency', 'usd'), setData('reason', 'r'.repeat(2001)), setData('reason', '\n')],
  },
  ComplaintFiled: {
    valid: [removeData('description'), setData('severity', 'critical'), setData('category', 'other')],
    invalid: [removeData('complaintId'), removeData('category'), removeData('severity'), removeData('channel'), setData('category', 'price'), setData('severity', 'urgent'), setData('channel', 'fax'), setData('description', '')],
  },
  ComplaintResolved: {
    valid: [removeData('withinSla'), removeData('agentId'), removeData('teamId'), setData('withinSla', false), setData('customerAccepted', false)],
    invalid: [removeData('resolution'), removeData('customerAccepted'), setData('customerAccepted', 'true'), setData('withinSla', 0), setData('withinSla', null), setData('teamId', ' ')],
  },
  SatisfactionRated: {
    valid: [setData('score', 5), setData('score', 1), removeData('recommendLikelihood'), removeData('agentId'), setData('recommendLikelihood', 10)],
    invalid: [
      removeData('score'), removeData('scale'), removeData('context'), setData('score', 6), setData('score', 0), setData('score', 2.5),
      setData('scale', 10), setData('scale', '5'), setData('context', 'web'), setData('recommendLikelihood', -1), setData('recommendLikelihood', 11),
      setData('recommendLikelihood', 7.5),
    ],
  },
  ReferralMade: {
    valid: [removeData('referredCustomerId')],
    invalid: [setData('referredCustomerId', ''), setData('referredCustomerId', 'a b'), setData('referredCustomerId', 1)],
  },
  CompetitorOfferDeclined: {
    valid: [setData('offerSummary', 'o'.repeat(2000))],
    invalid: [removeData('competitor'), removeData('offerSummary'), setData('competitor', 'c'.repeat(129)), setData('offerSummary', false)],
  },
  RelationshipEnded: {
    valid: [removeData('note'), setData('reason', 'lost_eligibility')],
    invalid: [removeData('reason'), setData('reason', 'moved'), setData('note', ''), setData('note', 'n'.repeat(2001))],
  },
  CustomersMerged: {
    valid: [removeData('reason'), setData('mergedCustomerId', 'tenant:eu.C_9-9'), setData('reason', 'r'.repeat(2000))],
    invalid: [
      removeData('mergedCustomerId'), setData('mergedCustomerId', ''), setData('mergedCustomerId', 'C 1'), setData('mergedCustomerId', 'c'.repeat(129)),
      setData('mergedCustomerId', 7), setData('mergedCustomerId', null), setData('reason', ''), setData('reason', ' '), setData('reason', 'r'.repeat(2001)),
    ],
  },
  PersonalDataErased: {
    valid: [removeData('reference'), setData('destroyedKeys', 0), setData('requestedBy', 'ops.team-1')],
    invalid: [
      removeData('destroyedKeys'), removeData('requestedBy'), setData('destroyedKeys', -1), setData('destroyedKeys', 1.5), setData('destroyedKeys', '1'),
      setData('requestedBy', ''), setData('reference', 'r'.repeat(129)), setData('reference', null),
    ],
  },
};

const SCORE_ON_7_POINT: Mutation = { label: 'score 7 on a 7-point scale', apply: (e) => Object.assign(e.data, { score: 7, scale: 7 }) };

describe('JSON Schemas', () => {
  it.each(EVENT_TYPES)('%s: a closed 2020-12 envelope with the type as const and the payload inlined', (type) => {
    const schema = jsonSchemaFor(type);
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['eventId', 'type', 'customerId', 'occurredAt', 'source', 'data']);
    const properties = schema.properties as { [name: string]: JsonSchema };
    expect(properties.type).toEqual({ const: type });
    expect(properties.eventId).toMatchObject({ format: 'uuid' });
    expect(properties.occurredAt).toMatchObject({ format: 'date-time' });
    expect(properties.data).toMatchObject({ type: 'object', additionalProperties: false });
    // Every object schema anywhere in the document is closed.
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as JsonSchema;
      if (record.type === 'object') expect(record.additionalProperties).toBe(false);
      Object.values(record).forEach(walk);
    };
    walk(schema);
  });

  it('allJsonSchemas has one schema per type, equal to jsonSchemaFor, and returns copies', () => {
    const all = allJsonSchemas();
    expect(Object.keys(all)).toEqual([...EVENT_TYPES]);
    for (const type of EVENT_TYPES) expect(all[type]).toEqual(jsonSchemaFor(type));
    (all.PurchaseMade.properties as Json).type = 'tampered';
    expect((jsonSchemaFor('PurchaseMade').properties as Json).type).toEqual({ const: 'PurchaseMade' });
  });

  it('jsonSchemaFor rejects an unknown type', () => {
    expect(() => jsonSchemaFor('Nope' as InteractionEventType)).toThrow(/supported: CustomerRegistered/);
  });

  it('documents the money rules: integer minor units and ISO 4217 codes', () => {
    const data = (jsonSchemaFor('PurchaseRefunded').properties as { data: { properties: { [k: string]: JsonSchema } } }).data.properties;
    expect(data.amount).toEqual({ type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    expect(data.currency.enum).toEqual(expect.arrayContaining(['EUR', 'USD', 'JPY']));
  });
});

describe('CustomersMerged: the rule the schema cannot express (mergedCustomerId ≠ customerId)', () => {
  const selfMerge = () => {
    const event = sample('CustomersMerged');
    event.data.mergedCustomerId = event.customerId;
    return event;
  };

  it('is named in the served schema ($comment) and checked by both validators alike', () => {
    const data = (jsonSchemaFor('CustomersMerged').properties as { data: JsonSchema }).data;
    expect(data.$comment).toMatch(/mergedCustomerId must differ from the envelope customerId/);
    const http = validateInteractionEvent(selfMerge());
    const edge = validateWithJsonSchema(selfMerge());
    expect(http.ok).toBe(false);
    expect(violatedPaths(http)).toEqual(['data.mergedCustomerId']);
    expect(edge).toEqual(http);
  });

  it('is reported beside the other violations, and not for a wrong type (one message per fault)', () => {
    const event = selfMerge();
    event.source = '';
    event.data.reason = '';
    expect(violatedPaths(validateInteractionEvent(event))).toEqual(['data.mergedCustomerId', 'data.reason', 'source']);
    expect(violatedPaths(validateWithJsonSchema(event))).toEqual(['data.mergedCustomerId', 'data.reason', 'source']);
    const wrongType = selfMerge();
    wrongType.customerId = 7;
    wrongType.data.mergedCustomerId = 7;
    expect(violatedPaths(validateInteractionEvent(wrongType))).toEqual(['customerId', 'data.mergedCustomerId']);
    expect(violatedPaths(validateWithJsonSchema(wrongType))).toEqual(['customerId', 'data.mergedCustomerId']);
  });
});

describe('JSON Schemas agree with validateInteractionEvent', () => {
  describe.each(EVENT_TYPES)('%s', (type) => {
    const valid: Mutation[] = [
      { label: 'the sample', apply: () => {} },
      ...VALID_ENVELOPE_VARIANTS,
      ...DATA_VARIANTS[type].valid,
      ...(type === 'SatisfactionRated' ? [SCORE_ON_7_POINT] : []),
    ];
    const invalid: Mutation[] = [...INVALID_ENVELOPE_VARIANTS, ...DATA_VARIANTS[type].invalid];

    it.each(valid.map((m) => [m.label, m] as const))('both accept: %s', (_label, mutation) => {
      const event = sample(type);
      mutation.apply(event);
      expectSameVerdict(event, true);
    });

    it.each(invalid.map((m) => [m.label, m] as const))('both reject: %s', (_label, mutation) => {
      const event = sample(type);
      mutation.apply(event);
      expectSameVerdict(event, false);
    });
  });

  it('both reject an unknown type, non-objects and the payload of another type', () => {
    for (const body of [null, [], 'x', 1, { ...sample('PurchaseMade'), type: 'Nope' }, { ...sample('PurchaseMade'), data: sample('PurchaseRefunded').data }]) {
      expectSameVerdict(body, false);
    }
  });

  // Property: replacing any one field (envelope or data) of any sample by an arbitrary JSON value
  // never makes the two disagree. Biased towards values near the rules (short strings, small ints).
  it('agree when any field is replaced by an arbitrary JSON value', () => {
    const nearRules = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.integer({ min: -3, max: 12 }),
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.string({ maxLength: 4 }),
      fc.constantFrom('', ' ', 'EUR', 'eur', 'phone', 'low', 'competitor', 'contact', '2026-03-14T10:22:05Z', '2026-03-14T10:22:05'),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPES), fc.nat(), fc.boolean(), nearRules, (type, pick, inData, value) => {
        const event = sample(type);
        const target = inData ? event.data : event;
        const fields = Object.keys(target);
        const field = fields[pick % fields.length];
        if (value === undefined) delete target[field];
        else target[field] = value;
        expectSameVerdict(event);
      }),
      { numRuns: 3000, seed: 20260314 },
    );
  });
});

describe('validateWithJsonSchema (the Kafka edge) agrees on the hostile cases the HTTP path rejects', () => {
  // Keys class-transformer skips because the DTO instance inherits a member of that name.
  const PROTOTYPE_MEMBER_NAMES = [
    'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
    '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'constructor', '__proto__',
  ];
  /** As JSON.parse gives it: the key an own property, first, even `__proto__`. */
  const withKey = (object: Json, key: string, value: unknown = 1) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}, ${JSON.stringify(object).slice(1)}`) as Json;

  it.each(PROTOTYPE_MEMBER_NAMES)('rejects an unknown field named %s on the envelope and in data, naming it', (key) => {
    for (const value of [1, { admin: true }, null]) {
      const onEnvelope = withKey(sample('PurchaseMade'), key, value);
      expectSameVerdict(onEnvelope, false);
      expect(validateWithJsonSchema(onEnvelope)).toEqual({ ok: false, violations: [{ path: key, messages: [`property ${key} should not exist`] }] });
      const inData = sample('PurchaseMade');
      inData.data = withKey(inData.data, key, value);
      expectSameVerdict(inData, false);
      expect(validateWithJsonSchema(inData)).toEqual({ ok: false, violations: [{ path: `data.${key}`, messages: [`property ${key} should not exist`] }] });
    }
  });

  it.each(PROTOTYPE_MEMBER_NAMES)('rejects a type named %s as unknown', (type) => {
    const event = { ...sample('PurchaseMade'), type };
    expectSameVerdict(event, false);
    expect(validateWithJsonSchema(event)).toMatchObject({ ok: false, unknownType: type, violations: [{ path: 'type' }] });
  });

  it('does not take a JSON __proto__ key as the prototype: an envelope that inherits nothing is still checked field by field', () => {
    const event = JSON.parse(`{"__proto__": ${JSON.stringify(sample('PurchaseMade'))}}`) as Json;
    expectSameVerdict(event, false);
    expect(validateWithJsonSchema(event).ok).toBe(false);
  });

  const nested = (levels: number, leaf: unknown = 'x', array = false) => {
    let value = leaf;
    for (let i = 0; i < levels; i++) value = array ? [value] : { a: value };
    return value;
  };

  it.each([
    ['data.productId', (event: Json & { data: Json }, deep: unknown) => (event.data.productId = deep)],
    ['an unknown envelope field', (event: Json & { data: Json }, deep: unknown) => (event.extra = deep)],
    ['an unknown data field', (event: Json & { data: Json }, deep: unknown) => (event.data.extra = deep)],
    ['data itself', (event: Json & { data: Json }, deep: unknown) => (event.data = deep as Json)],
  ])('rejects 20,000 levels of nesting in %s without a stack overflow, naming the same path', (_label, put) => {
    for (const array of [false, true]) {
      const event = sample('PurchaseMade');
      put(event, nested(20_000, 'x', array));
      expectSameVerdict(event, false);
      expect(validateWithJsonSchema(event)).toEqual(validateInteractionEvent(event));
    }
  });

  it.each([MAX_JSON_DEPTH - 3, MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH])('rejects %i levels in a string field, for its type or its depth like the HTTP path', (levels) => {
    const event = sample('PurchaseMade');
    event.data.productId = nested(levels);
    expectSameVerdict(event, false);
  });

  it('upcasts first: an event without schemaVersion is version 1, a newer one is unsupported', () => {
    const v1 = sample('PurchaseMade');
    delete v1.schemaVersion;
    expectSameVerdict(v1, true);
    expect(validateWithJsonSchema(v1)).toMatchObject({ ok: true, event: { schemaVersion: 1 } });
    expectSameVerdict({ ...sample('PurchaseMade'), schemaVersion: 2 }, false);
    expect(validateWithJsonSchema({ ...sample('PurchaseMade'), schemaVersion: 2 })).toMatchObject({ ok: false, violations: [{ path: 'schemaVersion' }] });
  });

  it('returns a clean copy and leaves its input alone', () => {
    const input = sample('ComplaintResolved');
    delete input.schemaVersion;
    const before = JSON.stringify(input);
    const result = validateWithJsonSchema(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(result.ok && result.event).not.toBe(input);
    expect(result.ok && Object.keys(result.event)).toEqual(validateInteractionEvent(input).ok && Object.keys((validateInteractionEvent(input) as { event: object }).event));
  });

  it('names every violated field, envelope and data, in one result', () => {
    const event = sample('PurchaseMade');
    Object.assign(event, { eventId: 'nope', occurredAt: '2026-03-14T10:22:05', extra: true });
    Object.assign(event.data, { amount: -3.5, currency: 'eur', colour: 'red' });
    delete event.data.orderId;
    expectSameVerdict(event, false);
    const result = validateWithJsonSchema(event);
    expect(!result.ok && result.violations.find((v) => v.path === 'data.orderId')?.messages).toEqual(['orderId is required']);
  });

  it('judges a value built in code by its own keys, as class-transformer copies them (inherited ones are not fields)', () => {
    for (const inherited of [{ extra: 1 }, sample('PurchaseMade'), { amount: 'x' }]) {
      const event = sample('PurchaseMade');
      const onPrototype = Object.assign(Object.create(inherited) as Json, event) as Json & { data: Json };
      const dataOnPrototype = { ...event, data: Object.assign(Object.create(inherited) as Json, event.data) };
      const onlyInherited = Object.create(event) as Json;
      for (const body of [onPrototype, dataOnPrototype, onlyInherited]) {
        const http = validateInteractionEvent(body);
        const edge = validateWithJsonSchema(body);
        expect({ ok: edge.ok, paths: violatedPaths(edge) }).toEqual({ ok: http.ok, paths: violatedPaths(http) });
      }
    }
  });

  // Property: an unknown key (a prototype member's name, or any short string) with any JSON
  // value, added to the envelope or to data of any sample, or any field replaced by a value
  // nested up to 40 levels: the two validators always agree, and name the same fields.
  it('agree when an unknown key or a deeply nested value is added anywhere', () => {
    const key = fc.oneof(fc.constantFrom(...PROTOTYPE_MEMBER_NAMES, 'eventId', 'data', 'amount', 'score', '0'), fc.string({ maxLength: 6 }));
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.tuple(fc.integer({ min: 1, max: 40 }), fc.boolean()).map(([levels, array]) => nested(levels, 1, array)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPES), fc.boolean(), key, value, fc.boolean(), (type, inData, name, added, replace) => {
        const event = sample(type);
        const target = inData ? event.data : event;
        if (replace && Object.hasOwn(target, name)) target[name] = added;
        else if (inData) event.data = withKey(event.data, name, added);
        else expectSameVerdict(withKey(event, name, added));
        expectSameVerdict(event);
      }),
      { numRuns: 2000, seed: 20261201 },
    );
  });
});
