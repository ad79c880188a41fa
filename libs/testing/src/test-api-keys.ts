import { randomBytes } from 'node:crypto';
import { hashApiKey, keyLine, type Scope } from '@crm/infrastructure';

/** One key per scope set, fresh per call: the API_KEYS value that configures them, and the keys to send. */
export function testApiKeys<const N extends string>(scopesByName: Record<N, readonly Scope[]>, options: { rate?: string } = {}): { API_KEYS: string; keys: Record<N, string>; header: (name: N) => { Authorization: string } } {
  const keys = {} as Record<N, string>;
  const lines: string[] = [];
  for (const [name, scopes] of Object.entries(scopesByName) as [N, readonly Scope[]][]) {
    keys[name] = `crm_test_${name}_${randomBytes(12).toString('base64url')}`;
    lines.push(keyLine(name, scopes, hashApiKey(keys[name]), options.rate));
  }
  return { API_KEYS: lines.join(';'), keys, header: (name) => ({ Authorization: `Bearer ${keys[name]}` }) };
}
