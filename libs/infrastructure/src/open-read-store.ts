import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@crm/config';
import { GenerationLocations, ReadStore, ReadStoreGenerations, RedisReadStore, SqliteReadStore } from '@crm/read-store';
import { redisConnectOptions } from './connection-options';

/**
 * Where each generation of the read models lives:
 * - Redis: generation 0 under REDIS_KEY_PREFIX (where views lived before generations), generation
 *   n under `{prefix}g{n}:`, the control documents under `{prefix}control:`; one connection for all.
 * - SQLite: `read-store.sqlite` (generation 0), `read-store.g{n}.sqlite`, `read-store.control.sqlite`
 *   in DATA_DIR.
 */
export async function generationLocations(config: AppConfig): Promise<GenerationLocations> {
  if (config.READ_STORE === 'redis') {
    const base = config.REDIS_KEY_PREFIX;
    const prefix = (generation: number) => (generation === 0 ? base : `${base}g${generation}:`);
    // One connection, opened (and its address checked) by the first store.
    const first = await RedisReadStore.connect({ ...redisConnectOptions(config), keyPrefix: `${base}control:` });
    const client = first.client;
    const open = (generation: number) => RedisReadStore.connect({ client, keyPrefix: prefix(generation) });
    return {
      openControl: async () => first,
      open,
      destroy: async (generation) => {
        const store = await open(generation);
        await store.clear();
        await store.close();
      },
      describe: (generation) => `redis keys ${prefix(generation)}*`,
      close: async () => void (await first.close()),
    };
  }
  const file = (generation: number) => join(config.DATA_DIR, generation === 0 ? 'read-store.sqlite' : `read-store.g${generation}.sqlite`);
  return {
    openControl: async () => SqliteReadStore.open({ filename: join(config.DATA_DIR, 'read-store.control.sqlite') }),
    open: async (generation) => SqliteReadStore.open({ filename: file(generation) }),
    destroy: async (generation) => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file(generation)}${suffix}`, { force: true });
    },
    describe: (generation) => file(generation),
  };
}

/** The generations of the configured read store, the active one served (also used by the CLIs). */
export async function openReadStoreGenerations(config: AppConfig, options: { pollMs?: number } = {}): Promise<ReadStoreGenerations> {
  return ReadStoreGenerations.open(await generationLocations(config), options);
}

/**
 * The configured read store's served generation, as one store (what the CLIs that only read use).
 * Closing it closes the generations.
 */
export async function openReadStore(config: AppConfig): Promise<ReadStore> {
  const generations = await openReadStoreGenerations(config);
  return generations.readStore.closingWith(generations);
}
