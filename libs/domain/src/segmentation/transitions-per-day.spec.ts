import { transitionsPerDay } from './transitions-per-day';
import { utcDayOf } from './utc-day';

describe('utcDayOf', () => {
  it('takes the UTC date of an instant with any offset', () => {
    expect(utcDayOf('2026-03-15T00:30:00+01:00')).toBe('2026-03-14');
    expect(utcDayOf('2024-02-29T23:59:59.999Z')).toBe('2024-02-29');
    expect(utcDayOf('1969-12-31T23:00:00Z')).toBe('1969-12-31');
    expect(utcDayOf('2000-03-01T00:00:00Z')).toBe('2000-03-01');
    expect(utcDayOf('2026-03-14T23:30:00Z', 60)).toBe('2026-03-15');
    expect(() => utcDayOf('not a date')).toThrow(RangeError);
  });

  it('agrees with Date for a sweep of instants', () => {
    for (let ms = Date.UTC(1899, 0, 1); ms < Date.UTC(2101, 0, 1); ms += 86_400_000 * 13.7) {
      const iso = new Date(ms).toISOString();
      expect(utcDayOf(iso)).toBe(iso.slice(0, 10));
    }
  });
});

describe('transitionsPerDay', () => {
  it('counts per UTC day, by target stage and by flow (a first stage from `new`), days ascending', () => {
    const rows = transitionsPerDay([
      { from: 'awareness', to: 'exploration', occurredAt: '2026-03-02T10:00:00Z' },
      { from: 'exploration', to: 'expansion', occurredAt: '2026-03-01T10:00:00Z' },
      { from: 'awareness', to: 'exploration', occurredAt: '2026-03-01T23:30:00-02:00' },
      { from: 'dissolution', to: 'exploration', occurredAt: '2026-03-01T08:00:00Z' },
      { from: null, to: 'awareness', occurredAt: '2026-03-01T07:00:00Z' },
    ]);
    expect(rows).toEqual([
      { day: '2026-03-01', byStage: { awareness: 1, expansion: 1, exploration: 1 }, byFlow: { 'dissolution→exploration': 1, 'exploration→expansion': 1, 'new→awareness': 1 }, total: 3 },
      { day: '2026-03-02', byStage: { exploration: 2 }, byFlow: { 'awareness→exploration': 2 }, total: 2 },
    ]);
    expect(transitionsPerDay([])).toEqual([]);
  });
});
