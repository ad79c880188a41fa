import { plainToInstance } from 'class-transformer';
import { ValidatorOptions, validateSync } from 'class-validator';
import { dataDtoFor } from '../dto/event-data-dto.registry';
import { DEFAULT_MAX_BATCH_EVENTS, InteractionEventDto } from '../dto/interaction-event.dto';
import { InteractionEvent, InteractionEventType, isInteractionEventType } from '../event-types';
import { upcast } from '../versioning/upcast';
import { DATA_FIELDS, ENVELOPE_FIELDS, PlainObject, contractCopy, isRecord } from './contract-copy';
import { crossFieldViolations, withViolations } from './cross-field';
import { MAX_JSON_DEPTH, pathBeyondDepth, tooDeepMessage } from './json-depth';
import { Violation, flattenValidationErrors, prefixViolations } from './violation';

export type ValidationResult = { ok: true; event: InteractionEvent } | { ok: false; violations: Violation[]; unknownType?: string };

export type BatchValidationResult =
  | { ok: true; events: InteractionEvent[] }
  | {
      ok: false;
      violations: Violation[];
      /** Set when the batch holds more than `max` events (HTTP 413); the events were not checked. */
      tooMany?: { count: number; max: number };
      /** The first unsupported `type` met in the batch. */
      unknownType?: string;
    };

/** The options the HTTP ValidationPipe must use too, so both edges reject the same things. */
export const CONTRACT_VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  // Errors carry no copies of the target or value: cheaper, and no personal data in logs.
  validationError: { target: false, value: false },
});


const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

// Field names per class, computed once: the clean copy visits only these.

const ENVELOPE_KEYS = new Set([...ENVELOPE_FIELDS, 'data']);
const DATA_KEYS = new Map<InteractionEventType, ReadonlySet<string>>([...DATA_FIELDS].map(([type, names]) => [type, new Set(names)]));
const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Unknown keys class-transformer drops before class-validator can see them, so whitelisting
 * would not report them: `__proto__`, and names of members the instance inherits (`constructor`,
 * `toString`, `valueOf`, `hasOwnProperty`, `__defineGetter__`, …). Reported here, like any other
 * unknown field; the ones that reach the instance are reported by forbidNonWhitelisted.
 */
function droppedKeyViolations(event: PlainObject, instance: object): Violation[] {
  const violations: Violation[] = [];
  const check = (raw: PlainObject, transformed: unknown, known: ReadonlySet<string>, prefix: string) => {
    const target = typeof transformed === 'object' && transformed !== null ? transformed : {};
    for (const key of Object.keys(raw)) {
      if (!known.has(key) && !hasOwn(target, key)) violations.push({ path: prefix + key, messages: [`property ${key} should not exist`] });
    }
  };
  check(event, instance, ENVELOPE_KEYS, '');
  const dataKeys = isInteractionEventType(event.type) ? DATA_KEYS.get(event.type) : undefined;
  if (dataKeys !== undefined && isRecord(event.data)) check(event.data, (instance as { data?: unknown }).data, dataKeys, 'data.');
  return violations;
}


/**
 * Checks one published event against the contract: upcasts it to the current version of its
 * type, validates envelope and `data` with the DTOs (unknown fields rejected at every level,
 * every violation reported) and returns a clean plain copy.
 */
export function validateInteractionEvent(raw: unknown): ValidationResult {
  if (!isRecord(raw)) {
    return { ok: false, violations: [{ path: '', messages: [`the event must be a JSON object, got ${describe(raw)}`] }] };
  }
  // Before any recursive tool (class-transformer) walks it: a deep document would overflow the stack.
  const tooDeep = pathBeyondDepth(raw, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) return { ok: false, violations: [{ path: tooDeep, messages: [tooDeepMessage(MAX_JSON_DEPTH)] }] };
  const event = upcast(raw) as PlainObject;
  const instance = plainToInstance(InteractionEventDto, event);
  const violations = withViolations(
    [...droppedKeyViolations(event, instance), ...flattenValidationErrors(validateSync(instance, CONTRACT_VALIDATOR_OPTIONS))],
    crossFieldViolations(event),
  );
  const type = event.type;
  const unknownType = typeof type === 'string' && !isInteractionEventType(type) ? type : undefined;
  if (violations.length > 0) return unknownType === undefined ? { ok: false, violations } : { ok: false, violations, unknownType };
  // No violations implies a known type (IsIn) and an object payload of its DTO.
  if (!isInteractionEventType(type) || dataDtoFor(type) === undefined) throw new Error('unreachable: valid event of unknown type');
  return { ok: true, event: contractCopy(event, type) };
}

/**
 * Checks a batch body `{ events: [...] }`: a non-empty array of at most `maxEvents` events, each
 * checked like validateInteractionEvent with paths prefixed `events[i]`. Over the limit, only
 * `tooMany` (and a violation on `events`) is reported, without looking at the events.
 */
export function validateInteractionEventBatch(raw: unknown, maxEvents: number = DEFAULT_MAX_BATCH_EVENTS): BatchValidationResult {
  if (!isRecord(raw)) {
    return { ok: false, violations: [{ path: '', messages: [`the batch must be a JSON object { "events": [...] }, got ${describe(raw)}`] }] };
  }
  const violations: Violation[] = Object.keys(raw)
    .filter((key) => key !== 'events')
    .map((key) => ({ path: key, messages: [`property ${key} should not exist`] }));
  const events = raw.events;
  if (events === undefined) return { ok: false, violations: [...violations, { path: 'events', messages: ['events is required'] }] };
  if (!Array.isArray(events)) return { ok: false, violations: [...violations, { path: 'events', messages: ['events must be an array'] }] };
  if (events.length === 0) return { ok: false, violations: [...violations, { path: 'events', messages: ['events must contain at least 1 event'] }] };
  if (events.length > maxEvents) {
    return {
      ok: false,
      violations: [...violations, { path: 'events', messages: [`events must contain at most ${maxEvents} events, got ${events.length}`] }],
      tooMany: { count: events.length, max: maxEvents },
    };
  }
  const valid: InteractionEvent[] = [];
  let unknownType: string | undefined;
  events.forEach((candidate, index) => {
    const result = validateInteractionEvent(candidate);
    if (result.ok) {
      valid.push(result.event);
      return;
    }
    violations.push(...prefixViolations(`events[${index}]`, result.violations));
    unknownType ??= result.unknownType;
  });
  if (violations.length > 0) return unknownType === undefined ? { ok: false, violations } : { ok: false, violations, unknownType };
  return { ok: true, events: valid };
}

/** Thrown by assertValidInteractionEvent; a redelivery cannot fix it (not retriable). */
export class InvalidInteractionEventError extends Error {
  readonly retriable = false;
  constructor(
    readonly violations: Violation[],
    readonly unknownType?: string,
  ) {
    super(`Invalid interaction event: ${violations.map((v) => `${v.path || '(body)'}: ${v.messages.join('; ')}`).join(' | ')}`);
    this.name = 'InvalidInteractionEventError';
  }
}

/** validateInteractionEvent for consumers that want the event or an exception (e.g. Kafka). */
export function assertValidInteractionEvent(raw: unknown): InteractionEvent {
  const result = validateInteractionEvent(raw);
  if (!result.ok) throw new InvalidInteractionEventError(result.violations, result.unknownType);
  return result.event;
}
