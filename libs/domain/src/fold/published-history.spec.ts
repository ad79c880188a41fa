import type { StoredInteractionEvent } from '@crm/contracts';
import { evaluate, evaluateWithFullHistory, foldEvents } from '../customer/customer-view.evolve';
import { CustomerEvents, day, live } from '../customer/testing/customer-events.test-helper';
import { DEFAULT_POLICY } from '../policy';
import { foldHorizonMs } from './horizon';
import { PUBLISHED_HISTORY_MIN_ENTRIES } from './published-history';

const HORIZON_DAYS = foldHorizonMs(DEFAULT_POLICY) / 86_400_000;

/**
 * `years` of a restless customer: each year two purchases (expansion), a breached critical
 * complaint (a trust violation), then silence past the inactivity threshold (dissolution) and a
 * purchase again (win-back): several stage changes and a violation a year.
 */
function restless(years: number): StoredInteractionEvent[] {
  const c = new CustomerEvents('C-R');
  const events: StoredInteractionEvent[] = [c.registered(day(0))];
  for (let y = 0; y < years; y++) {
    const d = y * 365;
    events.push(c.purchase(day(d + 1)), c.purchase(day(d + 20)), c.complaint(day(d + 30), `CP-${y}`, 'critical'));
    events.push(c.resolved(day(d + 40), `CP-${y}`), c.contact(day(d + 60)));
  }
  return events;
}

describe('published history: the view lists the stage changes and violations of the fold horizon', () => {
  const events = restless(14);
  const asOf = day(14 * 365 + 10);
  const full = evaluateWithFullHistory('C-R', events, asOf, DEFAULT_POLICY);
  const stored = foldEvents('C-R', events, DEFAULT_POLICY);
  const view = evaluate(stored, asOf, DEFAULT_POLICY, () => events);

  it('the full history is long enough to be trimmed (the scenario means something)', () => {
    expect(full.lifecycle.transitions.length).toBeGreaterThan(PUBLISHED_HISTORY_MIN_ENTRIES + 5);
    expect(full.trust.violations.length).toBeGreaterThan(PUBLISHED_HISTORY_MIN_ENTRIES);
    expect(full.lifecycle.earlierTransitions).toBe(0);
  });

  it('lists a suffix of the full history and counts what it left out', () => {
    for (const [listed, earlier, all] of [
      [view.lifecycle.transitions, view.lifecycle.earlierTransitions, full.lifecycle.transitions],
      [view.trust.transitions, view.trust.earlierTransitions, full.trust.transitions],
      [view.trust.violations, view.trust.earlierViolations, full.trust.violations],
    ] as const) {
      expect(earlier + listed.length).toBe(all.length);
      expect(listed).toEqual(all.slice(earlier));
    }
    expect(view.lifecycle.earlierTransitions).toBeGreaterThan(0);
    expect(view.trust.earlierViolations).toBeGreaterThan(0);
  });

  it('keeps at least the last few entries, and every entry of the horizon before the clock', () => {
    const cutoff = stored.state.clockMs - HORIZON_DAYS * 86_400_000;
    const lc = stored.lifecycle.transitions;
    expect(lc.length).toBeGreaterThanOrEqual(PUBLISHED_HISTORY_MIN_ENTRIES);
    const all = evaluateWithFullHistory('C-R', events, stored.lastEventAt!, DEFAULT_POLICY).lifecycle.transitions;
    for (const t of all.filter((x) => Date.parse(x.occurredAt) > cutoff)) expect(lc).toContainEqual(t);
    // Whatever it dropped is older than the horizon.
    const dropped = all.slice(0, stored.lifecycle.earlierTransitions);
    expect(dropped.length).toBeGreaterThan(0);
    for (const t of dropped) expect(Date.parse(t.occurredAt)).toBeLessThanOrEqual(cutoff);
    // The current stage's own transition is always there.
    expect(lc[lc.length - 1].to).toBe(stored.lifecycle.stage);
  });

  it('is the same live, by replay, and in any order (a function of the events)', () => {
    expect(live('C-R', events)).toEqual(stored);
    const shuffled = [...events].reverse();
    expect(live('C-R', shuffled)).toEqual(stored);
  });

  it('the rest of the view is the full-history view', () => {
    const strip = (v: typeof view) => ({
      ...v,
      lifecycle: { ...v.lifecycle, transitions: [], earlierTransitions: 0 },
      trust: { ...v.trust, transitions: [], violations: [], earlierTransitions: 0, earlierViolations: 0 },
    });
    expect(strip(view)).toEqual(strip(full));
  });

  it('ten times the history does not make the view ten times bigger', () => {
    const size = (n: number) => Buffer.byteLength(JSON.stringify(foldEvents('C-R', restless(n), DEFAULT_POLICY)));
    expect(size(20) / size(2)).toBeLessThan(1.5);
  });
});
