export * from './async.helpers';
export * from './event-store.contract';
export * from './read-store.contract';
export * from './temp-dir';
export * from './messaging.contract';
export * from './service-process';
export * from './test-api-keys';
export * from './key-store.contract';
