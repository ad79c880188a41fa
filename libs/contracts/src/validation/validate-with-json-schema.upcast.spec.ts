import fc from 'fast-check';
import { EVENT_TYPES, InteractionEventType } from '../event-types';
import { sampleEvent } from '../samples';
import { ValidationResult, validateInteractionEvent } from './validate-interaction-event';
import { validateWithJsonSchema } from './validate-with-json-schema';

// A stored event may carry an older schemaVersion. Only v1 exists today, so this file gives
// PurchaseMade a v2 for both validators: v1 called the product `sku`; the v1 → v2 upcaster
// renames it, and the DTO (the current version) is the v2 shape, as the README's recipe says.
jest.mock('../versioning/schema-versions', () => {
  const actual = jest.requireActual('../versioning/schema-versions');
  return { ...actual, CURRENT_SCHEMA_VERSIONS: Object.freeze({ ...actual.CURRENT_SCHEMA_VERSIONS, PurchaseMade: 2 }) };
});
jest.mock('../versioning/upcast', () => {
  const actual = jest.requireActual('../versioning/upcast');
  const { CURRENT_SCHEMA_VERSIONS } = jest.requireMock('../versioning/schema-versions');
  const registry = {
    PurchaseMade: {
      1: (event: { data?: unknown }) => {
        if (typeof event.data !== 'object' || event.data === null) return { ...event };
        const { sku, ...rest } = event.data as { sku?: unknown };
        return { ...event, data: sku === undefined ? rest : { ...rest, productId: sku } };
      },
    },
  };
  return { ...actual, UPCASTERS: registry, upcast: (event: unknown) => actual.upcastWith(event, registry, CURRENT_SCHEMA_VERSIONS) };
});

type Json = { [key: string]: unknown };

/** A v1 PurchaseMade as a v1 publisher sent it: `sku`, not `productId`. */
function v1Purchase(change: (event: Json & { data: Json }) => void = () => {}): Json & { data: Json } {
  const event = JSON.parse(JSON.stringify(sampleEvent('PurchaseMade'))) as Json & { data: Json };
  const { productId, ...data } = event.data;
  event.data = { ...data, sku: productId };
  event.schemaVersion = 1;
  change(event);
  return event;
}

const paths = (result: ValidationResult) => (result.ok ? [] : result.violations.map((v) => v.path).sort());

function expectSameResult(body: unknown, expected?: boolean) {
  const http = validateInteractionEvent(body);
  const edge = validateWithJsonSchema(body);
  if (http.ok !== edge.ok) throw new Error(`validator says ${http.ok}, validateWithJsonSchema says ${edge.ok} for ${JSON.stringify(body)}`);
  if (http.ok && edge.ok) expect(edge.event).toEqual(http.event);
  else expect(paths(edge)).toEqual(paths(http));
  if (expected !== undefined) expect(http.ok).toBe(expected);
}

describe('validateWithJsonSchema upcasts first, then validates (PurchaseMade at v2 in this file)', () => {
  it('accepts a v1 event, upcast to the current version, as validateInteractionEvent does', () => {
    const event = v1Purchase();
    expectSameResult(event, true);
    const result = validateWithJsonSchema(event);
    expect(result).toMatchObject({ ok: true, event: { schemaVersion: 2, data: { productId: 'B-12' } } });
    expect(result.ok && result.event.data).not.toHaveProperty('sku');
  });

  it('reads a missing schemaVersion as 1, so it is upcast too', () => {
    expectSameResult(v1Purchase((event) => delete event.schemaVersion), true);
  });

  it('rejects v1 fields on a v2 event, and a version newer than the current one', () => {
    expectSameResult(v1Purchase((event) => (event.schemaVersion = 2)), false);
    expect(paths(validateWithJsonSchema(v1Purchase((event) => (event.schemaVersion = 2))))).toEqual(['data.productId', 'data.sku']);
    expectSameResult(v1Purchase((event) => (event.schemaVersion = 3)), false);
  });

  it('checks the depth before an upcaster sees the event, naming the same path', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const event = v1Purchase((e) => (e.data.sku = deep));
    expectSameResult(event, false);
    expect(validateWithJsonSchema(event)).toEqual(validateInteractionEvent(event));
  });

  it('the other types are unchanged at v1', () => {
    for (const type of EVENT_TYPES.filter((t): t is Exclude<InteractionEventType, 'PurchaseMade'> => t !== 'PurchaseMade')) {
      expectSameResult(JSON.parse(JSON.stringify(sampleEvent(type))), true);
    }
  });

  // Property: any field of a v1 or v2 PurchaseMade replaced by a value near the rules (the
  // version included): both validators give the same verdict, clean event and violated fields.
  it('agree when any field of an old or current PurchaseMade is replaced', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.integer({ min: -1, max: 4 }),
      fc.constantFrom('B-12', '', 'EUR', 1, 2, 3, '1', null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.nat(), value, (old, inData, pick, replacement) => {
        const event = old ? v1Purchase() : v1Purchase((e) => {
          e.schemaVersion = 2;
          e.data.productId = e.data.sku;
          delete e.data.sku;
        });
        const target = inData ? event.data : event;
        const fields = [...Object.keys(target), 'schemaVersion'];
        const field = fields[pick % fields.length];
        if (replacement === undefined) delete target[field];
        else target[field] = replacement;
        expectSameResult(event);
      }),
      { numRuns: 1000, seed: 20261201 },
    );
  });
});
