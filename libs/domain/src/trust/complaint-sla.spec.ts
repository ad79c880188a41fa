import { COMPLAINT_SEVERITIES, ComplaintSeverity } from '@crm/contracts';
import { DEFAULT_POLICY } from '../policy';
import { evaluate, evolve } from '../customer/customer-view.evolve';
import { CustomerEvents, day, given, live } from '../customer/testing/customer-events.test-helper';

const SECOND = 1000;
const DAY = 86_400_000;
const at = (ms: number): string => new Date(ms).toISOString();
const SLA_DAYS: Record<ComplaintSeverity, number> = { critical: 1, high: 3, medium: 7, low: 14 };
/** The severities whose SLA breach is a trust violation (docs/relationship-model.md §3). */
const BREACHING: readonly ComplaintSeverity[] = ['high', 'critical'];

/** Six purchases 15 days apart: knowledge-based trust by day 75; a complaint filed on day 100. */
function knownCustomer(severity: ComplaintSeverity, id = `C-sla-${severity}`) {
  const c = new CustomerEvents(id);
  const events = [];
  for (let m = 0; m < 6; m++) events.push(c.purchase(day(15 * m)));
  const filed = Date.parse(day(100));
  events.push(c.complaint(day(100), 'K-1', severity));
  return { c, events, filed, deadline: filed + SLA_DAYS[severity] * DAY };
}

