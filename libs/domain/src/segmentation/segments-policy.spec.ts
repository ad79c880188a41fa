import { PolicyValidationError } from '../domain.errors';
import { DEFAULT_POLICY, parsePolicy } from '../policy';
import { DEFAULT_CLV_POLICY, DEFAULT_SEGMENTS_POLICY } from './segmentation.policy';

const keysOf = (json: unknown): string[] => {
  try {
    parsePolicy(json);
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.issues.map((i) => i.key).sort();
    throw error;
  }
  return [];
};
const withSegments = (segments: unknown) => ({ ...structuredClone(DEFAULT_POLICY), segments });

describe('the population pass policy keys', () => {
  it('default to docs/relationship-model.md §4 and §7', () => {
    expect(DEFAULT_CLV_POLICY).toMatchObject({ annualDiscountRate: 0.1, horizonDays: 1095 });
    expect(DEFAULT_POLICY.segments).toEqual({
      retention: { periodDays: 30, periods: 12, activity: 'purchase' },
      concentration: { topCustomerShare: 0.2, referenceValueShare: 0.8 },
      winBack: { minRelationshipDays: 90 },
    });
    expect(parsePolicy(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });

  it('are validated, every bad key named', () => {
    expect(
      keysOf(
        withSegments({
          retention: { periodDays: 0, periods: 1.5, activity: 'login' },
          concentration: { topCustomerShare: 0, referenceValueShare: 1.2 },
          winBack: { minRelationshipDays: -1, extra: true },
        }),
      ),
    ).toEqual([
      'segments.concentration.referenceValueShare',
      'segments.concentration.topCustomerShare',
      'segments.retention.activity',
      'segments.retention.periodDays',
      'segments.retention.periods',
      'segments.winBack.extra',
      'segments.winBack.minRelationshipDays',
    ]);
    expect(keysOf({ ...structuredClone(DEFAULT_POLICY), clv: { ...DEFAULT_CLV_POLICY, annualDiscountRate: 1.5 } })).toEqual(['clv.annualDiscountRate']);
  });

  it('take the defaults when a policy file predates the segments section', () => {
    const { segments: _segments, ...older } = structuredClone(DEFAULT_POLICY);
    expect(parsePolicy(older).segments).toEqual(DEFAULT_SEGMENTS_POLICY);
    expect(parsePolicy(older).segments).not.toBe(DEFAULT_SEGMENTS_POLICY);
  });
});
