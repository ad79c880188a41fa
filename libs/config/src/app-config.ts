import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Configuration of every app, read from environment variables and validated once at start.
 * zod gives typed values and one message naming every bad variable.
 */
// 0 asks the OS for a free port (tests run many services side by side).
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** `true` or `false`, nothing else (a typo must not silently turn TLS off). */
const flag = z.enum(['true', 'false'], { message: 'must be true or false' }).default('false').transform((v) => v === 'true');
/** A file path; the file is read (and checked to be PEM) at start, see checkFiles. */
const pemFile = z.string().min(1).optional();
const secret = z.string().min(1).optional();

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
  /** `json`: JSON lines; `pretty`: one readable line per entry; `auto`: JSON unless standard output is a terminal. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Adapter choices; unset means the mode's default (embedded: sqlite/sqlite/in-process, distributed: esdb/redis/kafka). */
  EVENT_STORE: z.enum(['sqlite', 'esdb']).optional(),
  READ_STORE: z.enum(['sqlite', 'redis']).optional(),
  TRANSPORT: z.enum(['in-process', 'kafka']).optional(),
  /** Carries TLS (`tls=true`, the client's default, or `tls=false`) and may carry `user:password@`. */
  ESDB_URL: z.string().regex(/^(esdb|kurrentdb|esdb\+discover|kurrentdb\+discover):\/\//, 'must be an esdb:// connection string').optional(),
  /** EventStoreDB user (with ESDB_PASSWORD), instead of `user:password@` in ESDB_URL. */
  ESDB_USERNAME: z.string().min(1).optional(),
  ESDB_PASSWORD: secret,
  /** CA certificate (PEM) of a server certificate from a private CA; needs TLS. */
  ESDB_TLS_CA_FILE: pemFile,
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s:]+:\d+(,[^,\s:]+:\d+)*$/, 'must be host:port[,host:port…]')
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('crm-platform'),
  /** TLS to the brokers (SSL or SASL_SSL listeners). */
  KAFKA_SSL: flag,
  /** CA certificate (PEM) of the brokers' certificates from a private CA; needs KAFKA_SSL=true. */
  KAFKA_SSL_CA_FILE: pemFile,
  /** Client certificate and its key (PEM) for mutual TLS; both or neither; need KAFKA_SSL=true. */
  KAFKA_SSL_CERT_FILE: pemFile,
  KAFKA_SSL_KEY_FILE: pemFile,
  /** SASL authentication; needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (plain also KAFKA_SSL=true). */
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: secret,
  /** Partitions of crm.interactions.v1 (and the views and changes topics) when the platform creates them. */
  KAFKA_PARTITIONS: positiveInt.max(1000).default(6),
  /** Prefix of the Kafka topic names, for several platforms (or tests) on one broker. */
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  PROJECTOR_GROUP_ID: z.string().min(1).default('crm-projector'),
  /** `redis://` or `rediss://` (TLS); may carry `user:password@` (or `:password@`). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  /** Redis ACL user (with REDIS_PASSWORD); unset = the default user. */
  REDIS_USERNAME: z.string().min(1).optional(),
  /** `requirepass` or the ACL user's password, instead of the password in REDIS_URL. */
  REDIS_PASSWORD: secret,
  /** CA certificate (PEM) of the server certificate from a private CA; needs a rediss:// REDIS_URL. */
  REDIS_TLS_CA_FILE: pemFile,
  REDIS_KEY_PREFIX: z.string().min(1).default('crm:'),
  /**
   * API keys, one per line or separated by `;`: `<name> <scope>[,<scope>…] sha256:<hex> [rate=<n>/<s|min|h>]`
   * (scopes: publish, read, read-pii, admin). Only hashes: `npm run keys -- create` makes a key and
   * its line. Unset in embedded mode: a key is generated in DATA_DIR on first start.
   */
  API_KEYS: z.string().min(1).optional(),
  /** A file of key lines (as API_KEYS; `#` comments), re-read when it changes: keys rotate without a restart. */
  API_KEYS_FILE: z.string().min(1).optional(),
  /** Requests per key per window when its line gives no `rate=`: `<n>/s`, `<n>/min` or `<n>/h`. */
  RATE_LIMIT: z.string().regex(/^[1-9]\d{0,8}\/(s|min|h)$/, 'must look like 1000/s, 6000/min or 100000/h').default('1000/s'),
  /**
   * The master key (32 bytes, base64 or hex) that wraps every customer's data key (personal data
   * is sealed with those: docs/personal-data.md). Unset in embedded mode: one is generated in
   * DATA_DIR/master.key on first start. Losing it makes every sealed field unreadable.
   */
  PII_MASTER_KEY: secret,
  /** A file holding the master key (a mounted secret), instead of PII_MASTER_KEY. */
  PII_MASTER_KEY_FILE: z.string().min(1).optional(),
  /** Where the wrapped data keys live; unset = as READ_STORE (sqlite: DATA_DIR/keys.sqlite, redis: `<REDIS_KEY_PREFIX>keys:`). */
  KEY_STORE: z.enum(['sqlite', 'redis']).optional(),
  /** How long a process keeps an unwrapped data key: the longest an erasure in another process goes unseen there. */
  PII_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /**
   * Browser origins allowed to call the HTTP APIs (CORS), comma-separated exact origins such as
   * `https://app.example.com,http://localhost:5173`; unset = CORS off (no Access-Control-* header).
   */
  CORS_ORIGINS: z
    .string()
    .transform((value, context) => {
      const origins = value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
      for (const origin of origins) {
        if (!isHttpOrigin(origin)) {
          context.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(origin)} is not an origin: each must be http(s)://host[:port], nothing after (no path, not even /)` });
        }
      }
      if (origins.length === 0) context.addIssue({ code: z.ZodIssueCode.custom, message: 'must list at least one origin' });
      return origins;
    })
    .optional(),
});

