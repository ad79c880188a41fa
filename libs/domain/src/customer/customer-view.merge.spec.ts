import { INTERACTION_EVENT_TYPES, type StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY } from '../policy';
import { emptyInteractionMeasures, foldInteractionMeasures } from '../segmentation/interaction-measures';
import { evaluate, evaluateWithFullHistory, evolve, evolveInPlace, foldEvents, tryEvolveInPlace } from './customer-view.evolve';
import { initialView } from './customer-view.initial';
import { CustomerEvents, InMemoryHistory, day, live } from './testing/customer-events.test-helper';

/**
 * CustomersMerged is bookkeeping: the projection folds the merged customer's events into the
 * survivor's view itself and never hands the merge to the fold. When the fold meets one anyway
 * (a re-fold of the survivor's stream from its history), it is passed by: the view is exactly the
 * view of the same history without it.
 */
describe('CustomersMerged in the domain fold', () => {
  const c = new CustomerEvents('C-S');
  const interactions: StoredInteractionEvent[] = [
    c.registered(day(0)),
    c.purchase(day(3)),
    c.contact(day(5), { outcome: 'escalated' }),
    c.complaint(day(8), 'K-1', 'high'),
    c.rated(day(9), 4, 5, 9, 'contact'),
    c.purchase(day(40), { category: 'music' }),
    c.resolved(day(41), 'K-1'),
    c.referral(day(50)),
    c.declined(day(60)),
  ];
  // One merge in the middle (a late one, by occurredAt), one at the end.
  const midMerge = c.merged(day(20), 'C-M1');
  const lastMerge = c.merged(day(70), 'C-M2');
  const withMerges = [...interactions.slice(0, 6), midMerge, ...interactions.slice(6), lastMerge];
  const json = (value: unknown) => JSON.stringify(value);

  it('folds (replay and live) to the byte-identical view of the history without it', () => {
    const without = foldEvents('C-S', interactions, DEFAULT_POLICY);
    expect(json(foldEvents('C-S', withMerges, DEFAULT_POLICY))).toBe(json(without));
    expect(json(live('C-S', withMerges))).toBe(json(live('C-S', interactions)));
    expect(json(live('C-S', withMerges))).toBe(json(without));
  });

  it('evaluates and lists the timeline as without it, at any asOf', () => {
    for (const asOf of [day(25), day(65), day(400)]) {
      const history = new InMemoryHistory();
      withMerges.forEach((e) => history.add(e));
      const view = foldEvents('C-S', withMerges, DEFAULT_POLICY);
      expect(json(evaluate(view, asOf, DEFAULT_POLICY, history.read))).toBe(json(evaluate(foldEvents('C-S', interactions, DEFAULT_POLICY), asOf, DEFAULT_POLICY, () => interactions)));
      expect(json(evaluateWithFullHistory('C-S', withMerges, asOf, DEFAULT_POLICY))).toBe(json(evaluateWithFullHistory('C-S', interactions, asOf, DEFAULT_POLICY)));
    }
  });

  it('changes nothing when applied on its own: the same view, no position, count or clock moved', () => {
    const view = foldEvents('C-S', interactions, DEFAULT_POLICY);
    const before = json(view);
    expect(tryEvolveInPlace(view, lastMerge, DEFAULT_POLICY)).toBe('not-folded');
    expect(json(view)).toBe(before);
    expect(evolveInPlace(view, midMerge, DEFAULT_POLICY)).toBe(false);
    expect(evolve(view, lastMerge, DEFAULT_POLICY)).toBe(view);
    expect(json(view)).toBe(before);
    // Also as the very first event of a stream.
    const empty = initialView('C-S', DEFAULT_POLICY);
    expect(evolve(empty, midMerge, DEFAULT_POLICY)).toBe(empty);
    expect(json(foldEvents('C-S', [midMerge], DEFAULT_POLICY))).toBe(json(initialView('C-S', DEFAULT_POLICY)));
  });

  it('keeps eventCounts keyed by the interaction types only (no CustomersMerged key)', () => {
    const view = foldEvents('C-S', withMerges, DEFAULT_POLICY);
    expect(Object.keys(view.eventCounts)).toEqual([...INTERACTION_EVENT_TYPES]);
    expect(view.eventCount).toBe(interactions.length);
  });

  it('still refuses a merge event of another customer, like any event', () => {
    const other = new CustomerEvents('C-X').merged(day(1), 'C-S');
    expect(() => evolve(initialView('C-S', DEFAULT_POLICY), other, DEFAULT_POLICY)).toThrow(/C-X/);
  });

  it('moves no call-centre measure', () => {
    const measures = foldInteractionMeasures(emptyInteractionMeasures(), interactions);
    expect(json(foldInteractionMeasures(emptyInteractionMeasures(), withMerges))).toBe(json(measures));
    expect(json(foldInteractionMeasures(measures, [midMerge, lastMerge]))).toBe(json(measures));
  });
});
