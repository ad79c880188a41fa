import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Matches, IsOptional } from 'class-validator';
import { InteractionMeasuresStore } from '@crm/projector';
import { ReadStore } from '@crm/read-store';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class MeasuresRequestDto {
  @ApiPropertyOptional({ description: 'First day included (UTC date of occurredAt)', example: '2026-01-01' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last day included', example: '2026-01-31' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

/** Call-centre interaction measures (empowerment rate, first-contact resolution, handle time, SLA) per day. */
@ApiTags('measures')
@Controller('v1')
export class MeasuresController {
  private readonly store: InteractionMeasuresStore;

  constructor(@Inject(ReadStore) readStore: ReadStore) {
    this.store = new InteractionMeasuresStore(readStore);
  }

  @Get('agents/:id/measures')
  @ApiOperation({ summary: "An agent's measures per day and in total" })
  agent(@Param('id') id: string, @Query() query: MeasuresRequestDto) {
    return this.store.measures('agent', id, query);
  }

  @Get('teams/:id/measures')
  @ApiOperation({ summary: "A team's measures per day and in total" })
  team(@Param('id') id: string, @Query() query: MeasuresRequestDto) {
    return this.store.measures('team', id, query);
  }
}
