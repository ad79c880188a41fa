export * from './query.module';
