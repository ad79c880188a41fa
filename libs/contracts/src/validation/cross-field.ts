import { SELF_MERGE_MESSAGE } from '../dto/customers-merged-data.dto';
import { PlainObject, isRecord } from './contract-copy';
import type { Violation } from './violation';

/**
 * Rules that span the envelope and `data`, which the per-class checks (class-validator's nested
 * validation, a JSON Schema) cannot see together. Both validators call this after their field
 * checks and report its violations beside theirs, so every violated field is named. Silent unless
 * the fields involved are strings (a wrong type is reported by the field checks, once).
 */
export function crossFieldViolations(event: PlainObject): Violation[] {
  if (event.type !== 'CustomersMerged' || !isRecord(event.data)) return [];
  const merged = event.data.mergedCustomerId;
  if (typeof merged === 'string' && typeof event.customerId === 'string' && merged === event.customerId) {
    return [{ path: 'data.mergedCustomerId', messages: [SELF_MERGE_MESSAGE] }];
  }
  return [];
}

/** Adds `extra` to `violations`: the messages of a path already named join its entry. */
export function withViolations(violations: Violation[], extra: readonly Violation[]): Violation[] {
  if (extra.length === 0) return violations;
  const merged = violations.map((violation) => ({ ...violation, messages: [...violation.messages] }));
  for (const violation of extra) {
    const existing = merged.find((candidate) => candidate.path === violation.path);
    if (existing === undefined) merged.push(violation);
    else for (const message of violation.messages) if (!existing.messages.includes(message)) existing.messages.push(message);
  }
  return merged;
}
