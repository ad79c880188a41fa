import { EnumField } from '@crm/contracts/edge';
import { LIFECYCLE_STAGES, LOYALTY_FORMATION_STAGES, TIERS, TRUST_STAGES } from '@crm/domain';
import { PageRequestDto } from './page.request.dto';

/**
 * Filters match the secondary indexes the projection writes. Each takes one of the model's
 * values; another is a 400 naming the allowed ones (it could only ever match nothing).
 */
export class ListCustomersRequestDto extends PageRequestDto {
  @EnumField(LIFECYCLE_STAGES, { optional: true, example: 'expansion' })
  lifecycleStage?: string;

  @EnumField(TRUST_STAGES, { optional: true, example: 'knowledge' })
  trustStage?: string;

  @EnumField(TIERS, { optional: true, description: 'As of the last population pass', example: 'gold' })
  tier?: string;

  @EnumField(LOYALTY_FORMATION_STAGES, { optional: true, example: 'preference' })
  loyaltyStage?: string;
}

export const FILTER_KEYS = ['lifecycleStage', 'trustStage', 'tier', 'loyaltyStage'] as const;
