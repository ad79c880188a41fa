import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EnumField } from '@crm/contracts/edge';
import { LIFECYCLE_STAGES, LOYALTY_FORMATION_STAGES, TIERS, TRUST_STAGES } from '@crm/domain';

/**
 * Filters match the secondary indexes the projection writes. Each takes one of the model's
 * values; another is a 400 naming the allowed ones (it could only ever match nothing).
 */
export class ListCustomersRequestDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page', maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  after?: string;

  @EnumField(LIFECYCLE_STAGES, { optional: true, example: 'expansion' })
  lifecycleStage?: string;

  @EnumField(TRUST_STAGES, { optional: true, example: 'knowledge' })
  trustStage?: string;

  @EnumField(TIERS, { optional: true, description: 'As of the last population pass', example: 'gold' })
  tier?: string;

  @EnumField(LOYALTY_FORMATION_STAGES, { optional: true, example: 'preference' })
  loyaltyStage?: string;
}

export const FILTER_KEYS = ['lifecycleStage', 'trustStage', 'tier', 'loyaltyStage'] as const;
