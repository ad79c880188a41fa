import { DEFAULT_TIER_POLICY, Tier, TierPolicy } from './segmentation.policy';
import { assignTiers, countTiers } from './tiers';

const id = (i: number) => `C-${String(i).padStart(4, '0')}`;
/** Customer i has value n − i (all distinct and positive), so rank = i. */
const ranked = (n: number) => Array.from({ length: n }, (_, i) => ({ customerId: id(i), value365: (n - i) * 100 }));
// Reverse the input so the test does not pass just because the input was already sorted.
const tiersOf = (inputs: { customerId: string; value365: number }[], policy: TierPolicy = DEFAULT_TIER_POLICY) =>
  assignTiers([...inputs].reverse(), policy);

describe('assignTiers, percentile mode (top 1 % diamond, 4 % gold, 15 % silver, 30 % iron)', () => {
  it('splits 100 customers 1 / 4 / 15 / 30 / 50 at the exact ranks', () => {
    const tiers = tiersOf(ranked(100));
    expect(countTiers(tiers)).toEqual({ lead: 50, iron: 30, silver: 15, gold: 4, diamond: 1 });
    const expectAt: [number, Tier][] = [[0, 'diamond'], [1, 'gold'], [4, 'gold'], [5, 'silver'], [19, 'silver'], [20, 'iron'], [49, 'iron'], [50, 'lead'], [99, 'lead']];
    for (const [rank, tier] of expectAt) expect([rank, tiers[id(rank)]]).toEqual([rank, tier]);
  });

  it('splits 1,000 customers 10 / 40 / 150 / 300 / 500 at the exact ranks', () => {
    const tiers = tiersOf(ranked(1000));
    expect(countTiers(tiers)).toEqual({ lead: 500, iron: 300, silver: 150, gold: 40, diamond: 10 });
    const expectAt: [number, Tier][] = [[9, 'diamond'], [10, 'gold'], [49, 'gold'], [50, 'silver'], [199, 'silver'], [200, 'iron'], [499, 'iron'], [500, 'lead']];
    for (const [rank, tier] of expectAt) expect([rank, tiers[id(rank)]]).toEqual([rank, tier]);
  });

  it('breaks ties by customerId so equal values still fill each tier to its share', () => {
    const tied = Array.from({ length: 100 }, (_, i) => ({ customerId: id(i), value365: 5000 }));
    const tiers = tiersOf(tied);
    expect(tiers[id(0)]).toBe('diamond');
    expect(tiers[id(1)]).toBe('gold');
    expect(tiers[id(49)]).toBe('iron');
    expect(tiers[id(50)]).toBe('lead');
    expect(countTiers(tiers)).toEqual({ lead: 50, iron: 30, silver: 15, gold: 4, diamond: 1 });
  });

  it('keeps customers without value in lead, whatever their rank', () => {
    const inputs = ranked(100).map((c, i) => (i >= 10 ? { ...c, value365: 0 } : c));
    const counts = countTiers(tiersOf(inputs));
    expect(counts).toEqual({ lead: 90, iron: 0, silver: 5, gold: 4, diamond: 1 });
  });

  it('gives a small population no diamond rather than more than 1 %', () => {
    expect(countTiers(tiersOf(ranked(10)))).toEqual({ lead: 5, iron: 3, silver: 2, gold: 0, diamond: 0 });
  });
});

describe('assignTiers, fixed mode', () => {
  const policy: TierPolicy = { ...DEFAULT_TIER_POLICY, mode: 'fixed', fixedThresholds: { diamond: 1000, gold: 500, silver: 200, iron: 50 } };
  it('gives the highest tier whose threshold is reached (threshold inclusive)', () => {
    const inputs = [
      { customerId: 'a', value365: 1000 },
      { customerId: 'b', value365: 999 },
      { customerId: 'c', value365: 500 },
      { customerId: 'd', value365: 200 },
      { customerId: 'e', value365: 50 },
      { customerId: 'f', value365: 49 },
      { customerId: 'g', value365: 0 },
    ];
    expect(assignTiers(inputs, policy)).toEqual({ a: 'diamond', b: 'gold', c: 'gold', d: 'silver', e: 'iron', f: 'lead', g: 'lead' });
  });

  it('keeps zero value in lead even with a zero iron threshold', () => {
    const zero = { ...policy, fixedThresholds: { ...policy.fixedThresholds, iron: 0 } };
    expect(assignTiers([{ customerId: 'z', value365: 0 }, { customerId: 'y', value365: 1 }], zero)).toEqual({ z: 'lead', y: 'iron' });
  });
});
