import type { AppConfig } from '@crm/config';
import { ReadStore, RedisReadStore, SqliteReadStore } from '@crm/read-store';

/** The configured read-store adapter (also used by the rebuild tool). */
export async function openReadStore(config: AppConfig): Promise<ReadStore> {
  return config.READ_STORE === 'redis'
    ? RedisReadStore.connect({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX })
    : SqliteReadStore.open({ dataDir: config.DATA_DIR });
}
