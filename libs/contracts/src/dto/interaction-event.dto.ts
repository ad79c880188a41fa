import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsObject,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { EVENT_TYPES, InteractionEventType, isInteractionEventType } from '../event-types';
import { CURRENT_SCHEMA_VERSIONS } from '../versioning/schema-versions';
import { CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN, CUSTOMER_ID_PATTERN_MESSAGE } from './customer-id';
import { DATA_DTO_BY_TYPE, dataDtoFor } from './event-data-dto.registry';
import { EnumField, IdField, IntegerField, IsPresent, OffsetDateTimeField, PatternField, UuidField } from './field.decorators';

/** Default and HTTP-documented maximum number of events in one batch request. */
export const DEFAULT_MAX_BATCH_EVENTS = 1000;

/** schemaVersion must not be newer than the latest this build knows for the type. */
function IsSupportedSchemaVersion(): PropertyDecorator {
  return ValidateBy({
    name: 'isSupportedSchemaVersion',
    validator: {
      validate: (version: unknown, args?: ValidationArguments) => {
        const type = (args?.object as { type?: unknown } | undefined)?.type;
        // Wrong types and unknown event types are reported by the other validators.
        if (typeof version !== 'number' || !Number.isInteger(version) || !isInteractionEventType(type)) return true;
        return version <= CURRENT_SCHEMA_VERSIONS[type];
      },
      defaultMessage: (args?: ValidationArguments) => {
        const type = (args?.object as { type: InteractionEventType }).type;
        return `unsupported schemaVersion ${String(args?.value)} for ${type}: the latest supported version is ${CURRENT_SCHEMA_VERSIONS[type]}`;
      },
    },
  });
}

const isObjectValue = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The envelope of docs/relationship-model.md §1. `data` is checked against the DTO of `type`
 * (DATA_DTO_BY_TYPE). Use with whitelist + forbidNonWhitelisted so unknown fields are rejected.
 */
@ApiExtraModels(...Object.values(DATA_DTO_BY_TYPE))
export class InteractionEventDto {
  @UuidField({ description: "Chosen by the publisher; the idempotency key", example: '5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20' })
  eventId: string;

  @EnumField(EVENT_TYPES, { example: 'PurchaseMade' })
  type: InteractionEventType;

  @IntegerField({ min: 1 }, { optional: true, description: "Version of the type's payload; 1 when absent", example: 1 })
  @IsSupportedSchemaVersion()
  schemaVersion?: number;

  @PatternField(CUSTOMER_ID_PATTERN, CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN_MESSAGE, {
    description: 'The customer the event is about; the stream is customer-<customerId>',
    example: 'C-102938',
  })
  customerId: string;

  @OffsetDateTimeField({ description: 'When it happened (RFC 3339, with an offset)', example: '2026-03-14T10:22:05+01:00' })
  occurredAt: string;

  @IdField({ description: 'The publishing system', example: 'pos-eu-1' })
  source: string;

  @IdField({ optional: true, description: 'Tracing: the conversation or process this belongs to' })
  correlationId?: string;

  @IdField({ optional: true, description: 'Tracing: the eventId or command that caused this' })
  causationId?: string;

  @ApiProperty({
    description: 'The payload of the type (see the *DataDto schemas)',
    oneOf: Object.values(DATA_DTO_BY_TYPE).map((cls) => ({ $ref: getSchemaPath(cls) })),
  })
  @IsPresent()
  // For an unknown type the payload cannot be checked (the `type` violation says why); a
  // missing or non-object payload is reported whatever the type.
  @ValidateIf((event: { type?: unknown }, data: unknown) => isInteractionEventType(event.type) || !isObjectValue(data))
  @IsObject()
  @ValidateNested()
  @Type((options) => dataDtoFor((options?.object as { type?: unknown } | undefined)?.type) ?? Object)
  data: object;
}
