import type { PurchaseMadeData } from '../event-types';
import { CurrencyField, IdField, IntegerField } from './field.decorators';

/** Largest amount a JS number holds exactly; minor units beyond it would be rounded. */
export const MAX_AMOUNT_MINOR_UNITS = Number.MAX_SAFE_INTEGER;
/** A sane cap: a larger quantity on one order line is a data error. */
export const MAX_QUANTITY = 1_000_000;

export class PurchaseMadeDataDto implements PurchaseMadeData {
  @IdField({ example: 'O-7781' })
  orderId: string;

  @IntegerField({ min: 0, max: MAX_AMOUNT_MINOR_UNITS }, { description: 'Minor units (cents); 0 for a free order', example: 4599 })
  amount: number;

  @CurrencyField({ example: 'EUR' })
  currency: string;

  @IdField({ example: 'books' })
  productCategory: string;

  @IdField({ example: 'B-12' })
  productId: string;

  @IntegerField({ min: 1, max: MAX_QUANTITY }, { example: 1 })
  quantity: number;
}
