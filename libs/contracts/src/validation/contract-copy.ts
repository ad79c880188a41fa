import { DATA_DTO_BY_TYPE } from '../dto/event-data-dto.registry';
import { contractFieldsOf } from '../dto/field.decorators';
import { InteractionEventDto } from '../dto/interaction-event.dto';
import { EVENT_TYPES, InteractionEvent, InteractionEventType } from '../event-types';
import { DEFAULT_SCHEMA_VERSION } from '../versioning/schema-versions';

/** What both validators (class-validator at HTTP, the compiled schemas at the Kafka edge) share. */
export type PlainObject = { [key: string]: unknown };
export const isRecord = (value: unknown): value is PlainObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The contract's field names, in declaration order: the envelope's and each type's data. */
export const ENVELOPE_FIELDS = contractFieldsOf(InteractionEventDto).map((field) => field.name);
export const DATA_FIELDS = new Map<InteractionEventType, readonly string[]>(
  EVENT_TYPES.map((type) => [type, contractFieldsOf(DATA_DTO_BY_TYPE[type]).map((field) => field.name)]),
);

/** A plain copy with only the contract's fields, in declaration order, and schemaVersion defaulted. */
export function contractCopy(event: PlainObject, type: InteractionEventType): InteractionEvent {
  const copy: PlainObject = {};
  for (const name of ENVELOPE_FIELDS) {
    if (event[name] !== undefined) copy[name] = event[name];
  }
  if (copy.schemaVersion === undefined) copy.schemaVersion = DEFAULT_SCHEMA_VERSION;
  const data = event.data as PlainObject;
  const cleanData: PlainObject = {};
  for (const name of DATA_FIELDS.get(type)!) {
    if (data[name] !== undefined) cleanData[name] = data[name];
  }
  copy.data = cleanData;
  return copy as unknown as InteractionEvent;
}
