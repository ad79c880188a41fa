import { z } from 'zod';

/**
 * Configuration of every app, read from environment variables and validated once at start.
 * zod gives typed values and one message naming every bad variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  /** embedded: SQLite event store + in-process projector + SQLite read store, one process. */
  CRM_MODE: z.enum(['embedded', 'distributed']).default('embedded'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Where the embedded mode keeps its files. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Largest accepted request body; a batch of 1,000 typical events is ~400 kB. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 2mb')
    .default('2mb'),
  BATCH_MAX_EVENTS: positiveInt.max(10_000).default(1000),
  /** Events the projector folds per read-store commit. */
  PROJECTOR_BATCH_SIZE: positiveInt.max(100_000).default(500),
  /** How often the embedded event store is polled for appends made by another process. */
  STORE_POLL_MS: positiveInt.max(60_000).default(100),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  ESDB_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().min(1).optional(),
  REDIS_URL: z.string().url().optional(),
});

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every invalid variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "not set", as in docker-compose files with blank values.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.');
        const value = env[key];
        return `${key}=${value === undefined ? '(unset)' : JSON.stringify(value)}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  if (config.CRM_MODE === 'distributed') {
    const missing = (['ESDB_URL', 'KAFKA_BROKERS', 'REDIS_URL'] as const).filter((k) => !config[k]);
    if (missing.length > 0) {
      throw new ConfigError(missing.map((k) => `${k}=(unset): required when CRM_MODE=distributed`));
    }
  }
  return config;
}

/** Nest injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
