import fc from 'fast-check';
import { COMPLAINT_SEVERITIES, ComplaintSeverity, StoredInteractionEvent } from '@crm/contracts';
import { foldEvents } from '../customer/customer-view.evolve';
import { getOwn } from '../customer/own-keys';
import { CustomerEvents } from '../customer/testing/customer-events.test-helper';
import { DEFAULT_POLICY } from '../policy';
import { emptyInteractionMeasures, evolveInteractionMeasures, foldInteractionMeasures, InteractionMeasuresState, measuresFor } from './interaction-measures';

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

// ——— Complaints resolved within SLA: the customer view's verdict (customer/complaint-sla.ts) ———

const DAY_MS = 86_400_000;
const SLA_DAYS = { critical: 1, high: 3, medium: 7, low: 14 } as const;
const iso = (ms: number) => new Date(ms).toISOString();

/** Complaint events of one customer, built with the customer-view test helper (same shapes as the view's tests). */
function complaintEvents(customerId = 'C-sla') {
  const c = new CustomerEvents(customerId, 100_000);
  return {
    c,
    filed: (at: number, complaintId: string, severity: ComplaintSeverity) => c.complaint(iso(at), complaintId, severity),
    resolved: (at: number, complaintId: string, o: { agentId?: string; teamId?: string; withinSla?: boolean } = {}) =>
      c.event('ComplaintResolved', iso(at), {
        complaintId,
        resolution: 'replaced',
        customerAccepted: true,
        ...(o.withinSla === undefined ? {} : { withinSla: o.withinSla }),
        ...('agentId' in o ? (o.agentId === undefined ? {} : { agentId: o.agentId }) : { agentId: 'ann' }),
        ...('teamId' in o ? (o.teamId === undefined ? {} : { teamId: o.teamId }) : { teamId: 'north' }),
      }),
  };
}

const slaCounters = (state: InteractionMeasuresState, scope: 'agent' | 'team' = 'agent', id = 'ann') => {
  const { complaintsResolved, complaintsWithinSla, complaintsOutsideSla, complaintsSlaUnknown } = measuresFor(state, scope, id).total;
  return { complaintsResolved, complaintsWithinSla, complaintsOutsideSla, complaintsSlaUnknown };
};