describe('complaint SLA: the deadline instant is still in time', () => {
  it('uses the model defaults: critical 1 d, high 3 d, medium 7 d, low 14 d; high and critical breaches violate trust', () => {
    expect(DEFAULT_POLICY.complaints.slaDays).toEqual(SLA_DAYS);
    expect([...DEFAULT_POLICY.trust.violation.slaBreachSeverities].sort()).toEqual([...BREACHING].sort());
  });

  describe.each(COMPLAINT_SEVERITIES.map((severity) => [severity]))('%s complaint', (severity) => {
    const breaches = BREACHING.includes(severity);

    it('resolved a second before the deadline: within SLA, no violation', () => {
      const { c, events, deadline } = knownCustomer(severity);
      const view = given([...events, c.resolved(at(deadline - SECOND), 'K-1')]).whenEvaluatedAt(at(deadline + DAY));
      expect(view.complaints).toMatchObject({ resolved: 1, resolvedWithinSla: 1, recovered: 1, open: [] });
      expect(view.trust.evidence.integrity).toEqual({ positive: 1, negative: 0 });
      expect(view.trust.violations).toEqual([]);
      expect(view.trust.stage).toBe('knowledge');
    });

    it('resolved exactly at the deadline: within SLA, no violation', () => {
      const { c, events, deadline } = knownCustomer(severity);
      const view = given([...events, c.resolved(at(deadline), 'K-1')]).whenEvaluatedAt(at(deadline + DAY));
      expect(view.complaints).toMatchObject({ resolved: 1, resolvedWithinSla: 1, recovered: 1, open: [] });
      expect(view.trust.evidence.integrity).toEqual({ positive: 1, negative: 0 });
      expect(view.trust.violations).toEqual([]);
      expect(view.trust.stage).toBe('knowledge');
    });

    it(`resolved a second after the deadline: outside SLA${breaches ? ', and the breach dropped trust' : ', no trust violation'}`, () => {
      const { c, events, deadline } = knownCustomer(severity);
      const view = given([...events, c.resolved(at(deadline + SECOND), 'K-1')]).whenEvaluatedAt(at(deadline + DAY));
      expect(view.complaints).toMatchObject({ resolved: 1, resolvedWithinSla: 0, recovered: 0, open: [] });
      expect(view.trust.evidence.integrity).toEqual({ positive: 0, negative: 1 });
      if (breaches) {
        // The breach is stamped at the first instant past the deadline.
        expect(view.trust.violations).toEqual([
          { kind: 'sla-breach', complaintId: 'K-1', eventId: null, occurredAt: at(deadline + 1), from: 'knowledge', to: 'calculus' },
        ]);
        expect(view.trust.stage).toBe('calculus');
      } else {
        expect(view.trust.violations).toEqual([]);
        expect(view.trust.stage).toBe('knowledge');
      }
    });

    it('unresolved: evaluate at the deadline has no breach yet; just after it, the SLA has run out', () => {
      const { events, deadline } = knownCustomer(severity);
      const atDeadline = given(events).whenEvaluatedAt(at(deadline));
      expect(atDeadline.complaints.open).toEqual([expect.objectContaining({ complaintId: 'K-1', slaDeadline: at(deadline), breached: false })]);
      expect(atDeadline.trust.violations).toEqual([]);
      expect(atDeadline.trust.stage).toBe('knowledge');

      const justAfter = given(events).whenEvaluatedAt(at(deadline + 1));
      expect(justAfter.complaints.open).toEqual([expect.objectContaining({ complaintId: 'K-1', breached: true })]);
      expect(justAfter.trust.violations).toEqual(
        breaches ? [{ kind: 'sla-breach', complaintId: 'K-1', eventId: null, occurredAt: at(deadline + 1), from: 'knowledge', to: 'calculus' }] : [],
      );
      expect(justAfter.trust.stage).toBe(breaches ? 'calculus' : 'knowledge');
      // Looking at the deadline first changes nothing.
      expect(evaluate(atDeadline, at(deadline + 1), DEFAULT_POLICY)).toEqual(justAfter);
    });

    it('a resolution dated at the deadline that arrives after the deadline has passed undoes the breach', () => {
      const { c, events, deadline } = knownCustomer(severity);
      const persisted = evaluate(live(`C-sla-${severity}`, events), at(deadline + 2 * DAY), DEFAULT_POLICY);
      expect(persisted.complaints.open[0].breached).toBe(true);
      expect(persisted.trust.violations).toHaveLength(breaches ? 1 : 0);

      const resolved = evolve(persisted, c.resolved(at(deadline), 'K-1'), DEFAULT_POLICY, () => events);
      expect(resolved.trust.violations).toEqual([]);
      expect(resolved.trust.stage).toBe('knowledge');
      expect(resolved.complaints).toMatchObject({ resolvedWithinSla: 1, open: [] });
      expect(resolved.asOf).toBe(at(deadline + 2 * DAY));
    });
  });

  it("the publisher's withinSla decides the resolution's SLA verdict, both ways", () => {
    const { c, events, deadline } = knownCustomer('low');
    const lateButWithin = given([...events, c.resolved(at(deadline + DAY), 'K-1', { withinSla: true })]).whenEvolved();
    expect(lateButWithin.complaints.resolvedWithinSla).toBe(1);
    expect(lateButWithin.trust.evidence.integrity).toEqual({ positive: 1, negative: 0 });

    const earlyButOutside = given([...events, c.resolved(at(deadline - DAY), 'K-1', { withinSla: false })]).whenEvolved();
    expect(earlyButOutside.complaints.resolvedWithinSla).toBe(0);
    expect(earlyButOutside.trust.evidence.integrity).toEqual({ positive: 0, negative: 1 });
  });

  it('withinSla: true on a late resolution counts for integrity but cannot undo a breach that already fired', () => {
    const { c, events, deadline } = knownCustomer('high');
    const view = given([...events, c.resolved(at(deadline + DAY), 'K-1', { withinSla: true })]).whenEvolved();
    expect(view.complaints.resolvedWithinSla).toBe(1);
    expect(view.trust.violations).toEqual([expect.objectContaining({ kind: 'sla-breach', occurredAt: at(deadline + 1) })]);
  });

  it('a resolution of a complaint that was never filed has no verdict without withinSla', () => {
    const c = new CustomerEvents('C-sla-unfiled');
    const view = given([c.purchase(day(0)), c.resolved(day(1), 'K-none')]).whenEvolved();
    expect(view.complaints).toMatchObject({ resolved: 1, resolvedWithinSla: 0 });
    expect(view.trust.evidence.integrity).toEqual({ positive: 0, negative: 0 });
  });
});
