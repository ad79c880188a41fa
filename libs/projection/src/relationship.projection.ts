import type { StoredInteractionEvent } from '@crm/contracts';
import {
  CustomerView,
  DEFAULT_POLICY,
  RelationshipPolicy,
  SegmentInput,
  activePeriods,
  evaluate,
  evolveInPlace,
  initialView,
  referredCustomersOf,
  rfmSummary,
} from '@crm/domain';
import { CustomerProjection } from './customer-projection';

/**
 * The relationship science (libs/domain) as the projector's view function: lifecycle stage,
 * trust stage and loyalty measures per customer, each with its evidence.
 */
export class RelationshipProjection extends CustomerProjection<CustomerView> {
  readonly name = 'customer-views';
  readonly version: string;

  constructor(readonly policy: RelationshipPolicy = DEFAULT_POLICY) {
    super();
    this.version = `relationship-2/policy-${policy.policyVersion}`;
  }

  initial(customerId: string): CustomerView {
    return initialView(customerId, this.policy);
  }

  /** In place: the projector owns the object it passes (freshly parsed from the read store). */
  evolve(view: CustomerView, event: StoredInteractionEvent): CustomerView {
    evolveInPlace(view, event, this.policy);
    return view;
  }

  evaluate(view: CustomerView, asOf: string): CustomerView {
    return evaluate(view, asOf, this.policy);
  }

  /** Without `log` (every applied fact, kept for late-event re-folds) and `state` (running totals). */
  present(view: CustomerView): Omit<CustomerView, 'log' | 'state'> {
    const { log: _log, state: _state, ...visible } = view;
    return visible;
  }

  indexes(view: CustomerView): Record<string, string> {
    return { lifecycleStage: view.lifecycle.stage, trustStage: view.trust.stage, loyaltyStage: view.loyalty.formationStage };
  }

  /** What the population pass needs of one customer, as of `asOf` (the view must be evaluated at asOf). */
  segmentInput(view: CustomerView, asOf: string): SegmentInput {
    const dissolved = view.lifecycle.stage === 'dissolution';
    return {
      ...rfmSummary(view, asOf, this.policy),
      lifecycleStage: view.lifecycle.stage,
      trustStage: view.trust.stage,
      loyaltyStage: view.loyalty.formationStage,
      churnReason: view.churnReason ?? null,
      firstPurchaseAt: view.loyalty.behavioural.firstPurchaseAt,
      dissolvedAt: dissolved ? view.lifecycle.since : null,
      activePeriods: activePeriods(view, asOf, this.policy.segments.retention),
      referredCustomers: referredCustomersOf(view),
    };
  }
}
