import type { ValidationError } from 'class-validator';
import { IS_PRESENT } from '../dto/field.decorators';

/** One violated field: a dotted path (`data.amount`, `events[3].type`, '' for the body) and why. */
export interface Violation {
  path: string;
  messages: string[];
}

const joinPath = (prefix: string, property: string): string =>
  /^\d+$/.test(property) ? `${prefix}[${property}]` : prefix === '' ? property : `${prefix}.${property}`;

/**
 * Flattens class-validator's error tree into one violation per field path. A missing field
 * reports only that it is missing, and a non-object nested value only that it must be an
 * object: the type and range messages that follow from those would be noise.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = '', out: Violation[] = []): Violation[] {
  for (const error of errors) {
    const path = joinPath(prefix, error.property);
    const constraints = error.constraints ?? {};
    const gate = constraints[IS_PRESENT] ?? constraints.isObject;
    if (gate !== undefined) {
      out.push({ path, messages: [gate] });
      continue;
    }
    const messages = Object.values(constraints);
    if (messages.length > 0) out.push({ path, messages });
    if (error.children && error.children.length > 0) flattenValidationErrors(error.children, path, out);
  }
  return out;
}

/** Prefixes every path, e.g. with `events[3]` for a batch member. */
export const prefixViolations = (prefix: string, violations: readonly Violation[]): Violation[] =>
  violations.map((violation) => ({
    path: violation.path === '' ? prefix : violation.path.startsWith('[') ? `${prefix}${violation.path}` : `${prefix}.${violation.path}`,
    messages: violation.messages,
  }));
