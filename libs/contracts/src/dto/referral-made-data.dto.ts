import type { ReferralMadeData } from '../event-types';
import { PatternField } from './field.decorators';
import { CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN, CUSTOMER_ID_PATTERN_MESSAGE } from './customer-id';

export class ReferralMadeDataDto implements ReferralMadeData {
  @PatternField(CUSTOMER_ID_PATTERN, CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN_MESSAGE, {
    optional: true,
    description: 'The customerId of the referred customer, when known',
    example: 'C-200117',
  })
  referredCustomerId?: string;
}
