export type { CustomerViewState } from './fold-state.types';
export { EventFact, EventFactType, compareFacts, toFact } from './event-fact';
