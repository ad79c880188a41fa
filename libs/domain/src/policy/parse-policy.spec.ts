import { PolicyValidationError } from '../domain.errors';
import { parsePolicy } from './parse-policy';
import { DEFAULT_POLICY } from './relationship.policy';

const withChanges = (mutate: (p: any) => void): unknown => {
  const copy = structuredClone(DEFAULT_POLICY) as any;
  mutate(copy);
  return copy;
};

describe('parsePolicy', () => {
  it('accepts the default policy, also after a JSON round trip', () => {
    expect(parsePolicy(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });

  it('holds the thresholds of docs/relationship-model.md', () => {
    expect(DEFAULT_POLICY.lifecycle.dissolution).toMatchObject({ volumeDeclineRatio: 0.5, volumeWindowDays: 90, inactivityDays: 180 });
    expect(DEFAULT_POLICY.complaints.slaDays).toEqual({ critical: 1, high: 3, medium: 7, low: 14 });
    expect(DEFAULT_POLICY.satisfaction.wordOfMouth).toEqual({ positiveWeight: 3, negativeWeight: 11 });
    expect(DEFAULT_POLICY.lifecycle.commitment.minSatisfaction).toBe((4 - 1) / (5 - 1));
    expect(DEFAULT_POLICY.trust.identification.minSatisfaction).toBe((4.5 - 1) / (5 - 1));
    expect(DEFAULT_POLICY.trust.knowledge).toEqual({ minInteractions: 5, minSpanDays: 60, minCompetence: 60 });
  });

  it('lists every invalid key, unknown keys included', () => {
    const bad = withChanges((p) => {
      p.lifecycle.dissolution.volumeDeclineRatio = 1.5;
      p.complaints.slaDays.high = -3;
      p.nps.promoterMin = 'nine';
      p.trust.knowledge.minInteractionz = 5;
      delete p.policyVersion;
    });
    let error: unknown;
    try {
      parsePolicy(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyValidationError);
    const keys = (error as PolicyValidationError).issues.map((i) => i.key).sort();
    expect(keys).toEqual([
      'complaints.slaDays.high',
      'lifecycle.dissolution.volumeDeclineRatio',
      'nps.promoterMin',
      'policyVersion',
      'trust.knowledge.minInteractionz',
    ]);
    expect((error as Error).message).toContain('lifecycle.dissolution.volumeDeclineRatio');
    expect((error as PolicyValidationError).retriable).toBe(false);
  });

  it('checks rules across keys', () => {
    expect(() => parsePolicy(withChanges((p) => (p.nps.passiveMin = 9)))).toThrow(/nps\.passiveMin/);
    expect(() => parsePolicy(withChanges((p) => (p.tiers.percentiles.iron = 0.9)))).toThrow(/tiers\.percentiles/);
    expect(() => parsePolicy(withChanges((p) => (p.satisfaction.negativeUpTo = 0.8)))).toThrow(/satisfaction\.negativeUpTo/);
  });

  it('rejects a non-object', () => {
    expect(() => parsePolicy('policy')).toThrow(PolicyValidationError);
  });
});
