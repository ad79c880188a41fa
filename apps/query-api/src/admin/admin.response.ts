import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WHAT_IF_DIMENSIONS } from '@crm/projection';

/** The OpenAPI shapes of the admin routes (classes only for the document). */
export class WhatIfSampleResponse {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: 'string', nullable: true, description: "The candidate's rule that put the customer in its new stage; null for tiers" }) rule!: string | null;
  @ApiProperty({ type: 'string', nullable: true, format: 'date-time' }) at!: string | null;
}

export class WhatIfCellResponse {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) customers!: number;
  @ApiProperty({ type: [WhatIfSampleResponse] }) samples!: WhatIfSampleResponse[];
}

export class WhatIfDimensionResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Customers whose value differs under the candidate' }) moved!: number;
  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 }) share!: number;
  @ApiProperty({ type: [WhatIfCellResponse], description: 'Every from → to pair that occurs, most customers first (from = to: who stays)' }) cells!: WhatIfCellResponse[];
}

export class WhatIfSideResponse {
  @ApiProperty() policyVersion!: string;
  @ApiProperty() projectionVersion!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) customerEquity!: number;
}

export class WhatIfReportResponse {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) population!: number;
  @ApiProperty({ type: () => WhatIfSideResponse }) current!: WhatIfSideResponse;
  @ApiProperty({ type: () => WhatIfSideResponse }) candidate!: WhatIfSideResponse;
  @ApiProperty({ type: 'integer', description: 'candidate − current, minor units' }) customerEquityChange!: number;
  @ApiProperty({
    type: 'object',
    description: `One entry per classification: ${WHAT_IF_DIMENSIONS.join(', ')}`,
    additionalProperties: { $ref: '#/components/schemas/WhatIfDimensionResponse' },
  })
  dimensions!: Record<string, WhatIfDimensionResponse>;
  @ApiProperty({ type: 'integer', minimum: 0 }) computedInMs!: number;
}

export class WhatIfProgressResponse {
  @ApiProperty({ type: 'integer', minimum: 0 }) done!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
}

export class WhatIfJobResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['running', 'done', 'failed'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: 'string', nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty() candidatePolicyVersion!: string;
  @ApiProperty({ type: () => WhatIfProgressResponse }) progress!: WhatIfProgressResponse;
  @ApiProperty({ type: () => WhatIfReportResponse, nullable: true, description: 'Once done' }) report!: WhatIfReportResponse | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Once failed' }) error!: string | null;
}

export class RedriveAttemptResponse {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
}

export class DeadLetterResponse {
  @ApiProperty() eventId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) position!: number;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ description: 'The error the fold threw' }) reason!: string;
  @ApiProperty({ format: 'date-time' }) deadLetteredAt!: string;
  @ApiProperty({ enum: ['pending', 'redriven'] }) status!: string;
  @ApiPropertyOptional({ type: () => RedriveAttemptResponse }) redrive?: RedriveAttemptResponse;
}

export class DeadLetterListResponse {
  @ApiProperty({ type: [DeadLetterResponse] }) items!: DeadLetterResponse[];
}

export class RedriveFailureResponse {
  @ApiProperty() eventId!: string;
  @ApiProperty() error!: string;
}

export class RedriveResponse {
  @ApiProperty({ type: [String], description: 'Folded in: the views include them now' }) redriven!: string[];
  @ApiProperty({ type: [RedriveFailureResponse], description: 'Still failing (kept pending with the error)' }) failing!: RedriveFailureResponse[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Customers whose views were written' }) customers!: number;
}

export class RebuildVerifyResponse {
  @ApiProperty({ type: 'boolean', nullable: true, description: 'null: skipped (the reason in lines)' }) identical!: boolean | null;
  @ApiProperty({ type: [String], description: 'The customers and fields that differ' }) lines!: string[];
}

export class RebuildStatusResponse {
  @ApiProperty({ example: 'rebuild-3' }) id!: string;
  @ApiProperty({ type: 'integer', description: 'The generation it builds (served from its switch on)' }) generation!: number;
  @ApiProperty({ type: 'integer' }) previousGeneration!: number;
  @ApiProperty() projectionVersion!: string;
  @ApiProperty() policyVersion!: string;
  @ApiProperty({ enum: ['views', 'measures', 'catch-up', 'population', 'switch', 'settle', 'retire', 'done', 'cancelled', 'failed'] }) phase!: string;
  @ApiProperty({ type: 'integer', description: 'Events folded in this phase' }) done!: number;
  @ApiProperty({ type: 'integer', description: 'Events this phase has (catch-up: so far)' }) total!: number;
  @ApiProperty({ type: 'integer', description: 'Events per second in this phase' }) rate!: number;
  @ApiProperty({ type: 'integer', nullable: true }) etaSeconds!: number | null;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: 'string', nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ description: 'It went on from an interrupted rebuild' }) resumed!: boolean;
  @ApiProperty() keep!: boolean;
  @ApiProperty({ type: 'integer', description: 'The head when it started' }) head!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Views built, once done' }) views!: number | null;
  @ApiProperty({ type: 'integer', description: 'Events whose fold threw (dead letters of the new generation)' }) skippedEvents!: number;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
  @ApiProperty({ type: () => RebuildVerifyResponse, nullable: true }) verify!: RebuildVerifyResponse | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Seconds per finished phase' }) seconds!: Record<string, number>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: 'The event-loop delay (p50, p99, max, ms) of the thread that serves reads while the rebuild runs in its worker' })
  servingEventLoopDelayMs?: Record<string, number>;
}

export class RebuildListResponse {
  @ApiProperty({ type: [RebuildStatusResponse] }) items!: RebuildStatusResponse[];
}

export class GenerationResponse {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() projectionVersion!: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'null: the configured policy (POLICY_FILE)' }) policy!: unknown;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: 'string', nullable: true, format: 'date-time' }) servedSince!: string | null;
  @ApiProperty({ description: 'Its keyspace or file' }) location!: string;
}

export class GenerationsResponse {
  @ApiProperty({ type: () => GenerationResponse }) active!: GenerationResponse;
  @ApiProperty({ type: () => GenerationResponse, nullable: true }) building!: GenerationResponse | null;
  @ApiProperty({ type: [GenerationResponse] }) kept!: GenerationResponse[];
}
