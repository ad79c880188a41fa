import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the embedded mode keeps its keys: the configured lines (hashes only) and the key it generated on first start. */
export function localKeyFiles(dataDir: string): { keysFile: string; generatedKeyFile: string } {
  return { keysFile: join(dataDir, 'api-keys.conf'), generatedKeyFile: join(dataDir, 'admin.api-key') };
}

/**
 * The key a command-line tool sends: CRM_API_KEY, else the key the embedded platform generated
 * in DATA_DIR; undefined when neither exists.
 */
export function clientApiKey(env: Record<string, string | undefined>, dataDir: string): string | undefined {
  if (env.CRM_API_KEY) return env.CRM_API_KEY;
  try {
    return readFileSync(localKeyFiles(dataDir).generatedKeyFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
