// @crm/projection: what every app that folds or serves views shares (conventions.md): the
// projection contract, the relationship projection, the runner, the measures store and the
// population pass. Apps compose these; no app imports another app.
export * from './customer-projection';
export * from './relationship.projection';
export * from './create-customer-projection';
export * from './projection-runner';
export * from './projection.module';
export * from './interaction-measures.store';
export * from './population/run-segmentation';
export * from './population/win-back.documents';
export * from './view-writers-lease';
export * from './what-if';
export * from './dead-letters';
export * from './served-projection';
export * from './rebuild/blue-green-rebuild';
export * from './rebuild/view-fingerprints';
