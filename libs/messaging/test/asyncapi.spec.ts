import { EVENT_TYPES } from '@crm/contracts';
import { DEAD_LETTER_HEADERS, INTERACTION_HEADERS, TOPICS } from '../src/messaging.port';
import { ParsedAsyncApi, TopicContract, messageChecker, parseAsyncApi, schemaCompiler } from './asyncapi-document';

const message = (value: unknown, headers: Record<string, string>, key: string | null = 'C-1') => ({
  topic: 't',
  partition: 0,
  offset: '0',
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  headers,
});

describe('infra/asyncapi.yaml', () => {
  let parsed: ParsedAsyncApi;
  const topic = (address: string): TopicContract => parsed.topics.get(address)!;

  beforeAll(async () => {
    parsed = await parseAsyncApi();
  });

  it('is a valid AsyncAPI document for the official parser: no error, no warning', () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.document).toBeDefined();
  });

  it('reports a broken document (the parser is not lenient)', async () => {
    const broken = await parseAsyncApi('asyncapi: 3.1.0\ninfo: { title: x, version: 1, description: a {b} c }\nchannels: {}\n');
    expect(broken.document).toBeUndefined();
    expect(broken.problems.length).toBeGreaterThan(0);
  });

  it('documents exactly the platform topics, one message with headers and payload each', () => {
    expect([...parsed.topics.keys()].sort()).toEqual(Object.values(TOPICS).sort());
    for (const contract of parsed.topics.values()) {
      expect(contract.payload).toHaveProperty('type');
      expect(contract.headers).toHaveProperty('type', 'object');
    }
  });

  it('requires the headers the relay sets and the projector checks, and the dead-letter headers', () => {
    expect([...(topic(TOPICS.interactions).headers as { required: string[] }).required].sort()).toEqual(Object.values(INTERACTION_HEADERS).sort());
    expect((topic(TOPICS.interactionsDlq).headers as { required: string[] }).required).toEqual(expect.arrayContaining(Object.values(DEAD_LETTER_HEADERS)));
  });

  it('names exactly the event types of the contracts (EventType), CustomersMerged included', () => {
    const interactions = topic(TOPICS.interactions).payload as { properties: { type: { enum?: string[] } } };
    expect(interactions.properties.type.enum).toEqual([...EVENT_TYPES]);
  });

  it('has schemas ajv compiles in strict mode', () => {
    const ajv = schemaCompiler();
    for (const contract of parsed.topics.values()) {
      for (const schema of [contract.payload, contract.headers, contract.key].filter(Boolean)) expect(() => ajv.compile(schema as object)).not.toThrow();
    }
  });

  describe('the customer-views topic carries the presented view', () => {
    const presented = {
      customerId: 'C-1',
      position: 7,
      indexes: { lifecycleStage: 'exploration', trustStage: 'calculus', loyaltyStage: 'cognition' },
      projectionVersion: 'relationship-3/policy-2026-12.1',
      segment: null,
      view: {
        customerId: 'C-1',
        policyVersion: '2026-12.1',
        position: 7,
        eventCount: 1,
        lifecycle: { stage: 'exploration', transitions: [{ from: null, to: 'exploration', rule: 'first-purchase', occurredAt: '2026-01-01T00:00:00Z', eventId: '5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20' }] },
        trust: { stage: 'calculus' },
        loyalty: { formationStage: 'cognition' },
        satisfaction: {},
        complaints: {},
      },
    };
    const check = () => messageChecker(topic(TOPICS.customerViews));

    it('accepts the presented form', () => {
      expect(check()(message(presented, { position: '7' }))).toEqual([]);
    });

    it('rejects the stored form (the fold log and running totals, or the view nested under state)', () => {
      expect(check()(message({ ...presented, view: { ...presented.view, log: [], state: {} } }, { position: '7' }))).not.toEqual([]);
      expect(check()(message({ customerId: 'C-1', position: 7, indexes: presented.indexes, view: { projectionVersion: 'x', state: presented.view } }, { position: '7' }))).not.toEqual([]);
    });
  });

  it('checks a dead letter whatever its value, but requires its reason and source', () => {
    const check = messageChecker(topic(TOPICS.interactionsDlq));
    const headers = { 'dlq-reason': 'value is not JSON', 'dlq-source-topic': TOPICS.interactions, 'dlq-source-partition': '0', 'dlq-source-offset': '12', origin: 'x' };
    expect(check(message('{"not json', headers))).toEqual([]);
    expect(check(message('', { origin: 'x' }, ''))).toEqual(expect.arrayContaining([expect.stringContaining('dlq-reason')]));
  });
});
