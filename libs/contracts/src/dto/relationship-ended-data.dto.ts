import { CHURN_REASONS, ChurnReason, RelationshipEndedData } from '../event-types';
import { EnumField, FreeTextField } from './field.decorators';

export class RelationshipEndedDataDto implements RelationshipEndedData {
  @EnumField(CHURN_REASONS, { description: 'Churn reason (Stauss & Friege)', example: 'competitor' })
  reason: ChurnReason;

  @FreeTextField({ optional: true, example: 'Moved to RivalTel' })
  note?: string;
}
