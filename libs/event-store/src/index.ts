export * from './event-store.port';
export * from './interaction-event.mapper';
export { SqliteEventStore, SQLITE_EVENT_STORE_FILENAME, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export * from './consume-in-batches';
export { EsdbEventStore, EventIdInFlightError, type EsdbEventStoreOptions } from './esdb/esdb-event-store';
export * from './catch-up-loop';
