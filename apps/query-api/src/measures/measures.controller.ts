import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Matches, IsOptional } from 'class-validator';
import { ApiProblemResponse } from '@crm/infrastructure';
import { InteractionMeasuresStore } from '@crm/projector';
import { ReadStore } from '@crm/read-store';
import { MeasuresResponse } from './measures.response';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class MeasuresRequestDto {
  @ApiPropertyOptional({ description: 'First day included (UTC date of occurredAt)', format: 'date', example: '2026-01-01' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last day included', format: 'date', example: '2026-01-31' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

/** Call-centre interaction measures (empowerment rate, first-contact resolution, handle time, SLA) per day. */
@ApiTags('measures')
@ApiProblemResponse(400, 'from or to is not a date YYYY-MM-DD')
@Controller('v1')
export class MeasuresController {
  private readonly store: InteractionMeasuresStore;

  constructor(@Inject(ReadStore) readStore: ReadStore) {
    this.store = new InteractionMeasuresStore(readStore);
  }

  @Get('agents/:id/measures')
  @ApiOperation({ summary: "An agent's measures per day and in total" })
  @ApiOkResponse({ type: MeasuresResponse })
  agent(@Param('id') id: string, @Query() query: MeasuresRequestDto) {
    return this.store.measures('agent', id, query);
  }

  @Get('teams/:id/measures')
  @ApiOperation({ summary: "A team's measures per day and in total" })
  @ApiOkResponse({ type: MeasuresResponse })
  team(@Param('id') id: string, @Query() query: MeasuresRequestDto) {
    return this.store.measures('team', id, query);
  }
}
