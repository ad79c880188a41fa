/**
 * The four assessment dimensions of the lifecycle (docs/relationship-model.md §2): development
 * (last vs previous volume window), quality (trust, satisfaction, NPS, open complaints),
 * behaviour (counted by the tallies) and value (frequency in the value window, scope, monetary).
 */
import type { RelationshipPolicy } from '../policy';
import type { CustomerView } from '../customer/customer-view.types';
import { DAY_MS } from '../fold/event-fact';
import { purchasesSince, volumeDevelopment } from './purchase-windows';

export interface AssessmentChanges {
  all: boolean;
  bought: boolean;
  purchase: boolean;
  money: boolean;
  trustMoved: boolean;
  openMoved: boolean;
}

/** The assessment as of `at` (the view's clock); untouched parts keep what the last read-out left. */
export function refreshAssessment(v: CustomerView, at: number, policy: RelationshipPolicy, changes: AssessmentChanges): void {
  if (!(changes.bought || changes.money || changes.trustMoved || changes.openMoved)) return;
  const as = v.lifecycle.assessment;
  if (changes.bought) {
    as.development = volumeDevelopment(v, at, policy);
    as.value.frequency = purchasesSince(v, at - policy.tiers.valueWindowDays * DAY_MS, at);
  }
  if (changes.all || changes.trustMoved) as.quality.trustStage = v.trust.stage;
  if (changes.openMoved) as.quality.openComplaints = v.complaints.open.length;
  if (changes.purchase) as.value.scope = v.loyalty.behavioural.categories.length;
  if (changes.money) as.value.monetary = v.historicalValue;
}
