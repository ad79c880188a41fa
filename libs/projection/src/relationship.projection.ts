import type { StoredInteractionEvent } from '@crm/contracts';
import {
  CustomerView,
  DEFAULT_POLICY,
  RelationshipPolicy,
  SegmentInput,
  activePeriods,
  evaluate,
  evaluateNeedsHistory,
  evaluateWithFullHistory,
  foldEvents,
  evolveInPlace,
  initialView,
  tryEvolveInPlace,
  referredCustomersOf,
  rfmSummary,
} from '@crm/domain';
import { CustomerProjection, HistoryLoader } from './customer-projection';

/**
 * The relationship science (libs/domain) as the projector's view function: lifecycle stage,
 * trust stage and loyalty measures per customer, each with its evidence.
 */
export class RelationshipProjection extends CustomerProjection<CustomerView> {
  readonly name = 'customer-views';

  constructor(private readonly ownPolicy: RelationshipPolicy = DEFAULT_POLICY) {
    super();
  }

  /** The thresholds it folds with (ServedProjection: those of the generation being served). */
  get policy(): RelationshipPolicy {
    return this.ownPolicy;
  }

  get version(): string {
    return `relationship-3/policy-${this.policy.policyVersion}`;
  }

  initial(customerId: string): CustomerView {
    return initialView(customerId, this.policy);
  }

  /**
   * In place: the projector owns the object it passes (freshly parsed from the read store). The
   * compact fold state answers in-order events; anything else reads the history (a promise).
   */
  evolve(view: CustomerView, event: StoredInteractionEvent, history?: HistoryLoader): CustomerView | Promise<CustomerView> {
    if (tryEvolveInPlace(view, event, this.policy) !== 'needs-history') return view;
    // Without a history this throws the domain's HistoryRequiredError, naming what was missing.
    if (!history) {
      evolveInPlace(view, event, this.policy);
      return view;
    }
    return history().then((events) => {
      evolveInPlace(view, event, this.policy, () => events);
      return view;
    });
  }

  evaluate(view: CustomerView, asOf: string, history?: HistoryLoader): CustomerView | Promise<CustomerView> {
    if (!history || !evaluateNeedsHistory(view, asOf, this.policy)) return evaluate(view, asOf, this.policy);
    return history().then((events) => evaluate(view, asOf, this.policy, () => events));
  }

  foldAsOf(customerId: string, events: readonly StoredInteractionEvent[], asOf: string): CustomerView {
    return evaluate(foldEvents(customerId, events, this.policy), asOf, this.policy, () => events);
  }

  async evaluateWithFullHistory(customerId: string, asOf: string, history: HistoryLoader): Promise<CustomerView> {
    return evaluateWithFullHistory(customerId, await history(), asOf, this.policy);
  }

  /** Without `state` (the fold's running tallies) and any `log` a view of the old layout still carries. */
  present(view: CustomerView): Omit<CustomerView, 'state'> {
    const { state: _state, ...visible } = view as CustomerView & { log?: unknown };
    delete visible.log;
    return visible;
  }

  indexes(view: CustomerView): Record<string, string> {
    return { lifecycleStage: view.lifecycle.stage, trustStage: view.trust.stage, loyaltyStage: view.loyalty.formationStage };
  }

  /** What the population pass needs of one customer, as of `asOf` (the view must be evaluated at asOf: nothing after it). */
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
