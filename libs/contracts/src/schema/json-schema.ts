import { DATA_DTO_BY_TYPE } from '../dto/event-data-dto.registry';
import { JsonSchema, contractFieldsOf, schemaExtrasOf } from '../dto/field.decorators';
import { InteractionEventDto } from '../dto/interaction-event.dto';
import { EVENT_TYPES, InteractionEventType, PERSONAL_DATA_FIELDS } from '../event-types';
import { CURRENT_SCHEMA_VERSIONS } from '../versioning/schema-versions';

export type { JsonSchema } from '../dto/field.decorators';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
export const JSON_SCHEMA_ID_BASE = 'https://crm-platform.dev/schemas/events/';

/**
 * Which form of an event a schema describes: `published`, as a publisher sends it (GET
 * /v1/schemas); `stored`, as the store and Kafka hold it, where each personal-data field is
 * either the sealed value ingest made of it or, in events stored before sealing, the clear value.
 */
export type SchemaForm = 'published' | 'stored';

/** The annotation on each personal-data field (PERSONAL_DATA_FIELDS). */
export const PERSONAL_DATA_KEYWORD = 'x-personal-data';

/**
 * A sealed personal-data value: `pii:1:<key version>:<base64url(iv | ciphertext | tag)>`, the
 * token format of @crm/privacy (its spec checks the two agree).
 */
export const SEALED_VALUE_PATTERN = '^pii:1:[1-9][0-9]{0,14}:[A-Za-z0-9_-]{38,}$';

/**
 * A closed object schema from the contract fields of a DTO class. `overrides` replace field
 * schemas, `transform` rewrites each field's own schema; `extra` adds required properties that
 * are not contract fields (the envelope's `data`).
 */
function objectSchemaOf(
  cls: object,
  overrides: { [field: string]: JsonSchema } = {},
  extra: { [field: string]: JsonSchema } = {},
  transform: (name: string, schema: JsonSchema) => JsonSchema = (_name, schema) => schema,
): JsonSchema {
  const fields = contractFieldsOf(cls);
  const properties = {
    ...Object.fromEntries(fields.map((field) => [field.name, overrides[field.name] ?? transform(field.name, field.schema)])),
    ...extra,
  };
  const required = [...fields.filter((field) => field.required).map((field) => field.name), ...Object.keys(extra)];
  return {
    type: 'object',
    properties,
    required,
    additionalProperties: false,
    ...(schemaExtrasOf(cls) ?? {}),
  };
}

/** A personal-data field's schema in each form: annotated; in the stored form, its sealed value accepted too. */
function personalDataSchema(type: InteractionEventType, form: SchemaForm) {
  const personal = new Set(PERSONAL_DATA_FIELDS[type]);
  return (name: string, schema: JsonSchema): JsonSchema => {
    if (!personal.has(name)) return schema;
    if (form === 'published') return { ...schema, [PERSONAL_DATA_KEYWORD]: true };
    return { [PERSONAL_DATA_KEYWORD]: true, anyOf: [schema, { type: 'string', pattern: SEALED_VALUE_PATTERN }] };
  };
}

function buildSchema(type: InteractionEventType, form: SchemaForm): JsonSchema {
  const version = CURRENT_SCHEMA_VERSIONS[type];
  const envelope = objectSchemaOf(
    InteractionEventDto,
    {
      type: { const: type },
      // Older versions are accepted too: validateInteractionEvent upcasts them first.
      schemaVersion: { type: 'integer', minimum: 1, maximum: version, default: 1 },
    },
    { data: objectSchemaOf(DATA_DTO_BY_TYPE[type], {}, {}, personalDataSchema(type, form)) },
  );
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `${JSON_SCHEMA_ID_BASE}${type}.v${version}.json`,
    title: `${type} (schemaVersion ${version})`,
    description:
      form === 'published'
        ? `A ${type} interaction event as published to the ingest API (docs/relationship-model.md §1). Fields marked ${PERSONAL_DATA_KEYWORD} are sealed with the customer's data key when stored.`
        : `A ${type} interaction event as stored and relayed to Kafka: each field marked ${PERSONAL_DATA_KEYWORD} is a sealed value (or, stored before sealing, the clear one).`,
    ...envelope,
  };
}

// Built once per form (the DTO metadata is static); callers get their own copy to mutate.
const cache = new Map<SchemaForm, Map<InteractionEventType, JsonSchema>>();
const schemas = (form: SchemaForm): Map<InteractionEventType, JsonSchema> => {
  let built = cache.get(form);
  if (built === undefined) cache.set(form, (built = new Map(EVENT_TYPES.map((type) => [type, buildSchema(type, form)]))));
  return built;
};

/** JSON Schema (draft 2020-12) of the full envelope of one event type, `data` included, as published (or as stored). */
export function jsonSchemaFor(type: InteractionEventType, form: SchemaForm = 'published'): JsonSchema {
  const schema = schemas(form).get(type);
  if (schema === undefined) throw new Error(`Unknown event type ${String(type)}; supported: ${EVENT_TYPES.join(', ')}`);
  return structuredClone(schema);
}

/** jsonSchemaFor of every type, keyed by type. */
export function allJsonSchemas(): Record<InteractionEventType, JsonSchema> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, jsonSchemaFor(type)])) as Record<InteractionEventType, JsonSchema>;
}
