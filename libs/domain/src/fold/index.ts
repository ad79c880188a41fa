export type { CustomerViewState } from './fold-state.types';
export { EventFact, EventFactType, compareFacts, isFoldedEvent, toFact } from './event-fact';
export { PUBLISHED_HISTORY_MIN_ENTRIES } from './published-history';
export { foldHorizonMs } from './horizon';
