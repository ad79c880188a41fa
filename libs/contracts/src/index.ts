// The pure entry of @crm/contracts: event types, versions, upcasters and samples. It loads no
// framework and no validator, so the domain can depend on it (a test in libs/domain proves it).
// DTOs, validation and JSON Schemas are the edge entry: @crm/contracts/edge.
export * from './event-types';
export * from './versioning/schema-versions';
export * from './versioning/upcast';
export * from './samples';
export * from './trace-context';
export * from './event-origin';
