import fc from 'fast-check';
import { evaluate, evolve, foldEvents } from '../customer/customer-view.evolve';
import { CustomerEvents, day } from '../customer/testing/customer-events.test-helper';
import { DEFAULT_POLICY } from '../policy';
import { fromLegacyFact, parseInstant, toFact } from './event-fact';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

describe('parseInstant', () => {
  it('equals Date.parse on canonical instants, offsets and out-of-range fields', () => {
    fc.assert(
      fc.property(
        fc.record({
          y: fc.integer({ min: 0, max: 9999 }),
          mo: fc.integer({ min: 0, max: 13 }),
          d: fc.integer({ min: 0, max: 32 }),
          h: fc.integer({ min: 0, max: 25 }),
          mi: fc.integer({ min: 0, max: 60 }),
          s: fc.integer({ min: 0, max: 60 }),
          frac: fc.constantFrom('', '.000', '.123', '.999', '.5', '.12', '.123456'),
          zone: fc.constantFrom('Z', 'z', '+00:00', '+02:00', '-05:30', '+23:59', '-24:00', '+1:00', '+0200', ''),
        }),
        ({ y, mo, d, h, mi, s, frac, zone }) => {
          const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac}${zone}`;
          expect(Object.is(parseInstant(text), Date.parse(text))).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('equals Date.parse on leap days, the epoch edges and other shapes', () => {
    for (const text of [
      '2024-02-29T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '0000-01-01T00:00:00Z',
      '2026-03-14T10:22:05+01:00',
      '2024-02-29 10:00:00Z',
      '2024-0a-29T10:00:00Z',
      '2024-02-29T10:00:00.1a3Z',
      '2024-02-29T10:00:00+0a:00',
      '+002024-02-29T10:00:00Z',
      '2024-02-29',
      '',
      'not a date',
    ]) {
      expect({ text, t: parseInstant(text) }).toEqual({ text, t: Date.parse(text) });
    }
  });

  it('round-trips any instant through toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parseInstant(new Date(ms).toISOString())).toBe(ms);
      }),
    );
  });
});

describe('facts stored with the short field names', () => {
  const SHORT: Record<string, string> = {
    eventId: 'id', occurredAtMs: 't', occurredAt: 'at', position: 'p', type: 'k', acquisitionChannel: 'ch', direction: 'dir',
    outcome: 'out', sentiment: 's', contactId: 'cid', complaintId: 'cid', followUpOf: 'fu', orderId: 'o', amount: 'a', currency: 'c',
    productCategory: 'cat', category: 'cat', severity: 'sev', withinSla: 'sla', customerAccepted: 'acc', score: 'sc',
    recommendLikelihood: 'rl', context: 'ctx', referredCustomerId: 'ref', competitor: 'comp', reason: 'r',
  };
  const shorten = (fact: object) => Object.fromEntries(Object.entries(fact).map(([k, v]) => [SHORT[k] ?? k, v]));

  it('are read with the readable names: a stored view of the old layout (with its log) evolves and evaluates like a fresh one', () => {
    const c = new CustomerEvents('C-legacy');
    const events = [
      c.registered(day(0)),
      c.purchase(day(1), { category: 'toys' }),
      c.contact(day(2), { outcome: 'follow_up', contactId: 'X-1' }),
      c.complaint(day(3), 'K-1', 'high'),
      c.resolved(day(4), 'K-1', { withinSla: true }),
      c.rated(day(5), 4, 5, 9, 'contact'),
      c.referral(day(6), 'C-other'),
      c.declined(day(7)),
      c.refund(day(8), 'O-x'),
    ];
    const stored = JSON.parse(JSON.stringify(foldEvents('C-legacy', events, DEFAULT_POLICY)));
    // The layout before the fold state: every fact in `log`, with the short names.
    stored.log = events.map(toFact).map(shorten);
    for (const f of stored.log) expect(toFact(events.find((e) => e.eventId === f.id)!)).toEqual(fromLegacyFact(f));
    const next = c.ended(day(9), 'price');
    expect(evolve(stored, next, DEFAULT_POLICY)).toEqual(foldEvents('C-legacy', [...events, next], DEFAULT_POLICY));
    expect(evaluate(stored, day(3), DEFAULT_POLICY)).toEqual(evaluate(foldEvents('C-legacy', events, DEFAULT_POLICY), day(3), DEFAULT_POLICY, () => events));
  });
});
