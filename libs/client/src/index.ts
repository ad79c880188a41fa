// @crm/client: a typed publisher of interaction events to the ingest API (see README.md).
export * from './crm-client';
export * from './crm-client.errors';
export * from './publish-results';
export * from './retry-policy';
