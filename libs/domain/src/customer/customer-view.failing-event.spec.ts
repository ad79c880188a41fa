import type { StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY, RelationshipPolicy } from '../policy';
import { cloneView, evaluate, evolve, foldEvents, tryEvolveInPlace } from './customer-view.evolve';
import type { CustomerView } from './customer-view.types';
import { initialView } from './customer-view.initial';
import { CustomerEvents, InMemoryHistory, day } from './testing/customer-events.test-helper';

/**
 * A policy / event combination the fold throws on, half-way through its step (after the counts
 * moved): a policy without an SLA for `low` complaints (parsePolicy would refuse it; a view
 * function can still meet such a gap) and one low complaint. Every other event folds normally.
 */
const { low: _low, ...slaWithoutLow } = DEFAULT_POLICY.complaints.slaDays;
const policy: RelationshipPolicy = { ...DEFAULT_POLICY, complaints: { ...DEFAULT_POLICY.complaints, slaDays: slaWithoutLow as RelationshipPolicy['complaints']['slaDays'] } };

/** The projection runner's rule: an event whose fold throws is skipped, the view from before it kept. */
function liveSkipping(customerId: string, events: readonly StoredInteractionEvent[]): { view: CustomerView; failed: string[] } {
  let view = initialView(customerId, policy);
  const history = new InMemoryHistory();
  const failed: string[] = [];
  for (const e of events) {
    try {
      view = evolve(view, e, policy, history.read);
    } catch {
      failed.push(e.eventId);
    }
    // The stream keeps the event whatever its fold did.
    history.add(e);
  }
  return { view, failed };
}

describe('an event whose fold step throws', () => {
  const c = new CustomerEvents('C-bad');
  const registered = c.registered(day(0));
  const bought = c.purchase(day(10));
  const bad = c.complaint(day(20), 'K-1', 'low');
  const contact = c.contact(day(30), { outcome: 'resolved' });
  const boughtAgain = c.purchase(day(40), { category: 'music' });
  const late = c.purchase(day(5), { category: 'games' }); // delivered last, occurred before the bad one
  const good = [registered, bought, contact, boughtAgain];

  it('throws live, on the fast path (the view it was given may be half-changed)', () => {
    const view = foldEvents('C-bad', [registered, bought], policy);
    const before = cloneView(view);
    expect(() => tryEvolveInPlace(view, bad, policy)).toThrow(RangeError);
    expect(view).not.toEqual(before); // why the projector drops the object and reloads the stored view
  });

  it('is left out of a fold from scratch: the view is the one without it', () => {
    expect(foldEvents('C-bad', [...good.slice(0, 2), bad, ...good.slice(2)], policy)).toEqual(foldEvents('C-bad', good, policy));
  });

  it('a later late event re-folds the history that still holds it, and succeeds with the view as if it never existed', () => {
    const { view, failed } = liveSkipping('C-bad', [registered, bought, bad, contact, boughtAgain, late]);
    expect(failed).toEqual([bad.eventId]);
    expect(view).toEqual(foldEvents('C-bad', [...good, late], policy));
    expect(view.eventCount).toBe(5);
    expect(view.complaints.filed).toBe(0);
    expect(view.lifecycle.transitions.some((t) => t.eventId === late.eventId)).toBe(true);
  });

  it('live equals replay, in any arrival order of the good events', () => {
    const replayed = foldEvents('C-bad', [late, bad, ...good], policy);
    for (const order of [[bad, ...good, late], [late, ...good, bad], [registered, late, bad, bought, contact, boughtAgain]]) {
      expect(liveSkipping('C-bad', order).view).toEqual(replayed);
    }
  });

  it('evaluate with a past asOf reads the history past it', () => {
    const { view } = liveSkipping('C-bad', [registered, bought, bad, contact, boughtAgain]);
    const history = [registered, bought, bad, contact, boughtAgain];
    for (const asOf of [day(15), day(25), day(35)]) {
      expect(evaluate(view, asOf, policy, () => history)).toEqual(evaluate(foldEvents('C-bad', good, policy), asOf, policy, () => good));
    }
  });

  it('the event being evolved still throws when a re-fold meets it (its caller reports it), and the view is untouched', () => {
    const view = foldEvents('C-bad', good, policy);
    const lateBad = c.complaint(day(35), 'K-2', 'low'); // not after the last applied event: a re-fold
    const before = cloneView(view);
    expect(() => evolve(view, lateBad, policy, () => good)).toThrow(RangeError);
    expect(view).toEqual(before);
  });

  it('an event that is no fact at all (an event type this fold does not know) is left out of a re-fold too', () => {
    const unknown = { ...contact, eventId: 'C-bad-unknown', type: 'LoyaltyCardIssued', occurredAt: day(25) } as unknown as StoredInteractionEvent;
    expect(() => evolve(foldEvents('C-bad', [registered, bought], policy), unknown, policy, () => [])).toThrow('unknown event type');
    const { view, failed } = liveSkipping('C-bad', [registered, bought, unknown, contact, late]);
    expect(failed).toEqual([unknown.eventId]);
    expect(view).toEqual(foldEvents('C-bad', [registered, bought, contact, late], policy));
  });
});
