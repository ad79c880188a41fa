import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { isEmail, isUUID } from 'class-validator';
import { isOffsetDateTime } from '../dto/field.decorators';
import { EVENT_TYPES, InteractionEventType, isInteractionEventType } from '../event-types';
import { JsonSchema, PERSONAL_DATA_KEYWORD, SchemaForm, jsonSchemaFor } from '../schema/json-schema';
import { CURRENT_SCHEMA_VERSIONS, DEFAULT_SCHEMA_VERSION } from '../versioning/schema-versions';
import { upcast } from '../versioning/upcast';
import { PlainObject, contractCopy, isRecord } from './contract-copy';
import { crossFieldViolations, withViolations } from './cross-field';
import { MAX_JSON_DEPTH, pathBeyondDepth, tooDeepMessage } from './json-depth';
import type { ValidationResult } from './validate-interaction-event';
import { Violation } from './violation';

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/**
 * The envelope of an event whose `type` is not one of ours: class-validator still checks the
 * other envelope fields and that `data` is an object, so this does too (same fields reported).
 */
function unknownTypeSchema(): JsonSchema {
  const { $id: _id, title: _title, description: _description, ...schema } = jsonSchemaFor(EVENT_TYPES[0]);
  const properties = schema.properties as { [name: string]: JsonSchema };
  return {
    ...schema,
    properties: { ...properties, type: { type: 'string', enum: [...EVENT_TYPES] }, schemaVersion: { type: 'integer', minimum: 1 }, data: { type: 'object' } },
  };
}

interface Compiled {
  byType: ReadonlyMap<InteractionEventType, ValidateFunction>;
  unknownType: ValidateFunction;
}

const compiled = new Map<SchemaForm, Compiled>();

/**
 * Compiles the schemas now rather than on the first event (about 200 ms on this machine):
 * a consumer calls it at start, so its first batch does not pay for it. Idempotent.
 */
export function compileEventSchemas(form: SchemaForm = 'published'): void {
  compiledSchemas(form);
}

const compiledSchemas = (form: SchemaForm): Compiled => {
  let schemas = compiled.get(form);
  if (schemas === undefined) compiled.set(form, (schemas = compile(form)));
  return schemas;
};

/**
 * The schemas of GET /v1/schemas compiled once. The formats are the functions class-validator's
 * decorators call (isOffsetDateTime, validator's isEmail and isUUID), so a format cannot mean
 * something else here than at the HTTP edge.
 */
function compile(form: SchemaForm): Compiled {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    // Own keys only, as class-transformer copies them: a value built in code (not JSON.parse)
    // that inherits keys is judged by what it holds itself.
    ownProperties: true,
    formats: {
      'date-time': isOffsetDateTime,
      email: (value: string) => isEmail(value),
      uuid: (value: string) => isUUID(value, 'all'),
    },
  });
  // An annotation: it says which fields are personal data and validates nothing.
  ajv.addKeyword({ keyword: PERSONAL_DATA_KEYWORD, schemaType: 'boolean' });
  const schemaOf = (type: InteractionEventType) => {
    const schema = jsonSchemaFor(type, form);
    delete schema.$id; // one Ajv instance, documents compiled anonymously: no id clash with other users
    return schema;
  };
  return {
    byType: new Map(EVENT_TYPES.map((type) => [type, ajv.compile(schemaOf(type))])),
    unknownType: ajv.compile(unknownTypeSchema()),
  };
}



/** Dotted paths as class-validator's are flattened (violation.ts): `data.amount`, a numeric key as `data[0]`. */
const join = (path: string, name: string) => (/^\d+$/.test(name) ? `${path}[${name}]` : path === '' ? name : `${path}.${name}`);
const pathOf = (instancePath: string): string =>
  instancePath
    .split('/')
    .slice(1)
    .reduce((path, segment) => join(path, segment.replace(/~1/g, '/').replace(/~0/g, '~')), '');
const lastSegment = (path: string) => path.slice(Math.max(path.lastIndexOf('.'), path.lastIndexOf('[')) + 1).replace(/]$/, '');

