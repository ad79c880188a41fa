import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createFileOnce } from './create-file-once';
import { join } from 'node:path';
import { AppConfig, ConfigError } from '@crm/config';
import { DataKeys, KeyStore, MasterKeyFormatError, RedisKeyStore, SqliteKeyStore, parseMasterKey } from '@crm/privacy';
import { redisConnectOptions } from './connection-options';

/** The embedded mode's files of personal-data keys: the wrapped data keys, and the master key it generated. */
export function localPrivacyFiles(dataDir: string): { keyStore: string; masterKey: string } {
  return { keyStore: join(dataDir, 'keys.sqlite'), masterKey: join(dataDir, 'master.key') };
}

/**
 * The key store of the configuration: KEY_STORE=sqlite, DATA_DIR/keys.sqlite (a file of its own,
 * so it can be backed up apart from the events, with a shorter retention); redis, the keys under
 * `<REDIS_KEY_PREFIX>keys:` on a connection of their own.
 */
export async function openKeyStore(config: AppConfig): Promise<KeyStore> {
  if (config.KEY_STORE === 'sqlite') return SqliteKeyStore.open({ filename: localPrivacyFiles(config.DATA_DIR).keyStore });
  const { url, ...options } = redisConnectOptions(config);
  const client = new Redis(url ?? 'redis://127.0.0.1:6379', { lazyConnect: true, ...options });
  await client.connect();
  const store = new RedisKeyStore({ client, keyPrefix: `${config.REDIS_KEY_PREFIX}keys:` });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await client.quit().catch(() => client.disconnect());
  };
  return store;
}

/**
 * The master key: PII_MASTER_KEY, the file PII_MASTER_KEY_FILE, or in embedded mode with neither
 * DATA_DIR/master.key, generated on first start (mode 0600). A key that is not 32 bytes of base64
 * or hex stops the start, naming the variable (never the value).
 */
export function resolveMasterKey(config: Pick<AppConfig, 'PII_MASTER_KEY' | 'PII_MASTER_KEY_FILE' | 'CRM_MODE' | 'DATA_DIR'>): Buffer {
  const parse = (text: string, variable: string) => {
    try {
      return parseMasterKey(text);
    } catch (error) {
      if (error instanceof MasterKeyFormatError) throw new ConfigError([`${variable}=(redacted): ${error.message}`]);
      throw error;
    }
  };
  if (config.PII_MASTER_KEY) return parse(config.PII_MASTER_KEY, 'PII_MASTER_KEY');
  const file = config.PII_MASTER_KEY_FILE ?? (config.CRM_MODE === 'embedded' ? ensureLocalMasterKey(config.DATA_DIR) : undefined);
  if (file === undefined) throw new ConfigError(['PII_MASTER_KEY=(unset): PII_MASTER_KEY or PII_MASTER_KEY_FILE is required with CRM_MODE=distributed']);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`PII_MASTER_KEY_FILE=${JSON.stringify(file)}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parse(text, config.PII_MASTER_KEY_FILE ? `PII_MASTER_KEY_FILE=${JSON.stringify(file)}` : file);
}

/** DATA_DIR/master.key, made on first start (processes starting together agree on one). */
function ensureLocalMasterKey(dataDir: string): string {
  const file = localPrivacyFiles(dataDir).masterKey;
  if (!existsSync(file) && createFileOnce(file, `${randomBytes(32).toString('base64')}\n`)) {
    new Logger('PersonalData').log(`first start: generated the master key of the personal-data keys in ${file}; keep it apart from backups of the data (docs/personal-data.md)`);
  }
  return file;
}

/** The data keys of the configuration: its key store, unwrapped with its master key, cached PII_KEY_CACHE_MS. */
export function dataKeysOf(config: AppConfig, store: KeyStore): DataKeys {
  return new DataKeys({ store, masterKey: resolveMasterKey(config), cacheTtlMs: config.PII_KEY_CACHE_MS });
}
