import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, ValidateBy } from 'class-validator';
import { isOffsetDateTime } from '@crm/contracts/edge';
import { ApiProblemResponse, RequireScope } from '@crm/infrastructure';
import { InteractionMeasuresStore } from '@crm/projection';
import { ReadStore } from '@crm/read-store';
import { MeasuresResponse } from './measures.response';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date YYYY-MM-DD (2026-02-30 is not one), checked as the start of that UTC day. */
const IsDay = () =>
  ValidateBy({
    name: 'isDay',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && DAY.test(value) && isOffsetDateTime(`${value}T00:00:00Z`),
      defaultMessage: (args) => `${args?.property} must be a date YYYY-MM-DD`,
    },
  });

export class MeasuresRequestDto {
  @ApiPropertyOptional({ description: 'First day included (UTC date of occurredAt)', format: 'date', pattern: DAY.source, example: '2026-01-01' })
  @IsOptional()
  @IsDay()
  from?: string;

  @ApiPropertyOptional({ description: 'Last day included', format: 'date', pattern: DAY.source, example: '2026-01-31' })
  @IsOptional()
  @IsDay()
  to?: string;
}

export class IdListResponse {
  @ApiProperty({ type: [String], example: ['T-01', 'T-02'] })
  ids!: string[];
}

/** Call-centre interaction measures (empowerment rate, first-contact resolution, handle time, SLA) per day. */
@ApiTags('measures')
@ApiProblemResponse(400, 'from or to is not a date YYYY-MM-DD')
@RequireScope('read')
@Controller('v1')
export class MeasuresController {
  private readonly store: InteractionMeasuresStore;

  constructor(@Inject(ReadStore) readStore: ReadStore) {
    this.store = new InteractionMeasuresStore(readStore);
  }

  @Get('agents')
  @ApiOperation({ summary: 'The ids of every agent with measures (sorted)' })
  @ApiOkResponse({ type: IdListResponse })
  async agents(): Promise<IdListResponse> {
    return { ids: await this.store.ids('agent') };
  }

  @Get('teams')
  @ApiOperation({ summary: 'The ids of every team with measures (sorted): what the dashboard lists' })
  @ApiOkResponse({ type: IdListResponse })
  async teams(): Promise<IdListResponse> {
    return { ids: await this.store.ids('team') };
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
