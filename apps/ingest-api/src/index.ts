export * from './ingest.module';
export * from './commands/record-interactions.command';
export { INGEST_CONFIG, ingestConfigSchema, loadIngestConfig, type IngestConfig } from './ingest.config';
