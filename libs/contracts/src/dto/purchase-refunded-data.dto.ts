import type { PurchaseRefundedData } from '../event-types';
import { CurrencyField, FreeTextField, IdField, IntegerField } from './field.decorators';
import { MAX_AMOUNT_MINOR_UNITS } from './purchase-made-data.dto';

export class PurchaseRefundedDataDto implements PurchaseRefundedData {
  @IdField({ description: 'The refunded order', example: 'O-7781' })
  orderId: string;

  @IntegerField({ exclusiveMin: 0, max: MAX_AMOUNT_MINOR_UNITS }, { description: 'Minor units (cents), > 0', example: 4599 })
  amount: number;

  @CurrencyField({ example: 'EUR' })
  currency: string;

  @FreeTextField({ example: 'arrived damaged' })
  reason: string;
}
