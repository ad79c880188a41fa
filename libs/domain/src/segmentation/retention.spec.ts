import { activePeriods, retentionSeries } from './retention';
import { DEFAULT_SEGMENTS_POLICY } from './segmentation.policy';

const AS_OF = '2026-04-01T00:00:00.000Z';
const AT = Date.parse(AS_OF);
const DAY = 86_400_000;
const ago = (days: number) => AT - days * DAY;
/** The fold state's activity times of the given events (purchases; any event but an ending). */
const log = (...facts: { t: number; k: 'PurchaseMade' | 'ContactLogged' | 'RelationshipEnded' }[]) => {
  const sorted = facts.sort((a, b) => a.t - b.t);
  return {
    state: {
      purchaseTimes: sorted.filter((f) => f.k === 'PurchaseMade').map((f) => f.t),
      interactionTimes: sorted.filter((f) => f.k !== 'RelationshipEnded').map((f) => f.t),
    },
  };
};
const fact = (t: number, k: 'PurchaseMade' | 'ContactLogged' | 'RelationshipEnded') => ({ t, k });
const policy = { periodDays: 30, periods: 3, activity: 'purchase' as const };

describe('activePeriods (periods of 30 days ending at asOf: k = (asOf − (k+1)·30d, asOf − k·30d])', () => {
  it('puts each purchase in its period, the boundary instant in the later one', () => {
    const view = log(fact(AT, 'PurchaseMade'), fact(ago(30), 'PurchaseMade'), fact(ago(30) - 1, 'PurchaseMade'), fact(ago(95), 'PurchaseMade'));
    // asOf itself and asOf − 30d are period 0; a millisecond earlier is period 1; 95 days ago is period 3.
    expect(activePeriods(view, AS_OF, policy)).toEqual([0, 1, 3]);
  });

  it('ignores what is older than the series, later than asOf, or not activity', () => {
    const view = log(fact(ago(120) , 'PurchaseMade'), fact(ago(10), 'ContactLogged'), fact(ago(5), 'RelationshipEnded'), fact(AT + DAY, 'PurchaseMade'));
    expect(activePeriods(view, AS_OF, policy)).toEqual([]);
    // "interaction": any event but RelationshipEnded.
    expect(activePeriods(view, AS_OF, { ...policy, activity: 'interaction' })).toEqual([0]);
  });
});

describe('retentionSeries', () => {
  it('is, per period, the share of its active customers active in the next period too', () => {
    const series = retentionSeries(
      [
        { activePeriods: [0, 1, 2, 3] }, // retained every time
        { activePeriods: [2, 3] }, // active in 3 and 2, lost after 2
        { activePeriods: [1] }, // new in 1, lost after it
        { activePeriods: [3] }, // lost after 3
        {}, // never active
      ],
      AS_OF,
      policy,
    );
    expect(series).toEqual({
      periodDays: 30,
      activity: 'purchase',
      periods: [
        { from: new Date(ago(120)).toISOString(), to: new Date(ago(90)).toISOString(), active: 3, retained: 2, rate: 2 / 3 },
        { from: new Date(ago(90)).toISOString(), to: new Date(ago(60)).toISOString(), active: 2, retained: 1, rate: 1 / 2 },
        { from: new Date(ago(60)).toISOString(), to: new Date(ago(30)).toISOString(), active: 2, retained: 1, rate: 1 / 2 },
      ],
    });
  });

  it('has a null rate for a period nobody was active in, and the default 12 monthly periods', () => {
    const series = retentionSeries([], AS_OF, DEFAULT_SEGMENTS_POLICY.retention);
    expect(series.periods).toHaveLength(12);
    expect(series.periods.every((p) => p.active === 0 && p.rate === null)).toBe(true);
    expect(series.periods[11].to).toBe(new Date(ago(30)).toISOString());
  });
});
