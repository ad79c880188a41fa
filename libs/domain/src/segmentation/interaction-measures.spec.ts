import type { StoredInteractionEvent } from '@crm/contracts';
import { emptyInteractionMeasures, evolveInteractionMeasures, InteractionMeasuresState, measuresFor } from './interaction-measures';

let position = 0;
const contact = (eventId: string, agentId: string, teamId: string, outcome: 'resolved' | 'escalated' | 'transferred' | 'abandoned' | 'follow_up', occurredAt = '2026-03-14T10:00:00Z', direction: 'inbound' | 'outbound' = 'inbound', durationSec = 300): StoredInteractionEvent => ({
  eventId,
  type: 'ContactLogged',
  schemaVersion: 1,
  customerId: `C-${eventId}`,
  occurredAt,
  source: 'ivr-eu-1',
  data: { channel: 'phone', direction, agentId, teamId, durationSec, topic: 'billing', outcome },
  revision: 0,
  position: position++,
  recordedAt: '2026-03-14T10:00:01Z',
});
const resolvedComplaint = (eventId: string, agentId: string | undefined, teamId: string | undefined, withinSla?: boolean): StoredInteractionEvent => ({
  eventId,
  type: 'ComplaintResolved',
  schemaVersion: 1,
  customerId: 'C-9',
  occurredAt: '2026-03-14T12:00:00Z',
  source: 'crm-web',
  data: { complaintId: `K-${eventId}`, resolution: 'refund', customerAccepted: true, agentId, teamId, ...(withinSla === undefined ? {} : { withinSla }) },
  revision: 1,
  position: position++,
  recordedAt: '2026-03-14T12:00:01Z',
});
const fold = (events: StoredInteractionEvent[], state: InteractionMeasuresState = emptyInteractionMeasures()) =>
  events.reduce((s, e) => evolveInteractionMeasures(s, e), state);

describe('interaction measures: Bo escalates, team North loses empowerment', () => {
  // Ann resolves all 4 of her calls; Bo escalates 2 of his 4 and transfers 1.
  const events = [
    contact('a1', 'ann', 'north', 'resolved'),
    contact('a2', 'ann', 'north', 'resolved'),
    contact('a3', 'ann', 'north', 'resolved', undefined, 'outbound', 100),
    contact('a4', 'ann', 'north', 'resolved'),
    contact('b1', 'bo', 'north', 'escalated'),
    contact('b2', 'bo', 'north', 'escalated', undefined, 'inbound', 900),
    contact('b3', 'bo', 'north', 'transferred'),
    contact('b4', 'bo', 'north', 'resolved'),
  ];
  const state = fold(events);
  const day = '2026-03-14';

  it('gives Ann full empowerment and first-contact resolution', () => {
    const ann = measuresFor(state, 'agent', 'ann').total;
    expect(ann.empowermentRate).toBe(1);
    expect(ann.firstContactResolutionRate).toBe(1);
    expect(ann).toMatchObject({ contacts: 4, inbound: 3, outbound: 1, handleTimeSecTotal: 1000, averageHandleTimeSec: 250 });
  });

  it('gives Bo 50 % empowerment and 25 % first-contact resolution', () => {
    const bo = measuresFor(state, 'agent', 'bo').total;
    expect(bo).toMatchObject({ contacts: 4, escalated: 2, transferred: 1, resolved: 1, empowermentRate: 0.5, firstContactResolutionRate: 0.25 });
  });

  it("pulls team North's empowerment down to 75 % on that day", () => {
    const north = measuresFor(state, 'team', 'north');
    expect(north.days.map((d) => d.day)).toEqual([day]);
    expect(north.total).toMatchObject({ contacts: 8, escalated: 2, empowermentRate: 0.75, firstContactResolutionRate: 5 / 8, abandonedShare: 0 });
    const withoutBo = fold(events.filter((e) => e.data && !('agentId' in e.data && e.data.agentId === 'bo')));
    expect(measuresFor(withoutBo, 'team', 'north').total.empowermentRate).toBe(1);
  });

  it('ignores a redelivered event (idempotent by eventId per bucket)', () => {
    const again = fold(events, state);
    expect(again).toBe(state);
    expect(measuresFor(again, 'team', 'north').total.contacts).toBe(8);
  });

  it('counts a redelivery twice only when the caller turns tracking off', () => {
    const untracked = events.reduce((s, e) => evolveInteractionMeasures(evolveInteractionMeasures(s, e, { trackEventIds: false }), e, { trackEventIds: false }), emptyInteractionMeasures());
    expect(measuresFor(untracked, 'team', 'north').total.contacts).toBe(16);
  });
});

describe('interaction measures: days and complaints', () => {
  it('buckets by the UTC date of occurredAt, or shifted by an offset', () => {
    const late = contact('x1', 'cy', 'south', 'abandoned', '2026-03-15T00:30:00+01:00');
    expect(measuresFor(fold([late]), 'agent', 'cy').days[0]).toMatchObject({ day: '2026-03-14', abandoned: 1, abandonedShare: 1 });
    const cet = evolveInteractionMeasures(emptyInteractionMeasures(), late, { dayOffsetMinutes: 60 });
    expect(measuresFor(cet, 'agent', 'cy').days[0].day).toBe('2026-03-15');
  });

  it('filters days by from/to (inclusive) and recomputes rates from summed counters', () => {
    const state = fold([
      contact('d1', 'cy', 'south', 'escalated', '2026-03-01T09:00:00Z'),
      contact('d2', 'cy', 'south', 'resolved', '2026-03-02T09:00:00Z'),
      contact('d3', 'cy', 'south', 'resolved', '2026-03-02T10:00:00Z'),
      contact('d4', 'cy', 'south', 'resolved', '2026-03-03T09:00:00Z'),
    ]);
    const range = measuresFor(state, 'agent', 'cy', { from: '2026-03-01', to: '2026-03-02' });
    expect(range.days.map((d) => [d.day, d.contacts])).toEqual([['2026-03-01', 1], ['2026-03-02', 2]]);
    // (1 + 2 − 1) / 3, not the mean of the daily rates (0 and 1).
    expect(range.total.empowermentRate).toBeCloseTo(2 / 3, 12);
    expect(measuresFor(state, 'agent', 'nobody').total.empowermentRate).toBeNull();
  });

  it('counts resolved complaints within, outside and without an SLA verdict', () => {
    const state = fold([
      resolvedComplaint('k1', 'ann', 'north', true),
      resolvedComplaint('k2', 'ann', 'north', false),
      resolvedComplaint('k3', 'ann', undefined),
      resolvedComplaint('k4', undefined, undefined, true),
    ]);
    expect(measuresFor(state, 'agent', 'ann').total).toMatchObject({ complaintsResolved: 3, complaintsWithinSla: 1, complaintsOutsideSla: 1, complaintsSlaUnknown: 1, complaintsWithinSlaRate: 0.5 });
    expect(measuresFor(state, 'team', 'north').total).toMatchObject({ complaintsResolved: 2, complaintsSlaUnknown: 0 });
  });

  it('leaves the state untouched for events without agent measures', () => {
    const s = emptyInteractionMeasures();
    const purchase = { ...contact('p1', 'a', 't', 'resolved'), type: 'PurchaseMade', data: { orderId: 'O', amount: 1, currency: 'EUR', productCategory: 'x', productId: 'y', quantity: 1 } } as StoredInteractionEvent;
    expect(evolveInteractionMeasures(s, purchase)).toBe(s);
  });
});
