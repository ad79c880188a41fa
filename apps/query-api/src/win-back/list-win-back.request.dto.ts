import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { WIN_BACK_REASONS } from '@crm/domain';

/** GET /v1/win-back: one churn reason (or all), paged by the ranking cursor. */
export class ListWinBackRequestDto {
  @ApiPropertyOptional({ enum: WIN_BACK_REASONS, description: 'Churn reason; unspecified = dissolved by inactivity or volume decline. Default: every reason, merged in one ranking.' })
  @IsOptional()
  @IsIn(WIN_BACK_REASONS, { message: `reason must be one of: ${WIN_BACK_REASONS.join(', ')}` })
  reason?: (typeof WIN_BACK_REASONS)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;
}
