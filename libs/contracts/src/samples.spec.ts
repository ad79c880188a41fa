import { EVENT_TYPES } from './event-types';
import { sampleEvent, sampleEventId } from './samples';
import { validateInteractionEvent } from './validation/validate-interaction-event';

describe('sampleEvent', () => {
  it.each(EVENT_TYPES)('builds a valid, deterministic %s', (type) => {
    expect(validateInteractionEvent(sampleEvent(type)).ok).toBe(true);
    expect(sampleEvent(type)).toEqual(sampleEvent(type));
  });

  it('gives each type its own eventId', () => {
    expect(new Set(EVENT_TYPES.map((type) => sampleEvent(type).eventId)).size).toBe(EVENT_TYPES.length);
  });

  it('applies envelope overrides and merges data overrides field by field', () => {
    const event = sampleEvent('PurchaseMade', { customerId: 'C-9', eventId: sampleEventId(42), data: { amount: 100 } });
    expect(event).toMatchObject({ customerId: 'C-9', eventId: '00000000-0000-4000-8000-00000000002a', data: { amount: 100, currency: 'EUR' } });
    expect(sampleEvent('PurchaseMade').data.amount).toBe(4599); // the template is untouched
  });

  it('sampleEventId yields valid distinct UUIDs and rejects out-of-range numbers', () => {
    const ids = [0, 1, 2 ** 48 - 1].map(sampleEventId);
    expect(new Set(ids).size).toBe(3);
    for (const eventId of ids) expect(validateInteractionEvent(sampleEvent('ReferralMade', { eventId })).ok).toBe(true);
    expect(() => sampleEventId(-1)).toThrow(RangeError);
    expect(() => sampleEventId(1.5)).toThrow(RangeError);
  });
});
