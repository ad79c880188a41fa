import { z } from 'zod';
import { ConfigError } from '@crm/config';

/**
 * The ingest API's own settings (environment variables, validated when the module starts; a bad
 * value stops the process naming the variable, like the platform's configuration).
 */
export const ingestConfigSchema = z.object({
  /**
   * The longest an append waits for others to share its store transaction (group commit): one
   * commit, one fsync, acknowledges every request in it. The wait ends earlier when a turn of
   * the event loop brings no new request. 0 = a transaction per request. Fractions allowed.
   * @defaultValue 2
   */
  INGEST_COALESCE_MS: z.coerce.number().min(0).max(1000).default(2),
  /**
   * Events per group commit: a transaction is committed as soon as this many are waiting. A
   * request is never split, so a larger batch is a transaction of its own. @defaultValue 1000
   */
  INGEST_COALESCE_MAX_EVENTS: z.coerce.number().int().positive().max(100_000).default(1000),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

/** Nest injection token of the validated IngestConfig. */
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

/** Parses the ingest settings; throws ConfigError naming every invalid variable. */
export function loadIngestConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  const keys = Object.keys(ingestConfigSchema.shape) as (keyof IngestConfig)[];
  // Empty strings mean "not set", as in the platform's configuration.
  const given = Object.fromEntries(keys.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const parsed = ingestConfigSchema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.');
        return `${key}=${JSON.stringify(env[key])}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}
