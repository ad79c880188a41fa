import fc from 'fast-check';
import { parseInstant } from './event-fact';

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
