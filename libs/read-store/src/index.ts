export * from './read-store.port';
export * from './sqlite/sqlite-read-store';
export * from './redis/redis-read-store';
