import {
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_OUTCOMES,
  ContactChannel,
  ContactDirection,
  ContactLoggedData,
  ContactOutcome,
} from '../event-types';
import { EnumField, IdField, IntegerField, NumberField } from './field.decorators';

/** A day: longer contacts are data errors, not conversations. */
export const MAX_CONTACT_DURATION_SEC = 86_400;

export class ContactLoggedDataDto implements ContactLoggedData {
  @IdField({ optional: true, description: "The publisher's id of this contact", example: 'K-5521' })
  contactId?: string;

  @EnumField(CONTACT_CHANNELS, { example: 'phone' })
  channel: ContactChannel;

  @EnumField(CONTACT_DIRECTIONS, { example: 'inbound' })
  direction: ContactDirection;

  @IdField({ example: 'A-17' })
  agentId: string;

  @IdField({ example: 'T-billing' })
  teamId: string;

  @IntegerField({ min: 0, max: MAX_CONTACT_DURATION_SEC }, { description: 'Talk/handle time in seconds', example: 312 })
  durationSec: number;

  @IdField({ description: 'What the contact was about', example: 'invoice question' })
  topic: string;

  @EnumField(CONTACT_OUTCOMES, { example: 'resolved' })
  outcome: ContactOutcome;

  @NumberField({ min: -1, max: 1 }, { optional: true, description: '-1 (very negative) … 1 (very positive)', example: 0.4 })
  sentiment?: number;

  @IdField({ optional: true, description: 'contactId of an earlier follow_up contact that this one completes', example: 'K-5490' })
  followUpOf?: string;
}
