import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
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
