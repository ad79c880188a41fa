export * from './customer-view.types';
export { initialView } from './customer-view.initial';
export {
  EventHistory,
  EvolveOutcome,
  evolve,
  evolveInPlace,
  tryEvolveInPlace,
  evaluate,
  evaluateNeedsHistory,
  evaluateWithFullHistory,
  foldEvents,
  cloneView,
} from './customer-view.evolve';
export { rfmSummary, RfmSummary } from './rfm-summary';
export { getOwn, setOwn, copyOwn } from './own-keys';
