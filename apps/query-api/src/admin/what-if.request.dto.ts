import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AsOfField } from '../http/as-of.request.dto';

/** POST /v1/admin/what-if: the candidate policy (the POLICY_FILE format) and the instant to compare at. */
export class WhatIfRequestDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The whole candidate policy, as in a POLICY_FILE (validated like one: every violated key named)' })
  @IsObject()
  policy!: Record<string, unknown>;

  @AsOfField('Compare both sides as of this instant. Default: now.')
  asOf?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 50, default: 5, description: 'Customers listed per move' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50)
  samples?: number;
}

/** POST /v1/admin/dead-letters/redrive: which pending dead letters (default all). */
export class RedriveRequestDto {
  @ApiPropertyOptional({ type: [String], maxItems: 1000, description: 'Only these event ids (default: every pending dead letter)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  eventIds?: string[];
}

/** POST /v1/admin/rebuilds: what to build (default: the served generation's policy with the current code). */
export class RebuildRequestDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Fold with this policy (the POLICY_FILE format, validated: every violated key named); default: the served one' })
  @IsOptional()
  @IsObject()
  policy?: Record<string, unknown>;

  @ApiPropertyOptional({ default: false, description: 'Keep the old generation after the switch' })
  @IsOptional()
  @IsBoolean()
  keep?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Start over instead of resuming an interrupted rebuild of the same target' })
  @IsOptional()
  @IsBoolean()
  restart?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Compare every view before and after as of asOf; the report names the customers and fields that differ' })
  @IsOptional()
  @IsBoolean()
  verify?: boolean;

  @AsOfField('Population pass (and verify) as of this instant. Default: now.')
  asOf?: string;
}
