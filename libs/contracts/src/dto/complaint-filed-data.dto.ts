import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_SEVERITIES,
  CONTACT_CHANNELS,
  ComplaintCategory,
  ComplaintFiledData,
  ComplaintSeverity,
  ContactChannel,
} from '../event-types';
import { EnumField, FreeTextField, IdField } from './field.decorators';

export class ComplaintFiledDataDto implements ComplaintFiledData {
  @IdField({ example: 'CP-301' })
  complaintId: string;

  @EnumField(COMPLAINT_CATEGORIES, { example: 'delivery' })
  category: ComplaintCategory;

  @EnumField(COMPLAINT_SEVERITIES, { example: 'medium' })
  severity: ComplaintSeverity;

  @EnumField(CONTACT_CHANNELS, { description: 'Where the complaint was made', example: 'email' })
  channel: ContactChannel;

  @FreeTextField({ optional: true, example: 'Parcel two weeks late' })
  description?: string;
}
