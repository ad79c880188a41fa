import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, InteractionEventType, SampleOverrides, sampleEvent } from '@crm/contracts';
import { DATA_DTO_BY_TYPE } from '@crm/contracts/edge';
import { tempDir } from '@crm/testing';
import { PlatformHarness, startPlatform } from './platform-harness';

type Json = { [key: string]: any };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const REF = '#/components/schemas/';

/**
 * The OpenAPI document as the app serves it (GET /docs/openapi.json of the embedded platform):
 * valid OpenAPI 3, every route's success typed, bodies and errors typed, and the schemas true
 * to what the routes really answer.
 */
describe('the OpenAPI document', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;
  let document: Json;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-openapi-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
    document = (await platform.http.get('/docs/openapi.json').expect(200)).body;
  });
  afterAll(async () => {
    await platform.close();
    dir.remove();
  });

  const operations = () =>
    Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation: operation as Json })),
    );

  /** A schema that says something: a reference, a type, a composition or properties. */
  const isTyped = (schema: Json | undefined) =>
    schema !== undefined && ['$ref', 'type', 'oneOf', 'anyOf', 'allOf', 'properties', 'items'].some((keyword) => keyword in schema);

  it('validates as OpenAPI 3, every $ref resolving (swagger-parser)', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('declares each parameter of a route once (header names compared without case)', () => {
    const repeated = operations().flatMap(({ route, operation }) => {
      const names = ((operation.parameters ?? []) as Json[]).map((p) => `${p.in}:${p.in === 'header' ? String(p.name).toLowerCase() : p.name}`);
      return names.filter((name, i) => names.indexOf(name) !== i).map((name) => `${route} ${name}`);
    });
    expect(repeated).toEqual([]);
    const changes = (document.paths['/v1/changes'].get.parameters as Json[]).map((p) => [p.in, p.name, p.required ?? false]);
    expect(changes).toEqual(expect.arrayContaining([['header', 'Last-Event-ID', false], ['query', 'lastEventId', false]]));
  });

  it('types a 2xx answer of every route with a schema', () => {
    const untyped = operations()
      .filter(({ operation }) => {
        const successes = Object.entries((operation.responses ?? {}) as Record<string, Json>).filter(([status]) => /^2\d\d$/.test(status));
        return successes.length === 0 || successes.some(([, response]) => !Object.values((response.content ?? {}) as Record<string, Json>).some((media) => isTyped(media.schema)));
      })
      .map(({ route }) => route);
    expect(untyped).toEqual([]);
    expect(operations().length).toBeGreaterThanOrEqual(14);
  });

  it('types every documented error as application/problem+json with the violations array', () => {
    const loose = operations().flatMap(({ route, operation }) =>
      Object.entries((operation.responses ?? {}) as Record<string, Json>)
        .filter(([status]) => /^[45]\d\d$/.test(status) && status !== '503' && !route.startsWith('GET /health'))
        .filter(([, response]) => response.content?.['application/problem+json']?.schema?.$ref !== `${REF}ProblemResponse`)
        .map(([status]) => `${route} ${status}`),
    );
    expect(loose).toEqual([]);
    const problem = document.components.schemas.ProblemResponse;
    expect(problem.required).toEqual(['type', 'title', 'status']);
    expect(problem.properties.violations).toMatchObject({ type: 'array', items: { $ref: `${REF}ViolationResponse` }, maxItems: 100 });
    expect(problem.properties.violationCount).toMatchObject({ type: 'integer' });
    expect(problem.properties.truncated).toMatchObject({ type: 'boolean' });
    expect(document.components.schemas.ViolationResponse.required).toEqual(['path', 'messages']);
  });

  it('describes the bodies of POST /v1/events and /v1/events/batch as the ten event types, one of them by type', () => {
    const single = document.paths['/v1/events'].post.requestBody;
    const batch = document.paths['/v1/events/batch'].post.requestBody;
    expect(single.required).toBe(true);
    const eventSchema = single.content['application/json'].schema;
    const batchSchema = document.components.schemas[batch.content['application/json'].schema.$ref.replace(REF, '')];
    expect(batchSchema.required).toEqual(['events']);
    expect(batchSchema.properties.events).toMatchObject({ type: 'array', minItems: 1, maxItems: 1000 });
    for (const schema of [eventSchema, batchSchema.properties.events.items]) {
      expect(schema.oneOf).toHaveLength(EVENT_TYPES.length);
      expect(schema.discriminator.propertyName).toBe('type');
      expect(Object.keys(schema.discriminator.mapping)).toEqual([...EVENT_TYPES]);
      expect(schema.oneOf.map((ref: Json) => ref.$ref).sort()).toEqual(Object.values(schema.discriminator.mapping).sort());
      for (const type of EVENT_TYPES) {
        const variant = document.components.schemas[schema.discriminator.mapping[type].replace(REF, '')];
        expect(variant.required).toEqual(expect.arrayContaining(['eventId', 'type', 'customerId', 'occurredAt', 'source', 'data']));
        expect(variant.properties.type).toMatchObject({ type: 'string', enum: [type] });
        expect(JSON.stringify(variant.properties.data)).toContain(`"${REF}${DATA_DTO_BY_TYPE[type].name}"`);
      }
    }
  });

  it('lists the filters of GET /v1/customers as enums, and asOf as an offset date-time', () => {
    const parameters = Object.fromEntries((document.paths['/v1/customers'].get.parameters as Json[]).map((p) => [p.name, p.schema]));
    expect(parameters.lifecycleStage.enum).toEqual(['awareness', 'exploration', 'expansion', 'commitment', 'dissolution']);
    expect(parameters.trustStage.enum).toEqual(['calculus', 'knowledge', 'identification']);
    expect(parameters.tier.enum).toEqual(['lead', 'iron', 'silver', 'gold', 'diamond']);
    expect(parameters.loyaltyStage.enum).toEqual(['cognition', 'acceptance', 'preference', 'loyalty']);
    const asOf = (document.paths['/v1/customers/{id}'].get.parameters as Json[]).find((p) => p.name === 'asOf');
    expect(asOf?.schema).toMatchObject({ type: 'string', format: 'date-time', pattern: expect.stringContaining('Z|[+-]') });
  });

  describe('its schemas describe what the routes answer', () => {
    let validators: (schema: Json) => ValidateFunction;

    beforeAll(() => {
      // OpenAPI 3.0 schema objects as JSON Schema: `nullable` adds null; exclusiveMinimum is a flag.
      const toJsonSchema = (node: unknown): unknown => {
        if (Array.isArray(node)) return node.map(toJsonSchema);
        if (typeof node !== 'object' || node === null) return node;
        const out: Json = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? value.replace('#/', 'openapi#/') : toJsonSchema(value)]));
        if (out.exclusiveMinimum === true) {
          out.exclusiveMinimum = out.minimum;
          delete out.minimum;
        }
        if (out.nullable === true) {
          delete out.nullable;
          return { anyOf: [{ type: 'null' }, out] };
        }
        return out;
      };
      const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
      addFormats(ajv);
      ajv.addSchema({ $id: 'openapi', components: toJsonSchema(document.components) });
      validators = (schema) => ajv.compile(toJsonSchema(schema) as Json);
    });

    /** The documented schema of an answer, and the answer checked against it. */
    function expectDocumented(route: string, res: { status: number; headers: Record<string, string>; body: unknown }): void {
      const [method, path] = route.split(' ');
      const response = document.paths[path]?.[method.toLowerCase()]?.responses?.[String(res.status)];
      expect({ route, status: res.status, documented: response !== undefined }).toEqual({ route, status: res.status, documented: true });
      const mediaType = String(res.headers['content-type']).split(';')[0];
      const schema = response.content?.[mediaType]?.schema;
      expect({ route, status: res.status, mediaType, typed: isTyped(schema) }).toEqual({ route, status: res.status, mediaType, typed: true });
      const validate = validators(schema);
      expect({ route, status: res.status, errors: validate(res.body) ? [] : validate.errors }).toEqual({ route, status: res.status, errors: [] });
    }

    const customerA = `C-${randomUUID()}`;
    const customerB = `C-${randomUUID()}`;
    const at = (day: number, hour = 10) => `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+01:00`;
    const event = <T extends InteractionEventType>(type: T, customerId: string, occurredAt: string, data: SampleOverrides<T>['data'] = {}) =>
      sampleEvent(type, { eventId: randomUUID(), customerId, occurredAt, data } as SampleOverrides<T>);

    it('accepts a sample of every event type in the documented body, and refuses a type that is not its own', () => {
      const body = validators(document.paths['/v1/events'].post.requestBody.content['application/json'].schema);
      for (const type of EVENT_TYPES) expect({ type, errors: body(sampleEvent(type)) ? [] : body.errors }).toEqual({ type, errors: [] });
      expect(body({ ...sampleEvent('PurchaseMade'), type: 'ContactLogged' })).toBe(false);
      expect(body({ ...sampleEvent('PurchaseMade'), type: 'PurchaseMaed' })).toBe(false);
    });

    it('publishes: 202, 200 for a retry, a batch result, a problem document', async () => {
      const first = event('CustomerRegistered', customerA, at(1));
      expectDocumented('POST /v1/events', await platform.http.post('/v1/events').send(first));
      expectDocumented('POST /v1/events', await platform.http.post('/v1/events').send(first));
      const history = [
        event('ContactLogged', customerA, at(2)),
        event('PurchaseMade', customerA, at(3)),
        event('PurchaseMade', customerA, at(4), { productCategory: 'music', currency: 'USD', orderId: 'O-2' }),
        event('ComplaintFiled', customerA, at(5)),
        event('ComplaintResolved', customerA, at(6)),
        event('SatisfactionRated', customerA, at(7)),
        event('ReferralMade', customerA, at(8)),
        event('CompetitorOfferDeclined', customerA, at(9)),
        event('PurchaseRefunded', customerA, at(10)),
        event('ComplaintFiled', customerA, at(11), { complaintId: 'CP-302', severity: 'critical' }),
        event('PurchaseMade', customerB, at(3)),
        event('RelationshipEnded', customerB, at(12)),
      ];
      const batch = await platform.http.post('/v1/events/batch').send({ events: history });
      expect(batch.status).toBe(202);
      expectDocumented('POST /v1/events/batch', batch);
      const invalid = await platform.http.post('/v1/events').send({ ...first, eventId: 'nope', data: { colour: 'red' } });
      expect(invalid.status).toBe(400);
      expectDocumented('POST /v1/events', invalid);
      expectDocumented('POST /v1/events/batch', await platform.http.post('/v1/events/batch').send({ events: Array.from({ length: 30 }, () => ({})) }));
      const head = (await platform.http.get('/health')).body.checks.eventStore.head as number;
      await platform.projector.runner.waitForPosition(head, 5000);
    });

    it('reads: the view (before and after a population pass), the timeline, a list page, measures, schemas, health', async () => {
      for (const customerId of [customerA, customerB]) {
        expectDocumented('GET /v1/customers/{id}', await platform.http.get(`/v1/customers/${customerId}`));
        expectDocumented('GET /v1/customers/{id}', await platform.http.get(`/v1/customers/${customerId}?asOf=${encodeURIComponent('2026-12-31T00:00:00Z')}`));
        expectDocumented('GET /v1/customers/{id}/timeline', await platform.http.get(`/v1/customers/${customerId}/timeline`));
      }
      expect((await platform.http.post(`/v1/segments/refresh?asOf=${encodeURIComponent('2026-04-01T00:00:00Z')}`)).status).toBe(200);
      expectDocumented('GET /v1/segments', await platform.http.get('/v1/segments'));
      const segmented = await platform.http.get(`/v1/customers/${customerA}`);
      expect(segmented.body.segment).not.toBeNull();
      expectDocumented('GET /v1/customers/{id}', segmented);
      // The check has teeth: a stage the model does not have, or a missing section, is caught.
      const viewSchema = validators(document.paths['/v1/customers/{id}'].get.responses['200'].content['application/json'].schema);
      const { view } = segmented.body;
      expect(viewSchema({ ...segmented.body, view: { ...view, lifecycle: { ...view.lifecycle, stage: 'nope' } } })).toBe(false);
      expect(viewSchema({ ...segmented.body, view: { ...view, trust: undefined } })).toBe(false);
      expect(viewSchema({ ...segmented.body, segment: { ...segmented.body.segment, tier: 'platinum' } })).toBe(false);
      expect(view.satisfaction.byContext.contact).toMatchObject({ ratings: 1 });
      expect(viewSchema({ ...segmented.body, view: { ...view, satisfaction: { ...view.satisfaction, byContext: { ...view.satisfaction.byContext, contact: { ratings: -1 } } } } })).toBe(false);
      expect(view.loyalty.conative.referredCustomers).toEqual([expect.objectContaining({ customerId: 'C-200117' })]);
      expectDocumented('GET /v1/customers', await platform.http.get('/v1/customers?limit=1'));
      expectDocumented('GET /v1/customers', await platform.http.get('/v1/customers?lifecycleStage=dissolution'));
      expectDocumented('GET /v1/customers', await platform.http.get('/v1/customers?lifecycleStage=foo'));
      expectDocumented('GET /v1/customers/{id}', await platform.http.get('/v1/customers/nobody'));
      expectDocumented('GET /v1/agents/{id}/measures', await platform.http.get('/v1/agents/A-17/measures'));
      expectDocumented('GET /v1/teams/{id}/measures', await platform.http.get('/v1/teams/T-billing/measures?from=2026-03-01&to=2026-03-31'));
      expectDocumented('GET /v1/schemas', await platform.http.get('/v1/schemas'));
      expectDocumented('GET /v1/schemas/{type}', await platform.http.get('/v1/schemas/PurchaseMade'));
      expectDocumented('GET /v1/schemas/{type}', await platform.http.get('/v1/schemas/Nope'));
      expectDocumented('GET /health', await platform.http.get('/health'));
      expectDocumented('GET /health/live', await platform.http.get('/health/live'));
    });
  });
});
