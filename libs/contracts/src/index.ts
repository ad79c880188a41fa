// The only entry point of @crm/contracts (conventions.md: libs export through src/index.ts).
export * from './event-types';
export * from './dto';
export * from './validation/violation';
export * from './validation/validate-interaction-event';
export * from './schema/json-schema';
export * from './versioning/schema-versions';
export * from './versioning/upcast';
export * from './samples';
