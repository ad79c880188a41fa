import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { WIN_BACK_REASONS } from '@crm/domain';
import { PageRequestDto } from '../http/page.request.dto';

/** GET /v1/win-back: one churn reason (or all), paged by the ranking cursor. */
export class ListWinBackRequestDto extends PageRequestDto {
  @ApiPropertyOptional({ enum: WIN_BACK_REASONS, description: 'Churn reason; unspecified = dissolved by inactivity or volume decline. Default: every reason, merged in one ranking.' })
  @IsOptional()
  @IsIn(WIN_BACK_REASONS, { message: `reason must be one of: ${WIN_BACK_REASONS.join(', ')}` })
  reason?: (typeof WIN_BACK_REASONS)[number];
}
