import { Logger } from '@nestjs/common';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createFileOnce } from '../create-file-once';
import { AppConfig, ConfigError, localKeyFiles } from '@crm/config';
import { ApiKeyConfigError, ApiKeyEntry, Principal, SCOPES, generateApiKey, hashApiKey, keyLine, parseKeyLines } from './api-keys';

/** The name of the key the embedded mode generates on first start. */
export const GENERATED_KEY_NAME = 'local-admin';

/** How often a key file is checked for changes (keys rotate without a restart). */
const WATCH_INTERVAL_MS = 1000;

/**
 * The API keys a process accepts, by hash. From API_KEYS, from API_KEYS_FILE (re-read when it
 * changes), or, in embedded mode with neither, from DATA_DIR/api-keys.conf, written on first
 * start with one generated key holding every scope (the key itself in DATA_DIR/admin.api-key,
 * mode 0600, and printed once). A key file that stops parsing keeps the keys it had, with an error
 * logged: a typo while rotating must not lock everyone out.
 */
export class ApiKeyRegistry {
  private readonly logger = new Logger('ApiKeys');
  private byHash = new Map<string, Principal>();
  private watcher?: NodeJS.Timeout;

  private constructor(readonly source: string) {}

  static fromConfig(config: Pick<AppConfig, 'API_KEYS' | 'API_KEYS_FILE' | 'CRM_MODE' | 'DATA_DIR'>, options: { watch?: boolean } = {}): ApiKeyRegistry {
    if (config.API_KEYS) {
      const registry = new ApiKeyRegistry('API_KEYS');
      registry.replace(parseOrConfigError(config.API_KEYS, 'API_KEYS'));
      return registry;
    }
    const file = config.API_KEYS_FILE ?? (config.CRM_MODE === 'embedded' ? ensureLocalKeys(config.DATA_DIR) : undefined);
    if (file === undefined) throw new ConfigError(['API_KEYS=(unset): API_KEYS or API_KEYS_FILE is required with CRM_MODE=distributed']);
    const registry = new ApiKeyRegistry(file);
    registry.replace(parseOrConfigError(readKeyFile(file, config.API_KEYS_FILE ? 'API_KEYS_FILE' : 'DATA_DIR'), file));
    if (options.watch !== false) registry.watch(file);
    return registry;
  }

  /** The principal of a presented key; undefined for an unknown one. */
  authenticate(key: string): Principal | undefined {
    return this.byHash.get(hashApiKey(key));
  }

  get size(): number {
    return this.byHash.size;
  }

  close(): void {
    if (this.watcher !== undefined) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  private replace(entries: readonly ApiKeyEntry[]): void {
    this.byHash = new Map(entries.map((entry) => [entry.hash, { name: entry.name, scopes: entry.scopes, ...(entry.rate ? { rate: entry.rate } : {}) }]));
  }

  /**
   * Checks the file every second against the stat of the text last read (not against the first
   * poll, which could already see a change made right after the start).
   */
  private watch(file: string): void {
    let read = stamp(file);
    this.watcher = setInterval(() => {
      const now = stamp(file);
      if (now === read) return;
      read = now;
      try {
        const entries = parseKeyLines(readFileSync(file, 'utf8'), file);
        this.replace(entries);
        this.logger.log(`${file}: re-read, ${entries.length} key${entries.length === 1 ? '' : 's'} (${entries.map((e) => e.name).join(', ')})`);
      } catch (error) {
        this.logger.error(`${file}: not re-read, the previous keys stay in force: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, WATCH_INTERVAL_MS);
    this.watcher.unref();
  }

}

/** What changes when a file is rewritten (or replaced by a rename, or removed). */
function stamp(file: string): string {
  try {
    const { mtimeMs, size, ino } = statSync(file);
    return `${mtimeMs}:${size}:${ino}`;
  } catch {
    return 'missing';
  }
}

function parseOrConfigError(text: string, source: string): ApiKeyEntry[] {
  try {
    return parseKeyLines(text, source);
  } catch (error) {
    if (error instanceof ApiKeyConfigError) throw new ConfigError(error.problems.map((problem) => `${source}: ${problem}`));
    throw error;
  }
}

function readKeyFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([`${variable}: cannot read ${JSON.stringify(file)} (${code === 'ENOENT' ? 'not found' : (code ?? 'error')})`]);
  }
}

/**
 * The embedded mode's keys file, made on first start: one generated key with every scope. The key
 * is printed once and kept in DATA_DIR/admin.api-key (0600) for the command-line tools; the
 * keys file holds only its hash. Returns the keys file.
 */
export function ensureLocalKeys(dataDir: string): string {
  const { keysFile, generatedKeyFile } = localKeyFiles(dataDir);
  if (existsSync(keysFile)) return keysFile;
  const key = generateApiKey();
  const header = [
    '# API keys of this data directory, one per line: <name> <scopes> sha256:<hash> [rate=<n>/<s|min|h>]',
    '# Scopes: publish, read, read-pii, admin. Add a key: npm run keys -- create --name <name> --scopes <scopes> --add',
    '# This file is re-read when it changes.',
  ];
  // Processes starting together on a new directory agree on one key: the one whose file is created.
  if (!createFileOnce(keysFile, `${[...header, keyLine(GENERATED_KEY_NAME, SCOPES, hashApiKey(key))].join('\n')}\n`)) return keysFile;
  writeFileSync(generatedKeyFile, `${key}\n`, { mode: 0o600 });
  new Logger('ApiKeys').log(
    `first start: generated API key "${GENERATED_KEY_NAME}" (all scopes): ${key}\n` +
      `  kept in ${generatedKeyFile}; send it as "Authorization: Bearer <key>"; more keys: npm run keys -- create`,
  );
  return keysFile;
}
