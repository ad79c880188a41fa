import type { CompetitorOfferDeclinedData } from '../event-types';
import { FreeTextField, IdField } from './field.decorators';

export class CompetitorOfferDeclinedDataDto implements CompetitorOfferDeclinedData {
  @IdField({ example: 'RivalTel' })
  competitor: string;

  @FreeTextField({ example: '20% off for 12 months' })
  offerSummary: string;
}
