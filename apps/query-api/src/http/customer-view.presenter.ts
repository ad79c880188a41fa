import type { CustomerView } from '@crm/domain';
import type { ProjectedView } from '@crm/projection';
import type { ViewRecord } from '@crm/read-store';

/** The view as downstream teams see it: the model without the fold's internal bookkeeping. */
export function presentView(record: ViewRecord<ProjectedView<CustomerView>>, view: unknown) {
  return {
    customerId: record.customerId,
    position: record.position,
    projectionVersion: record.view.projectionVersion,
    segment: record.view.segment ?? null,
    view,
  };
}

/** Every stage change and trust violation, oldest first, each with the event and rule behind it. */
export function presentTimeline(record: ViewRecord<ProjectedView<CustomerView>>, state: CustomerView) {
  const entries = [
    ...state.lifecycle.transitions.map((t) => ({ kind: 'lifecycle' as const, ...t })),
    ...state.trust.transitions.map((t) => ({ kind: 'trust' as const, ...t })),
  ].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  // The trust drops among the entries have rule = the violation kind; the details are here.
  return { customerId: record.customerId, position: record.position, asOf: state.asOf, entries, trustViolations: state.trust.violations };
}

/**
 * One line of a list page: the stages and tier, no full view. The stages are the indexed ones,
 * the ones the filter matched: the population pass re-indexes them as of its time (a silent
 * churner is listed under dissolution), while the stored fold keeps the stage of its last event.
 */
export function presentListItem(record: ViewRecord<ProjectedView<CustomerView>>) {
  const state = record.view.state;
  const indexed = (key: string) => (Object.hasOwn(record.indexes, key) ? record.indexes[key] : undefined);
  return {
    customerId: record.customerId,
    position: record.position,
    indexes: record.indexes,
    lifecycleStage: indexed('lifecycleStage') ?? state.lifecycle.stage,
    trustStage: indexed('trustStage') ?? state.trust.stage,
    loyaltyStage: indexed('loyaltyStage') ?? state.loyalty.formationStage,
    tier: record.view.segment?.tier ?? null,
    historicalValue: state.historicalValue,
    currency: state.currency,
    lastEventAt: state.lastEventAt,
  };
}
