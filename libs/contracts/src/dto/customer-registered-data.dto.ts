import type { CustomerRegisteredData } from '../event-types';
import { EmailField, IdField, NAME_MAX_LENGTH, PatternField, TextField } from './field.decorators';

/** Digits with the usual separators and an optional leading +; at most 32 characters. */
const PHONE = /^\+?[0-9][0-9 ().-]*$/;

export class CustomerRegisteredDataDto implements CustomerRegisteredData {
  @TextField(NAME_MAX_LENGTH, { description: 'How the customer is addressed (personal data)', example: 'Ada Lovelace' })
  displayName: string;

  @EmailField({ optional: true, description: 'Personal data', example: 'ada@example.com' })
  email?: string;

  @PatternField(PHONE, 32, 'must be a phone number: digits, spaces, ( ) . - and an optional leading +', {
    optional: true,
    description: 'Personal data',
    example: '+44 20 7946 0958',
  })
  phone?: string;

  @IdField({ description: 'Where the customer came from (campaign, referral, web, store, …)', example: 'web' })
  acquisitionChannel: string;
}
