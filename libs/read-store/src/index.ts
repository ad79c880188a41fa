export * from './read-store.port';
export * from './sqlite/sqlite-read-store';
export * from './redis/redis-read-store';
export * from './generational-read-store';
export * from './read-store-generations';
