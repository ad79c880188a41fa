import { EVENT_TYPES, InteractionEventType } from '../event-types';
import { sampleEvent } from '../samples';
import { CURRENT_SCHEMA_VERSIONS } from './schema-versions';
import { UpcasterRegistry, upcast, upcastWith } from './upcast';

describe('upcast (only v1 exists)', () => {
  it.each(EVENT_TYPES)('returns a v1 %s unchanged (the same reference)', (type) => {
    const event = sampleEvent(type);
    expect(upcast(event)).toBe(event);
    const withoutVersion: { schemaVersion?: number } = { ...sampleEvent(type) };
    delete withoutVersion.schemaVersion;
    expect(upcast(withoutVersion)).toBe(withoutVersion);
  });

  it.each([null, [], 'x', { type: 'Nope', schemaVersion: 0 }, { type: 'PurchaseMade', schemaVersion: 'one' }])(
    'passes %j through for validation to report',
    (value) => expect(upcast(value)).toBe(value),
  );
});

describe('upcastWith (how a v2 slots in)', () => {
  // A fictional history of PurchaseMade: v2 added `channel`, v3 renamed productCategory to category.
  const versions: Record<InteractionEventType, number> = { ...CURRENT_SCHEMA_VERSIONS, PurchaseMade: 3 };
  const registry: UpcasterRegistry = {
    PurchaseMade: {
      1: (event) => ({ ...event, data: { ...(event.data as object), channel: 'unknown' } }),
      2: (event) => {
        const { productCategory, ...data } = event.data as { productCategory: string };
        return { ...event, data: { ...data, category: productCategory } };
      },
    },
  };

  it('chains upcasters from the declared version to the current one and sets schemaVersion', () => {
    const v1 = sampleEvent('PurchaseMade');
    const before = JSON.stringify(v1);
    const upcasted = upcastWith(v1, registry, versions) as { schemaVersion: number; data: Record<string, unknown> };
    expect(upcasted.schemaVersion).toBe(3);
    expect(upcasted.data).toMatchObject({ channel: 'unknown', category: 'books' });
    expect(upcasted.data).not.toHaveProperty('productCategory');
    expect(JSON.stringify(v1)).toBe(before); // the stored original is never rewritten
  });

  it('treats a missing schemaVersion as 1 and starts from v2 when declared', () => {
    const { schemaVersion: _omitted, ...noVersion } = sampleEvent('PurchaseMade');
    expect(upcastWith(noVersion, registry, versions)).toMatchObject({ schemaVersion: 3, data: { channel: 'unknown' } });
    const v2 = { ...sampleEvent('PurchaseMade'), schemaVersion: 2, data: { ...sampleEvent('PurchaseMade').data, channel: 'web' } };
    expect(upcastWith(v2, registry, versions)).toMatchObject({ schemaVersion: 3, data: { channel: 'web', category: 'books' } });
  });

  it('leaves other types and current or newer versions alone', () => {
    const contact = sampleEvent('ContactLogged');
    expect(upcastWith(contact, registry, versions)).toBe(contact);
    const v4 = { ...sampleEvent('PurchaseMade'), schemaVersion: 4 };
    expect(upcastWith(v4, registry, versions)).toBe(v4);
  });

  it('throws when a step of the chain is missing (a programming error, not bad input)', () => {
    expect(() => upcastWith(sampleEvent('PurchaseMade'), { PurchaseMade: { 1: (e) => e } }, versions)).toThrow(
      'No upcaster registered for PurchaseMade v2 -> v3',
    );
  });
});