/** An exact browser origin: http or https, a host, an optional port, nothing else (as a browser sends it in Origin). */
export function isHttpOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
}

type ParsedConfig = z.infer<typeof configSchema>;
/** The validated configuration, with each adapter choice resolved from the mode. */
export type AppConfig = Omit<ParsedConfig, 'EVENT_STORE' | 'READ_STORE' | 'TRANSPORT' | 'KEY_STORE'> & {
  EVENT_STORE: NonNullable<ParsedConfig['EVENT_STORE']>;
  READ_STORE: NonNullable<ParsedConfig['READ_STORE']>;
  TRANSPORT: NonNullable<ParsedConfig['TRANSPORT']>;
  KEY_STORE: NonNullable<ParsedConfig['KEY_STORE']>;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose value is never printed (config errors, logs). */
export const isSecretVariable = (key: string): boolean => /(PASSWORD|SECRET|TOKEN|MASTER_KEY)$/.test(key);

/**
 * A URL or connection string as it may be printed: the password of a `scheme://user:password@`
 * replaced by `***` (the user name stays, it helps and is not a secret).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/?#]*):([^@/?#]*)@/i, (_, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/**
 * The secret values of a configuration: the password variables and the passwords inside
 * ESDB_URL / REDIS_URL (as written and percent-decoded).
 */
export function secretValues(config: Partial<Record<string, unknown>>): string[] {
  const secrets = new Set<string>();
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string' || value === '') continue;
    if (isSecretVariable(key)) secrets.add(value);
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:([^@/?#]+)@/i.exec(value)?.[1];
    if (password) {
      secrets.add(password);
      try {
        secrets.add(decodeURIComponent(password));
      } catch {
        // not percent-encoded
      }
    }
  }
  for (const secret of [...secrets]) secrets.add(encodeURIComponent(secret));
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** A text (an error message, a log line) with every URL password and every secret of the configuration replaced by `***`. */
export function redactSecrets(text: string, config: Partial<Record<string, unknown>>): string {
  let result = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/?#\s]*):([^@/?#\s]*)@/gi, '$1:***@');
  for (const secret of secretValues(config)) result = result.split(secret).join('***');
  return result;
}

/** A variable's value as config errors show it: secrets hidden, URL passwords redacted. */
export function printableValue(key: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (isSecretVariable(key)) return '(redacted)';
  return JSON.stringify(redactUrl(value));
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
        return `${key}=${printableValue(key, env[key])}: ${issue.message}`;
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
  const withKeys = { ...config, KEY_STORE: raw.KEY_STORE ?? config.READ_STORE };
  const needs: [boolean, keyof typeof config, string][] = [
    [config.EVENT_STORE === 'esdb', 'ESDB_URL', 'EVENT_STORE=esdb'],
    [config.TRANSPORT === 'kafka', 'KAFKA_BROKERS', 'TRANSPORT=kafka'],
    [config.READ_STORE === 'redis', 'REDIS_URL', 'READ_STORE=redis'],
    [withKeys.KEY_STORE === 'redis' && config.READ_STORE !== 'redis', 'REDIS_URL', 'KEY_STORE=redis'],
  ];
  const missing = needs.filter(([needed, key]) => needed && !config[key]).map(([, key, why]) => `${key}=(unset): required with ${why}${distributed ? ' (CRM_MODE=distributed)' : ''}`);
  if (distributed && !config.PII_MASTER_KEY && !config.PII_MASTER_KEY_FILE) missing.push('PII_MASTER_KEY=(unset): PII_MASTER_KEY or PII_MASTER_KEY_FILE is required with CRM_MODE=distributed (32 random bytes, base64: openssl rand -base64 32)');
  if (distributed && !config.API_KEYS && !config.API_KEYS_FILE) missing.push('API_KEYS=(unset): API_KEYS or API_KEYS_FILE is required with CRM_MODE=distributed (npm run keys -- create makes a key)');
  if (missing.length > 0) throw new ConfigError(missing);
  const problems = [...checkConnectionSecurity(config), ...checkFiles(config)];
  if (config.API_KEYS && config.API_KEYS_FILE) problems.push(`API_KEYS_FILE=${JSON.stringify(config.API_KEYS_FILE)}: set API_KEYS or API_KEYS_FILE, not both`);
  if (config.PII_MASTER_KEY && config.PII_MASTER_KEY_FILE) problems.push(`PII_MASTER_KEY_FILE=${JSON.stringify(config.PII_MASTER_KEY_FILE)}: set PII_MASTER_KEY or PII_MASTER_KEY_FILE, not both`);
  if (problems.length > 0) throw new ConfigError(problems);
  return withKeys;
}

type SecurityConfig = Pick<
  ParsedConfig,
  | 'ESDB_URL'
  | 'ESDB_USERNAME'
  | 'ESDB_PASSWORD'
  | 'ESDB_TLS_CA_FILE'
  | 'KAFKA_SSL'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SSL_CERT_FILE'
  | 'KAFKA_SSL_KEY_FILE'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
  | 'REDIS_URL'
  | 'REDIS_USERNAME'
  | 'REDIS_PASSWORD'
  | 'REDIS_TLS_CA_FILE'
>;

/** What an EventStoreDB connection string says about security (its syntax: @eventstore/db-client's parser). */
export function esdbUrlSecurity(url: string): { hasCredentials: boolean; tls: boolean; params: Map<string, string> } {
  const rest = url.replace(/^[a-z+]+:\/\//i, '');
  const query = rest.includes('?') ? rest.slice(rest.indexOf('?') + 1) : '';
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    // The client matches keys ignoring case, '_' and '-'.
    if (at > 0) params.set(pair.slice(0, at).trim().toLowerCase().replace(/[_-]/g, ''), pair.slice(at + 1).trim());
  }
  return { hasCredentials: /^[^:@/?]+:[^@]+@/.test(rest), tls: params.get('tls') !== 'false', params };
}

/** The rules between the connection variables (each problem names the variable to fix). */
function checkConnectionSecurity(config: SecurityConfig): string[] {
  const problems: string[] = [];
  const problem = (key: keyof SecurityConfig, message: string) => {
    const value = config[key];
    problems.push(`${key}=${printableValue(key, value === undefined ? undefined : String(value))}: ${message}`);
  };

  // EventStoreDB
  if (config.ESDB_USERNAME && !config.ESDB_PASSWORD) problem('ESDB_PASSWORD', 'required with ESDB_USERNAME');
  if (config.ESDB_PASSWORD && !config.ESDB_USERNAME) problem('ESDB_USERNAME', 'required with ESDB_PASSWORD');
  if (config.ESDB_URL) {
    const esdb = esdbUrlSecurity(config.ESDB_URL);
    if (config.ESDB_USERNAME && esdb.hasCredentials) problem('ESDB_USERNAME', 'ESDB_URL already carries user:password@; set one of them');
    if ((config.ESDB_USERNAME || esdb.hasCredentials) && !esdb.tls) {
      problem(config.ESDB_USERNAME ? 'ESDB_USERNAME' : 'ESDB_URL', 'credentials need TLS, and ESDB_URL has tls=false (an insecure EventStoreDB has no users; the password would travel in clear)');
    }
    if (config.ESDB_TLS_CA_FILE && !esdb.tls) problem('ESDB_TLS_CA_FILE', 'needs TLS, and ESDB_URL has tls=false');
    if (config.ESDB_TLS_CA_FILE && esdb.params.has('tlscafile')) problem('ESDB_TLS_CA_FILE', 'ESDB_URL already has tlsCAFile=; set one of them');
  }

  // Kafka
  for (const key of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const) {
    if (config[key] && !config.KAFKA_SSL) problem(key, 'needs KAFKA_SSL=true');
  }
  if (config.KAFKA_SSL_CERT_FILE && !config.KAFKA_SSL_KEY_FILE) problem('KAFKA_SSL_KEY_FILE', 'required with KAFKA_SSL_CERT_FILE (mutual TLS)');
  if (config.KAFKA_SSL_KEY_FILE && !config.KAFKA_SSL_CERT_FILE) problem('KAFKA_SSL_CERT_FILE', 'required with KAFKA_SSL_KEY_FILE (mutual TLS)');
  if (config.KAFKA_SASL_MECHANISM) {
    if (!config.KAFKA_SASL_USERNAME) problem('KAFKA_SASL_USERNAME', `required with KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    if (!config.KAFKA_SASL_PASSWORD) problem('KAFKA_SASL_PASSWORD', `required with KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    if (config.KAFKA_SASL_MECHANISM === 'plain' && !config.KAFKA_SSL) problem('KAFKA_SASL_MECHANISM', 'plain sends the password in clear: needs KAFKA_SSL=true (or use scram-sha-256 / scram-sha-512)');
  } else {
    for (const key of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (config[key]) problem(key, 'needs KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)');
    }
  }

  // Redis
  if (config.REDIS_USERNAME && !config.REDIS_PASSWORD) problem('REDIS_PASSWORD', 'required with REDIS_USERNAME');
  if (config.REDIS_URL) {
    const credentials = /^rediss?:\/\/([^@/?#]*)@/.exec(config.REDIS_URL)?.[1];
    if (credentials !== undefined && (config.REDIS_USERNAME || config.REDIS_PASSWORD)) {
      problem(config.REDIS_PASSWORD ? 'REDIS_PASSWORD' : 'REDIS_USERNAME', 'REDIS_URL already carries user:password@; set one of them');
    }
    if (config.REDIS_TLS_CA_FILE && !config.REDIS_URL.startsWith('rediss://')) problem('REDIS_TLS_CA_FILE', 'needs TLS: a rediss:// REDIS_URL');
  }
  return problems;
}

const FILE_VARIABLES = ['ESDB_TLS_CA_FILE', 'KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'REDIS_TLS_CA_FILE'] as const;

/** Every certificate and key file is read now, so a missing or unreadable one stops the start. */
function checkFiles(config: Pick<ParsedConfig, (typeof FILE_VARIABLES)[number]>): string[] {
  const problems: string[] = [];
  for (const key of FILE_VARIABLES) {
    const path = config[key];
    if (!path) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(`${key}=${JSON.stringify(path)}: cannot read the file (${code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (code ?? 'error')})`);
      continue;
    }
    // Never print the content: a key file is a secret.
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) problems.push(`${key}=${JSON.stringify(path)}: not a PEM file (no -----BEGIN …----- line)`);
  }
  return problems;
}

/** Nest injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
