import { DATA_DTO_BY_TYPE } from '../dto/event-data-dto.registry';
import { JsonSchema, contractFieldsOf, schemaExtrasOf } from '../dto/field.decorators';
import { InteractionEventDto } from '../dto/interaction-event.dto';
import { EVENT_TYPES, InteractionEventType } from '../event-types';
import { CURRENT_SCHEMA_VERSIONS } from '../versioning/schema-versions';

export type { JsonSchema } from '../dto/field.decorators';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
export const JSON_SCHEMA_ID_BASE = 'https://crm-platform.dev/schemas/events/';

/**
 * A closed object schema from the contract fields of a DTO class. `overrides` replace field
 * schemas; `extra` adds required properties that are not contract fields (the envelope's `data`).
 */
function objectSchemaOf(cls: object, overrides: { [field: string]: JsonSchema } = {}, extra: { [field: string]: JsonSchema } = {}): JsonSchema {
  const fields = contractFieldsOf(cls);
  const properties = {
    ...Object.fromEntries(fields.map((field) => [field.name, overrides[field.name] ?? field.schema])),
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

function buildSchema(type: InteractionEventType): JsonSchema {
  const version = CURRENT_SCHEMA_VERSIONS[type];
  const envelope = objectSchemaOf(
    InteractionEventDto,
    {
      type: { const: type },
      // Older versions are accepted too: validateInteractionEvent upcasts them first.
      schemaVersion: { type: 'integer', minimum: 1, maximum: version, default: 1 },
    },
    { data: objectSchemaOf(DATA_DTO_BY_TYPE[type]) },
  );
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `${JSON_SCHEMA_ID_BASE}${type}.v${version}.json`,
    title: `${type} (schemaVersion ${version})`,
    description: `A ${type} interaction event as published to the ingest API (docs/relationship-model.md §1).`,
    ...envelope,
  };
}

// Built once (the DTO metadata is static); callers get their own copy to mutate.
let cache: Map<InteractionEventType, JsonSchema> | undefined;
const schemas = (): Map<InteractionEventType, JsonSchema> =>
  (cache ??= new Map(EVENT_TYPES.map((type) => [type, buildSchema(type)])));

/** JSON Schema (draft 2020-12) of the full envelope of one event type, `data` included. */
export function jsonSchemaFor(type: InteractionEventType): JsonSchema {
  const schema = schemas().get(type);
  if (schema === undefined) throw new Error(`Unknown event type ${String(type)}; supported: ${EVENT_TYPES.join(', ')}`);
  return structuredClone(schema);
}

/** jsonSchemaFor of every type, keyed by type. */
export function allJsonSchemas(): Record<InteractionEventType, JsonSchema> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, jsonSchemaFor(type)])) as Record<InteractionEventType, JsonSchema>;
}
