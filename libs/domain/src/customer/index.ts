export * from './customer-view.types';
export { initialView } from './customer-view.initial';
export { evolve, evolveInPlace, evaluate, foldEvents, cloneView } from './customer-view.evolve';
export { rfmSummary, RfmSummary } from './rfm-summary';
export { SATISFACTION_LABELS, normaliseScore, satisfactionLevel, npsClass } from './satisfaction.scale';
export { compareFacts, toFact } from './event-fact';
export { getOwn, setOwn, copyOwn } from './own-keys';
export { slaDeadlineMs, slaBreachMs, resolvedWithinSla } from './complaint-sla';