/** ajv's errors as violations: one per field path, named like class-validator's ("amount must be …"). */
function violationsOf(errors: readonly ErrorObject[]): Violation[] {
  const byPath = new Map<string, string[]>();
  const add = (path: string, message: string) => {
    const messages = byPath.get(path) ?? [];
    if (!messages.includes(message)) messages.push(message);
    byPath.set(path, messages);
  };
  for (const error of errors) {
    const path = pathOf(error.instancePath);
    const params = error.params as PlainObject;
    switch (error.keyword) {
      case 'required':
        add(join(path, String(params.missingProperty)), `${String(params.missingProperty)} is required`);
        break;
      case 'additionalProperties':
        add(join(path, String(params.additionalProperty)), `property ${String(params.additionalProperty)} should not exist`);
        break;
      case 'if': // the `then` branch reports the field itself (score ≤ scale)
        break;
      case 'enum': {
        const allowed = params.allowedValues as unknown[];
        add(path, `${lastSegment(path)} must be one of ${allowed.length <= 12 ? `the following values: ${allowed.join(', ')}` : `${allowed.length} allowed values`}`);
        break;
      }
      case 'pattern':
        add(path, `${lastSegment(path)} does not match the contract's pattern`);
        break;
      default:
        add(path, `${lastSegment(path) || 'the event'} ${error.message ?? 'is invalid'}`);
    }
  }
  return [...byPath].map(([path, messages]) => ({ path, messages }));
}

/** Whether upcast has work to do: a known type declared at a version older than the current one. */
function isOlderVersion(event: PlainObject): boolean {
  if (!isInteractionEventType(event.type)) return false;
  const declared = event.schemaVersion === undefined ? DEFAULT_SCHEMA_VERSION : event.schemaVersion;
  return Number.isInteger(declared) && (declared as number) >= 1 && (declared as number) < CURRENT_SCHEMA_VERSIONS[event.type];
}

const tooDeep = (raw: PlainObject): ValidationResult | undefined => {
  const path = pathBeyondDepth(raw, MAX_JSON_DEPTH);
  return path === undefined ? undefined : { ok: false, violations: [{ path, messages: [tooDeepMessage(MAX_JSON_DEPTH)] }] };
};

/**
 * validateInteractionEvent's verdict from the compiled JSON Schemas instead of the DTOs: for
 * consumers that check every message again (the Kafka projector, with `form: 'stored'`: its
 * personal-data fields are sealed values), where building DTO instances
 * per message is most of the cost. Same steps: upcast to the current version of the type, then
 * validate envelope and `data` (unknown fields at every level rejected, every violated field
 * named), then the same clean copy. json-schema.spec.ts proves the verdicts and the named
 * fields equal.
 *
 * The depth walk runs only where it can matter: before an upcaster sees the event (as in
 * validateInteractionEvent), and on a rejection, to name the same path. An event at the current
 * version that the schema accepts nests three levels at most, and ajv never descends into a
 * value it refuses, so a valid message pays for no walk.
 */
export function validateWithJsonSchema(raw: unknown, options: { form?: SchemaForm } = {}): ValidationResult {
  if (!isRecord(raw)) {
    return { ok: false, violations: [{ path: '', messages: [`the event must be a JSON object, got ${describe(raw)}`] }] };
  }
  const schemas = compiledSchemas(options.form ?? 'published');
  let event = raw;
  if (isOlderVersion(raw)) {
    const refused = tooDeep(raw);
    if (refused !== undefined) return refused;
    event = upcast(raw) as PlainObject;
  }
  const type = event.type;
  const known = isInteractionEventType(type);
  const validate = known ? schemas.byType.get(type)! : schemas.unknownType;
  const schemaValid = validate(event);
  const crossField = crossFieldViolations(event);
  if (schemaValid && known && crossField.length === 0) return { ok: true, event: contractCopy(event, type) };
  const refused = tooDeep(raw);
  if (refused !== undefined) return refused;
  const violations = withViolations(schemaValid ? [] : violationsOf(validate.errors ?? []), crossField);
  return typeof type === 'string' && !known ? { ok: false, violations, unknownType: type } : { ok: false, violations };
}
