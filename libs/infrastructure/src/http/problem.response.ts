import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_LISTED_VIOLATIONS } from './problem';

/** One violated field, as in the `violations` of a problem document. */
export class ViolationResponse {
  @ApiProperty({ description: "Dotted path of the field: data.amount, events[3].type, query parameter name; '' for the body itself", example: 'data.amount' })
  path: string;

  @ApiProperty({ type: [String], description: 'What is wrong with it', example: ['amount must be >= 0'] })
  messages: string[];
}

/**
 * The RFC 9457 problem document every error answers with (application/problem+json). Extension
 * members depend on the problem type (supportedTypes, maxEvents, currentRevision, …).
 */
export class ProblemResponse {
  @ApiProperty({ description: 'URI naming the problem type (about:blank for a plain HTTP status)', example: 'https://crm-platform.dev/problems/validation' })
  type: string;

  @ApiProperty({ example: 'The request is not valid' })
  title: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status: number;

  @ApiPropertyOptional({ example: '1 field violated: data.amount' })
  detail?: string;

  @ApiPropertyOptional({ type: [ViolationResponse], maxItems: MAX_LISTED_VIOLATIONS, description: `Validation problems: the violated fields, the first ${MAX_LISTED_VIOLATIONS} of them` })
  violations?: ViolationResponse[];

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Validation problems: how many fields are violated in all' })
  violationCount?: number;

  @ApiPropertyOptional({ description: `Validation problems: true when more than ${MAX_LISTED_VIOLATIONS} were found and only the first are listed` })
  truncated?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'An unknown event type: the supported types' })
  supportedTypes?: string[];

  @ApiPropertyOptional({ description: 'Whether sending the same request again can succeed (409, 503)' })
  retriable?: boolean;
}
