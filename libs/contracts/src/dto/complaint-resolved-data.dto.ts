import type { ComplaintResolvedData } from '../event-types';
import { BooleanField, FreeTextField, IdField } from './field.decorators';

export class ComplaintResolvedDataDto implements ComplaintResolvedData {
  @IdField({ example: 'CP-301' })
  complaintId: string;

  @FreeTextField({ example: 'Refunded shipping and apologised' })
  resolution: string;

  @BooleanField({ optional: true, description: "Publisher's own SLA verdict; when absent the policy SLA by severity applies", example: true })
  withinSla?: boolean;

  @BooleanField({ example: true })
  customerAccepted: boolean;

  @IdField({ optional: true, example: 'A-17' })
  agentId?: string;

  @IdField({ optional: true, example: 'T-billing' })
  teamId?: string;
}
