import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY, parsePolicy } from '@crm/domain';
import { RelationshipProjection } from './relationship.projection';

/**
 * The one place that says which view function the platform projects (live and on rebuild):
 * the relationship science under the default policy, or the given policy file (config POLICY_FILE).
 */
export function createCustomerProjection(policyFile?: string): RelationshipProjection {
  if (!policyFile) return new RelationshipProjection(DEFAULT_POLICY);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(policyFile, 'utf8'));
  } catch (error) {
    throw new Error(`POLICY_FILE ${policyFile}: ${(error as Error).message}`);
  }
  return new RelationshipProjection(parsePolicy(json));
}
