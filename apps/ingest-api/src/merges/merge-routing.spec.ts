import { sampleEvent, sampleEventId, type InteractionEvent } from '@crm/contracts';
import { MERGE_REGISTERED, MERGE_WITHDRAWN, MergeRegistryState, registeredEntryId, withdrawnEntryId } from './merge-registry.state';
import { planRouting } from './merge-routing';
import { uuidV5 } from './uuid-v5';

let n = 100;
const merge = (survivor: string, merged: string, eventId = sampleEventId(n++)): InteractionEvent =>
  sampleEvent('CustomersMerged', { eventId, customerId: survivor, data: { mergedCustomerId: merged } });
const purchase = (customerId: string): InteractionEvent => sampleEvent('PurchaseMade', { eventId: sampleEventId(n++), customerId });
const registered = (merged: string, survivor: string, mergeEventId: string, attempt = 0) => ({
  eventId: registeredEntryId(mergeEventId, attempt),
  type: MERGE_REGISTERED,
  data: { mergedCustomerId: merged, survivorCustomerId: survivor, mergeEventId, attempt },
});

describe('uuidV5', () => {
  it('is RFC 9562 version 5 (the RFC example: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('MergeRegistryState', () => {
  it('resolves chains transitively: M→S then S→T is M→T', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    state.apply(registered('S', 'T', 'e2'));
    expect([state.survivorOf('M'), state.survivorOf('S'), state.survivorOf('T'), state.survivorOf('X')]).toEqual(['T', 'T', 'T', 'X']);
  });

  it('lets the first entry win: a second merge of the same id, or one closing a cycle, is passed by and noted', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    state.apply(registered('M', 'X', 'e2'));
    state.apply(registered('S', 'M', 'e3'));
    expect(state.survivorOf('M')).toBe('S');
    expect(state.survivorOf('S')).toBe('S');
    expect(state.ignored.map((i) => i.why)).toEqual([expect.stringContaining('already merged into S'), expect.stringContaining('cycle')]);
  });

  it('forgets a withdrawn attempt and numbers the next one', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    expect(state.nextAttemptOf('e1')).toBe(1);
    state.apply({ eventId: withdrawnEntryId('e1', 0), type: MERGE_WITHDRAWN, data: { mergedCustomerId: 'M', survivorCustomerId: 'S', mergeEventId: 'e1', attempt: 0 } });
    expect(state.survivorOf('M')).toBe('M');
    expect(state.mergeOfEvent('e1')).toBeUndefined();
    expect(state.nextAttemptOf('e1')).toBe(1);
    state.apply(registered('M', 'S', 'e1', 1));
    expect(state.survivorOf('M')).toBe('S');
  });
});

describe('planRouting', () => {
  it('routes an event of a merged id to the current survivor, keeping the published id; others unchanged', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    state.apply(registered('S', 'T', 'e2'));
    const events = [purchase('M'), purchase('S'), purchase('T'), purchase('X')];
    const plan = planRouting(events, state);
    expect(plan.refusals).toEqual([]);
    expect(plan.routed.map((r) => [r.event.customerId, r.publishedCustomerId])).toEqual([['T', 'M'], ['T', 'S'], ['T', undefined], ['X', undefined]]);
    expect(plan.routed[0].event).toEqual({ ...events[0], customerId: 'T' });
    expect(events[0].customerId).toBe('M'); // the input is not changed
  });

  it('applies the merges of a batch in order: an event for M before the merge stays M’s, after it goes to S; chains inside a batch', () => {
    const plan = planRouting([purchase('M'), merge('S', 'M'), purchase('M'), merge('T', 'S'), purchase('M')], new MergeRegistryState());
    expect(plan.refusals).toEqual([]);
    expect(plan.routed.map((r) => r.event.customerId)).toEqual(['M', 'S', 'S', 'T', 'T']);
    expect(plan.merges.map((m) => [m.merged, m.survivor, m.attempt, m.retry])).toEqual([['M', 'S', 0, false], ['S', 'T', 0, false]]);
  });

  it('refuses a merge of an id already merged, naming its current survivor', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    state.apply(registered('S', 'T', 'e2'));
    const [refusal] = planRouting([merge('X', 'M')], state).refusals;
    expect(refusal).toMatchObject({ reason: 'already-merged', customerId: 'X', mergedCustomerId: 'M', currentSurvivorCustomerId: 'T' });
    // Into the same survivor again under another eventId: also already merged.
    expect(planRouting([merge('S', 'M')], state).refusals[0]).toMatchObject({ reason: 'already-merged', currentSurvivorCustomerId: 'T' });
  });

  it('refuses a cycle (the survivor is merged into the merged id), directly or through a chain', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    expect(planRouting([merge('M', 'S')], state).refusals[0]).toMatchObject({ reason: 'cycle', customerId: 'M', mergedCustomerId: 'S' });
    state.apply(registered('S', 'T', 'e2'));
    expect(planRouting([merge('M', 'T')], state).refusals[0]).toMatchObject({ reason: 'cycle', customerId: 'M', mergedCustomerId: 'T' });
    expect(planRouting([merge('A', 'B'), merge('B', 'A')], new MergeRegistryState()).refusals[0]).toMatchObject({ index: 1, reason: 'cycle' });
  });

  it('refuses a survivor that was merged elsewhere, naming the current survivor to merge into instead', () => {
    const state = new MergeRegistryState();
    state.apply(registered('S', 'T', 'e1'));
    expect(planRouting([merge('S', 'M')], state).refusals[0]).toMatchObject({ reason: 'survivor-merged', customerId: 'S', mergedCustomerId: 'M', currentSurvivorCustomerId: 'T' });
  });

  it('takes the same merge again as a retry (routed where it went, same attempt), and refuses its eventId for another merge', () => {
    const state = new MergeRegistryState();
    const first = merge('S', 'M');
    state.apply(registered('M', 'S', first.eventId));
    state.apply(registered('S', 'T', 'later'));
    const plan = planRouting([first], state);
    expect(plan.refusals).toEqual([]);
    expect(plan.routed[0].event.customerId).toBe('S'); // not rewritten to T: the retry goes where the original is
    expect(plan.merges).toEqual([expect.objectContaining({ retry: true, attempt: 0 })]);
    expect(planRouting([merge('S', 'Q', first.eventId)], state).refusals[0]).toMatchObject({ reason: 'merge-event-reused' });
  });

  it('lists every refused merge of a batch', () => {
    const state = new MergeRegistryState();
    state.apply(registered('M', 'S', 'e1'));
    const plan = planRouting([merge('X', 'M'), purchase('Y'), merge('M', 'S')], state);
    expect(plan.refusals.map((r) => [r.index, r.reason])).toEqual([[0, 'already-merged'], [2, 'cycle']]);
  });
});
