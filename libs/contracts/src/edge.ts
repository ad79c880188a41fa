// The edge entry of @crm/contracts: class-validator DTOs, validation naming every violated
// field, and the JSON Schemas. Only the apps' edges (HTTP, Kafka consumers) load it; it pulls in
// class-validator, class-transformer and @nestjs/swagger.
export * from './dto';
export * from './validation/violation';
export * from './validation/json-depth';
export * from './validation/validate-interaction-event';
export * from './validation/validate-with-json-schema';
export * from './schema/json-schema';
