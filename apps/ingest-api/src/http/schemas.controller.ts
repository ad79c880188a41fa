import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_TYPES, isInteractionEventType } from '@crm/contracts';
import { allJsonSchemas, jsonSchemaFor } from '@crm/contracts/edge';
import { notFoundProblem } from '@crm/infrastructure';

/** JSON Schemas of the event types, so publishers can validate before sending. */
@ApiTags('ingest')
@Controller('v1/schemas')
export class SchemasController {
  @Get()
  @ApiOperation({ summary: 'The JSON Schema of every supported event type' })
  list() {
    return { types: [...EVENT_TYPES], schemas: allJsonSchemas() };
  }

  @Get(':type')
  @ApiOperation({ summary: 'The JSON Schema of one event type' })
  get(@Param('type') type: string) {
    if (!isInteractionEventType(type)) throw notFoundProblem(`Unknown event type ${type}; supported: ${EVENT_TYPES.join(', ')}`);
    return jsonSchemaFor(type);
  }
}
