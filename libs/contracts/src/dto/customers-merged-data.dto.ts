import type { CustomersMergedData } from '../event-types';
import { CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN, CUSTOMER_ID_PATTERN_MESSAGE } from './customer-id';
import { FreeTextField, JsonSchemaExtras, PatternField } from './field.decorators';

/** The message of the cross-field rule (validateInteractionEvent and validateWithJsonSchema apply it). */
export const SELF_MERGE_MESSAGE = 'mergedCustomerId must differ from customerId (the surviving customer): a customer cannot be merged into itself';

/**
 * `data` of CustomersMerged. The rule mergedCustomerId ≠ the envelope's customerId spans the
 * envelope and its payload, which neither a nested class-validator constraint nor JSON Schema
 * 2020-12 can see together: both validators check it after the field checks
 * (crossFieldViolations), and the schema says so in a $comment.
 */
@JsonSchemaExtras({ $comment: 'mergedCustomerId must differ from the envelope customerId (checked by the ingest API, not expressible in JSON Schema)' })
export class CustomersMergedDataDto implements CustomersMergedData {
  @PatternField(CUSTOMER_ID_PATTERN, CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN_MESSAGE, {
    description:
      'The customerId merged into the surviving customer (the envelope customerId); must differ from it. Its history joins the survivor and later events published under it are stored as the survivor’s',
    example: 'C-553311',
  })
  mergedCustomerId: string;

  @FreeTextField({ optional: true, description: 'Why the two ids are one customer', example: 'duplicate registration (same e-mail)' })
  reason?: string;
}