describe('interaction measures: complaints resolved within SLA, judged like the customer view', () => {
  const filedAt = Date.parse('2026-03-01T09:30:00Z');

  describe.each(COMPLAINT_SEVERITIES.map((s) => [s]))('%s complaint without withinSla: the policy deadline decides', (severity) => {
    const deadline = filedAt + SLA_DAYS[severity] * DAY_MS;
    it.each([
      ['a second before the deadline', 'within', -1000],
      ['exactly at the deadline', 'within', 0],
      ['a second after the deadline', 'outside', 1000],
    ] as const)('resolved %s: %s', (_, verdict, offset) => {
      const { filed, resolved } = complaintEvents();
      const state = fold([filed(filedAt, 'K-1', severity), resolved(deadline + offset, 'K-1')]);
      const expected = { complaintsResolved: 1, complaintsWithinSla: verdict === 'within' ? 1 : 0, complaintsOutsideSla: verdict === 'outside' ? 1 : 0, complaintsSlaUnknown: 0 };
      expect(slaCounters(state)).toEqual(expected);
      expect(slaCounters(state, 'team', 'north')).toEqual(expected);
    });
  });

  it("the publisher's withinSla wins over the deadline, both ways", () => {
    const { filed, resolved } = complaintEvents();
    const state = fold([
      filed(filedAt, 'K-1', 'high'),
      resolved(filedAt + 10 * DAY_MS, 'K-1', { withinSla: true }),
      filed(filedAt, 'K-2', 'high'),
      resolved(filedAt + DAY_MS, 'K-2', { withinSla: false }),
    ]);
    expect(slaCounters(state)).toEqual({ complaintsResolved: 2, complaintsWithinSla: 1, complaintsOutsideSla: 1, complaintsSlaUnknown: 0 });
  });

  it('uses the SLAs of the policy it is given', () => {
    const { filed, resolved } = complaintEvents();
    const events = [filed(filedAt, 'K-1', 'low'), resolved(filedAt + 10 * DAY_MS, 'K-1')];
    const strict = { ...DEFAULT_POLICY, policyVersion: 'strict', complaints: { slaDays: { ...DEFAULT_POLICY.complaints.slaDays, low: 7 } } };
    expect(slaCounters(fold(events)).complaintsWithinSla).toBe(1);
    const state = events.reduce((s, e) => evolveInteractionMeasures(s, e, { policy: strict }), emptyInteractionMeasures());
    expect(slaCounters(state).complaintsOutsideSla).toBe(1);
  });

  it('a filing that arrives after its resolution re-judges it in the buckets it was counted in; redeliveries change nothing', () => {
    const { filed, resolved } = complaintEvents();
    const resolution = resolved(filedAt + 5 * DAY_MS, 'K-1');
    const filing = filed(filedAt, 'K-1', 'high');
    const before = fold([resolution]);
    expect(slaCounters(before)).toEqual({ complaintsResolved: 1, complaintsWithinSla: 0, complaintsOutsideSla: 0, complaintsSlaUnknown: 1 });
    const after = fold([filing], before);
    expect(slaCounters(after)).toEqual({ complaintsResolved: 1, complaintsWithinSla: 0, complaintsOutsideSla: 1, complaintsSlaUnknown: 0 });
    expect(slaCounters(after, 'team', 'north')).toMatchObject({ complaintsOutsideSla: 1, complaintsSlaUnknown: 0 });
    expect(measuresFor(after, 'agent', 'ann').days.map((d) => d.day)).toEqual(['2026-03-06']);
    expect(fold([filing, resolution], after)).toBe(after);
    // Any arrival order gives the same measures.
    expect(measuresFor(fold([filing, resolution]), 'agent', 'ann').total).toEqual(measuresFor(after, 'agent', 'ann').total);
  });

  it('a resolution without agent or team counts nowhere but closes the complaint, as in the view', () => {
    const { filed, resolved } = complaintEvents();
    const state = fold([
      filed(filedAt, 'K-1', 'low'),
      resolved(filedAt + DAY_MS, 'K-1', { agentId: undefined, teamId: undefined }),
      resolved(filedAt + 2 * DAY_MS, 'K-1'),
    ]);
    expect(slaCounters(state)).toEqual({ complaintsResolved: 1, complaintsWithinSla: 0, complaintsOutsideSla: 0, complaintsSlaUnknown: 1 });
  });

  it('agrees with the customer view on every history, whatever the arrival order (property)', () => {
    const severities = COMPLAINT_SEVERITIES;
    const spec = fc.record({
      resolve: fc.boolean(),
      complaint: fc.integer({ min: 0, max: 2 }),
      severity: fc.integer({ min: 0, max: 3 }),
      // Hours, with exact SLA deadlines (24 h multiples) often hit.
      at: fc.oneof(fc.integer({ min: 0, max: 40 * 24 }), fc.constantFrom(0, 24, 72, 168, 336, 360, 408)),
      publisher: fc.constantFrom<boolean | undefined>(undefined, undefined, true, false),
      offsetMs: fc.constantFrom(-1000, 0, 0, 1000),
    });
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 14 }), fc.array(fc.nat(), { maxLength: 14 }), (specs, order) => {
        const { c, filed, resolved } = complaintEvents('C-agree');
        const start = Date.parse('2026-01-01T00:00:00Z');
        const events = specs.map((s) => {
          const at = start + s.at * 3_600_000 + s.offsetMs;
          const id = `K-${s.complaint}`;
          return s.resolve ? resolved(at, id, s.publisher === undefined ? {} : { withinSla: s.publisher }) : filed(at, id, severities[s.severity]);
        });
        events.unshift(c.registered(iso(start - DAY_MS)));
        const arrival = events.map((e, i) => ({ e, k: order[i] ?? i })).sort((a, b) => a.k - b.k).map((x) => x.e);
        const view = foldEvents('C-agree', events, DEFAULT_POLICY);
        const measures = slaCounters(fold(arrival));
        expect(measures).toEqual({
          complaintsResolved: view.complaints.resolved,
          complaintsWithinSla: view.complaints.resolvedWithinSla,
          // Without follow-ups, integrity's negative evidence is exactly the resolutions outside SLA.
          complaintsOutsideSla: view.trust.evidence.integrity.negative,
          complaintsSlaUnknown: view.complaints.resolved - view.complaints.resolvedWithinSla - view.trust.evidence.integrity.negative,
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('interaction measures: ids named like Object members are ordinary keys', () => {
  const TRICKY = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
  const roundTrip = (state: InteractionMeasuresState): InteractionMeasuresState => JSON.parse(JSON.stringify(state));

  it('agent and team ids', () => {
    const events = TRICKY.flatMap((id, i) => [contact(`o${i}a`, id, TRICKY[(i + 1) % 4], 'resolved'), contact(`o${i}b`, id, TRICKY[(i + 1) % 4], 'escalated')]);
    // Through JSON between events, as the store keeps the measures.
    const state = events.reduce((s, e) => roundTrip(evolveInteractionMeasures(s, e)), emptyInteractionMeasures());
    for (const id of TRICKY) {
      expect(measuresFor(state, 'agent', id).total).toMatchObject({ contacts: 2, resolved: 1, escalated: 1, empowermentRate: 0.5 });
      expect(measuresFor(state, 'team', id).total).toMatchObject({ contacts: 2 });
      expect(measuresFor(state, 'agent', id).days.map((d) => d.day)).toEqual(['2026-03-14']);
    }
    expect(Object.keys(state.agent)).toEqual(TRICKY);
    expect(measuresFor(state, 'agent', 'valueOf').total.contacts).toBe(0);
    for (const id of TRICKY) {
      const none = measuresFor(emptyInteractionMeasures(), 'agent', id);
      expect(none.days).toEqual([]);
      expect(none.total).toMatchObject({ contacts: 0, empowermentRate: null });
    }
    // A redelivery after the round trip is still recognised.
    expect(evolveInteractionMeasures(state, events[3])).toBe(state);
  });

  it('customer and complaint ids of the complaint ledger', () => {
    let state = emptyInteractionMeasures();
    for (const customerId of TRICKY) {
      const { filed, resolved } = complaintEvents(customerId);
      for (const complaintId of TRICKY) {
        const at = Date.parse('2026-03-01T00:00:00Z');
        state = roundTrip(evolveInteractionMeasures(state, resolved(at + 2 * DAY_MS, complaintId, { agentId: '__proto__', teamId: 'constructor' })));
        state = roundTrip(evolveInteractionMeasures(state, filed(at, complaintId, 'critical')));
      }
    }
    expect(Object.keys(state.complaints)).toEqual(TRICKY);
    for (const customerId of TRICKY) expect(Object.keys(getOwn(state.complaints, customerId) ?? {})).toEqual(TRICKY);
    // 16 resolutions two days after a critical filing (SLA 1 day), each first unknown, then re-judged.
    expect(slaCounters(state, 'agent', '__proto__')).toEqual({ complaintsResolved: 16, complaintsWithinSla: 0, complaintsOutsideSla: 16, complaintsSlaUnknown: 0 });
    expect(slaCounters(state, 'team', 'constructor')).toMatchObject({ complaintsResolved: 16, complaintsOutsideSla: 16 });
    expect(Object.getPrototypeOf(state.agent)).toBe(Object.prototype);
  });
});

describe('interaction measures: a batch fold', () => {
  const AGENTS = ['ann', 'bo', '__proto__'];
  const OUTCOMES = ['resolved', 'escalated', 'transferred', 'abandoned', 'follow_up'] as const;

  it('equals the per-event fold for any events split into any batches, redeliveries included, and leaves its input alone (property)', () => {
    const spec = fc.record({
      kind: fc.constantFrom('contact', 'filed', 'resolved'),
      id: fc.integer({ min: 0, max: 30 }),
      agent: fc.integer({ min: 0, max: 2 }),
      hour: fc.integer({ min: 0, max: 24 * 20 }),
      outcome: fc.integer({ min: 0, max: 4 }),
      complaint: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 10 }), (specs, cuts) => {
        const { filed, resolved } = complaintEvents('C-batch');
        const start = Date.parse('2026-01-01T00:00:00Z');
        const events = specs.map((s) => {
          const at = start + s.hour * 3_600_000;
          const agent = AGENTS[s.agent];
          if (s.kind === 'contact') return contact(`e${s.id}`, agent, `t-${agent}`, OUTCOMES[s.outcome], iso(at));
          const complaint = `K-${s.complaint}`;
          return s.kind === 'filed' ? filed(at, complaint, 'high') : resolved(at, complaint, { agentId: agent, teamId: `t-${agent}` });
        });
        const perEvent = fold(events);
        let batched = emptyInteractionMeasures();
        let rest = events;
        for (const n of [...cuts, events.length]) {
          const before = JSON.stringify(batched);
          const next = foldInteractionMeasures(batched, rest.slice(0, n));
          expect(JSON.stringify(batched)).toBe(before);
          batched = next;
          rest = rest.slice(n);
        }
        expect(JSON.stringify(batched)).toBe(JSON.stringify(perEvent));
      }),
      { numRuns: 300 },
    );
  });
});
