/**
 * The four assessment dimensions of the lifecycle (docs/relationship-model.md §2): development
 * (last vs previous volume window), quality (trust, satisfaction, NPS, open complaints),
 * behaviour (counted by the tallies) and value (frequency in the value window, scope, monetary).
 */
import type { RelationshipPolicy } from '../policy';
import type { CustomerView } from '../customer/customer-view.types';
import { DAY_MS } from '../fold/event-fact';
import { ALL, BOUGHT, MONEY, OPEN_MOVED, PURCHASE, TRUST_MOVED } from '../customer/read-out-changes';
import { purchasesSince, volumeDevelopment } from './purchase-windows';

/** The assessment as of `at` (the view's clock); untouched parts keep what the last read-out left. `changes`: read-out-changes.ts bits. */
export function refreshAssessment(v: CustomerView, at: number, policy: RelationshipPolicy, changes: number): void {
  if ((changes & (BOUGHT | MONEY | TRUST_MOVED | OPEN_MOVED)) === 0) return;
  const as = v.lifecycle.assessment;
  if (changes & BOUGHT) {
    as.development = volumeDevelopment(v, at, policy);
    as.value.frequency = purchasesSince(v, at - policy.tiers.valueWindowDays * DAY_MS, at);
  }
  if (changes & (ALL | TRUST_MOVED)) as.quality.trustStage = v.trust.stage;
  if (changes & OPEN_MOVED) as.quality.openComplaints = v.complaints.open.length;
  if (changes & PURCHASE) as.value.scope = v.loyalty.behavioural.categories.length;
  if (changes & MONEY) as.value.monetary = v.historicalValue;
}
