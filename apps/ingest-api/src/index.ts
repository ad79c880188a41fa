export * from './ingest.module';
export * from './commands/record-interactions.command';
