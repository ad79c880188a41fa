export * from './privacy.errors';
export * from './field-cipher';
export * from './key-store.port';
export * from './data-keys';
export * from './memory/in-memory-key-store';
export * from './sqlite/sqlite-key-store';
export * from './redis/redis-key-store';
export * from './redis/redis-key-store.keys';
