import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const INDEX_VALUE = /^[a-z_]{1,32}$/;

/** Filters match the secondary indexes the projection writes (lifecycle stage, trust stage, tier, …). */
export class ListCustomersRequestDto {
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
  @MaxLength(128)
  after?: string;

  @ApiPropertyOptional({ example: 'expansion' })
  @IsOptional()
  @Matches(INDEX_VALUE)
  lifecycleStage?: string;

  @ApiPropertyOptional({ example: 'knowledge' })
  @IsOptional()
  @Matches(INDEX_VALUE)
  trustStage?: string;

  @ApiPropertyOptional({ example: 'gold' })
  @IsOptional()
  @Matches(INDEX_VALUE)
  tier?: string;

  @ApiPropertyOptional({ example: 'preference' })
  @IsOptional()
  @Matches(INDEX_VALUE)
  loyaltyStage?: string;
}

export const FILTER_KEYS = ['lifecycleStage', 'trustStage', 'tier', 'loyaltyStage'] as const;
