import { ApiExtraModels, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { IsPresent } from './field.decorators';
import { DEFAULT_MAX_BATCH_EVENTS, InteractionEventDto } from './interaction-event.dto';
import { EVENT_DTO_CLASSES, interactionEventSchema } from './interaction-event-variants.dto';

/** POST body of a batch: `{ events: [...] }`. validateInteractionEventBatch takes the limit as an argument. */
@ApiExtraModels(...EVENT_DTO_CLASSES)
export class InteractionEventBatchDto {
  @ApiProperty({
    type: 'array',
    items: interactionEventSchema(),
    minItems: 1,
    maxItems: DEFAULT_MAX_BATCH_EVENTS,
    description: `The events, at most BATCH_MAX_EVENTS (${DEFAULT_MAX_BATCH_EVENTS} by default)`,
  })
  @IsPresent()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DEFAULT_MAX_BATCH_EVENTS)
  @ValidateNested({ each: true })
  @Type(() => InteractionEventDto)
  events: InteractionEventDto[];
}
