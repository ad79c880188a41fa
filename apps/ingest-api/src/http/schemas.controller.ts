import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { EVENT_TYPES, InteractionEventType, isInteractionEventType } from '@crm/contracts';
import { JSON_SCHEMA_DIALECT, JsonSchema, allJsonSchemas, jsonSchemaFor } from '@crm/contracts/edge';
import { ApiProblemResponse, notFoundProblem, RequireScope } from '@crm/infrastructure';

const JSON_SCHEMA_DOCUMENT = { type: 'object', additionalProperties: true, description: `A JSON Schema (${JSON_SCHEMA_DIALECT}) of one event type, envelope and data` } as const;

export class EventSchemasResponse {
  @ApiProperty({ enum: EVENT_TYPES, isArray: true, description: 'The supported event types' })
  types: InteractionEventType[];

  @ApiProperty({ type: 'object', additionalProperties: JSON_SCHEMA_DOCUMENT, description: 'The JSON Schema of each type, keyed by type' })
  schemas: Record<InteractionEventType, JsonSchema>;
}

/** JSON Schemas of the event types, so publishers can validate before sending. */
@ApiTags('ingest')
@RequireScope('publish', 'read', 'admin')
@Controller('v1/schemas')
export class SchemasController {
  @Get()
  @ApiOperation({ summary: 'The JSON Schema of every supported event type' })
  @ApiOkResponse({ type: EventSchemasResponse })
  list(): EventSchemasResponse {
    return { types: [...EVENT_TYPES], schemas: allJsonSchemas() };
  }

  @Get(':type')
  @ApiOperation({ summary: 'The JSON Schema of one event type' })
  @ApiParam({ name: 'type', enum: EVENT_TYPES })
  @ApiOkResponse({ schema: JSON_SCHEMA_DOCUMENT })
  @ApiProblemResponse(404, 'Not a supported event type (the supported ones are named)')
  get(@Param('type') type: string): JsonSchema {
    if (!isInteractionEventType(type)) throw notFoundProblem(`Unknown event type ${type}; supported: ${EVENT_TYPES.join(', ')}`);
    return jsonSchemaFor(type);
  }
}
