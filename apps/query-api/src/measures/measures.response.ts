import { ApiProperty } from '@nestjs/swagger';
import { MEASURE_SCOPES } from '@crm/domain';

const count = (description?: string) => ({ type: 'integer', minimum: 0, ...(description ? { description } : {}) }) as const;
const rate = (description: string) => ({ type: 'number', minimum: 0, maximum: 1, nullable: true, description: `${description}; null without a denominator` }) as const;

/** Counters and rates of one day, or of the whole range (counters summed, rates recomputed from the sums). */
export class InteractionMeasuresResponse {
  @ApiProperty(count())
  contacts: number;

  @ApiProperty(count())
  inbound: number;

  @ApiProperty(count())
  outbound: number;

  @ApiProperty(count('Seconds'))
  handleTimeSecTotal: number;

  @ApiProperty(count('Contacts with outcome resolved'))
  resolved: number;

  @ApiProperty(count())
  transferred: number;

  @ApiProperty(count())
  escalated: number;

  @ApiProperty(count())
  abandoned: number;

  @ApiProperty(count())
  followUp: number;

  @ApiProperty(count())
  complaintsResolved: number;

  @ApiProperty(count())
  complaintsWithinSla: number;

  @ApiProperty(count())
  complaintsOutsideSla: number;

  @ApiProperty(count('Resolutions with no SLA verdict'))
  complaintsSlaUnknown: number;

  @ApiProperty({ type: 'number', minimum: 0, nullable: true, description: 'handleTimeSecTotal / contacts; null without contacts' })
  averageHandleTimeSec: number | null;

  @ApiProperty(rate('Share of contacts not escalated (授权率)'))
  empowermentRate: number | null;

  @ApiProperty(rate('Contacts resolved there and then / contacts'))
  firstContactResolutionRate: number | null;

  @ApiProperty(rate('Abandoned contacts / contacts'))
  abandonedShare: number | null;

  @ApiProperty(rate('Within SLA / (within + outside); unknown verdicts left out'))
  complaintsWithinSlaRate: number | null;
}

export class DailyInteractionMeasuresResponse extends InteractionMeasuresResponse {
  @ApiProperty({ description: 'UTC date of occurredAt, YYYY-MM-DD', example: '2026-03-14' })
  day: string;
}

export class MeasuresResponse {
  @ApiProperty({ enum: MEASURE_SCOPES })
  scope: string;

  @ApiProperty({ description: 'The agent or team id', example: 'A-17' })
  id: string;

  @ApiProperty({ type: [DailyInteractionMeasuresResponse], description: 'One row per day with activity, ascending' })
  days: DailyInteractionMeasuresResponse[];

  @ApiProperty({ type: () => InteractionMeasuresResponse })
  total: InteractionMeasuresResponse;
}
