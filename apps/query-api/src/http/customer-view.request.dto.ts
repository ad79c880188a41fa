import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class AsOfRequestDto {
  @ApiPropertyOptional({
    description: 'Evaluate the time-dependent rules (inactivity, SLA expiry, tenure) as of this instant; a past instant gives the view as it was then. Default: now.',
    example: '2026-06-30T23:59:59Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}
