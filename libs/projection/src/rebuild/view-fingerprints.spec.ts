import { ViewFingerprints, describeDifferences } from './view-fingerprints';

const view = (stage: string, transitions: string[], extra: Record<string, unknown> = {}) => ({
  customerId: 'x',
  lifecycle: { stage, transitions, winBacks: 0 },
  trust: { stage: 'calculus' },
  ...extra,
});

describe('ViewFingerprints (rebuild --verify)', () => {
  it('names the customers and the fields (two levels deep) that differ, and who is on one side only', () => {
    const before = new ViewFingerprints();
    const after = new ViewFingerprints();
    before.add('A', view('exploration', ['awareness', 'exploration']));
    after.add('A', view('exploration', ['awareness', 'exploration']));
    before.add('B', view('expansion', ['awareness', 'exploration', 'expansion']));
    after.add('B', view('dissolution', ['awareness', 'exploration', 'expansion', 'dissolution']));
    before.add('C', view('expansion', [], { churnReason: null }));
    after.add('C', view('expansion', [], { churnReason: 'price' }));
    before.add('D', view('exploration', []));
    after.add('E', view('exploration', []));

    const d = before.compare(after);
    expect(d.identical).toBe(false);
    expect(d.changed).toEqual([
      { customerId: 'B', fields: ['lifecycle.stage', 'lifecycle.transitions'] },
      { customerId: 'C', fields: ['churnReason'] },
    ]);
    expect(d.removed).toEqual(['D']);
    expect(d.added).toEqual(['E']);
    expect(d.byField).toEqual([
      { field: 'churnReason', customers: 1 },
      { field: 'lifecycle.stage', customers: 1 },
      { field: 'lifecycle.transitions', customers: 1 },
    ]);
    expect(describeDifferences(d)[0]).toBe('2 customer(s) differ, 1 only after, 1 only before');
  });

  it('a field present on one side only is a difference; equal views are identical', () => {
    const before = new ViewFingerprints();
    const after = new ViewFingerprints();
    before.add('A', { a: 1 });
    after.add('A', { a: 1, b: 2 });
    expect(before.compare(after).changed).toEqual([{ customerId: 'A', fields: ['b'] }]);
    const same = new ViewFingerprints();
    same.add('A', { a: 1 });
    expect(before.compare(same)).toMatchObject({ identical: true, changed: [], added: [], removed: [] });
    expect(describeDifferences(before.compare(same))).toEqual([]);
  });
});
