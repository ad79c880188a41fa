import { z } from 'zod';

/**
 * Configuration of every app, read from environment variables and validated once at start.
 * zod gives typed values and one message naming every bad variable.
 */
// 0 asks the OS for a free port (tests run many services side by side).
const port = z.coerce.number().int().min(0).max(65535);
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
  /**
   * Group commit: the longest an append waits for others to share its store transaction (one
   * commit, one fsync, acknowledges every request in it). The wait ends earlier when a turn of
   * the event loop brings no new request. 0 = a transaction per request. Fractions allowed.
   */
  INGEST_COALESCE_MS: z.coerce.number().min(0).max(1000).default(2),
  /** Events per group commit: committed as soon as this many wait (a request is never split). */
  INGEST_COALESCE_MAX_EVENTS: positiveInt.max(100_000).default(1000),
  /** Events the projector folds per read-store commit. */
  PROJECTOR_BATCH_SIZE: positiveInt.max(100_000).default(500),
  /** Customers whose views the projector keeps in memory (its owned state; 0: load every batch's views from the read store). */
  PROJECTOR_CACHE_VIEWS: z.coerce.number().int().min(0).max(10_000_000).default(20_000),
  /** How often the embedded event store is polled for appends made by another process. */
  STORE_POLL_MS: positiveInt.max(60_000).default(100),
  /** JSON policy file (thresholds of the relationship model); unset = the default policy. Changing it means: npm run rebuild. */
  POLICY_FILE: z.string().min(1).optional(),
  /**
   * How often a process re-reads which generation of the read models is served (a blue-green
   * rebuild switched): the longest a reader or projector in another process keeps the old one.
   */
  GENERATION_POLL_MS: positiveInt.max(60_000).default(1000),
  /** How often the population pass (tiers, lifetime value, segments) runs; 0 = only on demand. */
  SEGMENTATION_INTERVAL_SEC: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Recent changes GET /v1/changes keeps in memory for clients that reconnect with Last-Event-ID; 0 = none. */
  CHANGES_BUFFER_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** Seconds between the comment lines that keep an idle GET /v1/changes stream open through proxies. */
  CHANGES_HEARTBEAT_SEC: z.coerce.number().positive().max(3600).default(15),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /** Adapter choices; unset means the mode's default (embedded: sqlite/sqlite/in-process, distributed: esdb/redis/kafka). */
  EVENT_STORE: z.enum(['sqlite', 'esdb']).optional(),
  READ_STORE: z.enum(['sqlite', 'redis']).optional(),
  TRANSPORT: z.enum(['in-process', 'kafka']).optional(),
  ESDB_URL: z.string().regex(/^(esdb|kurrentdb|esdb\+discover|kurrentdb\+discover):\/\//, 'must be an esdb:// connection string').optional(),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s:]+:\d+(,[^,\s:]+:\d+)*$/, 'must be host:port[,host:port…]')
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('crm-platform'),
  /** Partitions of crm.interactions.v1 (and the views and changes topics) when the platform creates them. */
  KAFKA_PARTITIONS: positiveInt.max(1000).default(6),
  /** Prefix of the Kafka topic names, for several platforms (or tests) on one broker. */
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  PROJECTOR_GROUP_ID: z.string().min(1).default('crm-projector'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  REDIS_KEY_PREFIX: z.string().min(1).default('crm:'),
});

type ParsedConfig = z.infer<typeof configSchema>;
/** The validated configuration, with each adapter choice resolved from the mode. */
export type AppConfig = Omit<ParsedConfig, 'EVENT_STORE' | 'READ_STORE' | 'TRANSPORT'> & {
  EVENT_STORE: NonNullable<ParsedConfig['EVENT_STORE']>;
  READ_STORE: NonNullable<ParsedConfig['READ_STORE']>;
  TRANSPORT: NonNullable<ParsedConfig['TRANSPORT']>;
};

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
  const raw = parsed.data;
  const distributed = raw.CRM_MODE === 'distributed';
  const config = {
    ...raw,
    EVENT_STORE: raw.EVENT_STORE ?? (distributed ? 'esdb' : 'sqlite'),
    READ_STORE: raw.READ_STORE ?? (distributed ? 'redis' : 'sqlite'),
    TRANSPORT: raw.TRANSPORT ?? (distributed ? 'kafka' : 'in-process'),
  } as const;
  const needs: [boolean, keyof typeof config, string][] = [
    [config.EVENT_STORE === 'esdb', 'ESDB_URL', 'EVENT_STORE=esdb'],
    [config.TRANSPORT === 'kafka', 'KAFKA_BROKERS', 'TRANSPORT=kafka'],
    [config.READ_STORE === 'redis', 'REDIS_URL', 'READ_STORE=redis'],
  ];
  const missing = needs.filter(([needed, key]) => needed && !config[key]).map(([, key, why]) => `${key}=(unset): required with ${why}${distributed ? ' (CRM_MODE=distributed)' : ''}`);
  if (missing.length > 0) throw new ConfigError(missing);
  return config;
}

/** Nest injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
