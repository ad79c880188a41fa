import { ApiProperty, type SchemaObject, getSchemaPath } from '@nestjs/swagger';
import { EVENT_TYPES, InteractionEventType } from '../event-types';
import { DATA_DTO_BY_TYPE } from './event-data-dto.registry';
import { contractFieldsOf } from './field.decorators';
import { InteractionEventDto } from './interaction-event.dto';

export type EventDtoClass = new () => object;

/**
 * One documentation class per event type (`PurchaseMadeEvent`, …): the envelope of
 * InteractionEventDto with `type` fixed to the type and `data` the type's DTO. They exist for the
 * OpenAPI document only (code generators get one class per type, chosen by `type`); validation
 * goes through InteractionEventDto, whose `data` class follows `type`.
 */
function eventDtoClass(type: InteractionEventType): EventDtoClass {
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: `${type}Event` });
  for (const field of contractFieldsOf(InteractionEventDto)) {
    const api = field.name === 'type' ? { ...field.api, enum: [type], example: type, description: `Always ${type}` } : field.api;
    ApiProperty(api)(cls.prototype, field.name);
  }
  ApiProperty({ type: () => DATA_DTO_BY_TYPE[type], required: true, description: `The ${type} payload` })(cls.prototype, 'data');
  return cls;
}

/** The documentation class of each type. */
export const EVENT_DTO_BY_TYPE: Readonly<Record<InteractionEventType, EventDtoClass>> = Object.freeze(
  Object.fromEntries(EVENT_TYPES.map((type) => [type, eventDtoClass(type)])) as Record<InteractionEventType, EventDtoClass>,
);

/** Every per-type class, for @ApiExtraModels. */
export const EVENT_DTO_CLASSES: readonly EventDtoClass[] = Object.values(EVENT_DTO_BY_TYPE);

/**
 * The OpenAPI schema of one published event: one of the per-type schemas, chosen by `type`
 * (a discriminator mapping every type to its schema). Register EVENT_DTO_CLASSES with
 * @ApiExtraModels wherever this is used.
 */
export function interactionEventSchema(): SchemaObject {
  return {
    oneOf: EVENT_DTO_CLASSES.map((cls) => ({ $ref: getSchemaPath(cls) })),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(EVENT_TYPES.map((type) => [type, getSchemaPath(EVENT_DTO_BY_TYPE[type])])),
    },
  };
}
