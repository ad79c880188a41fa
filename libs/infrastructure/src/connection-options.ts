import { readFileSync } from 'node:fs';
import { AppConfig, esdbUrlSecurity, redactUrl } from '@crm/config';
import type { KafkaLogSink, KafkaMessagingOptions } from '@crm/messaging';
import type { RedisReadStoreOptions } from '@crm/read-store';
import { Logger } from '@nestjs/common';

/**
 * The client options of the real servers (EventStoreDB, Kafka, Redis) from the validated
 * configuration: TLS and credentials. Pure but for reading the certificate files, which the
 * tests replace; loadConfig has already checked that each file reads and is PEM.
 */
export type ReadFile = (path: string) => Buffer;

type EsdbConfig = Pick<AppConfig, 'ESDB_URL' | 'ESDB_USERNAME' | 'ESDB_PASSWORD' | 'ESDB_TLS_CA_FILE'>;
type KafkaConfig = Pick<
  AppConfig,
  'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'KAFKA_SSL' | 'KAFKA_SSL_CA_FILE' | 'KAFKA_SSL_CERT_FILE' | 'KAFKA_SSL_KEY_FILE' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'
>;
type RedisConfig = Pick<AppConfig, 'REDIS_URL' | 'REDIS_USERNAME' | 'REDIS_PASSWORD' | 'REDIS_TLS_CA_FILE'>;

/**
 * ESDB_URL with ESDB_USERNAME/ESDB_PASSWORD as its `user:password@` (percent-encoded) and
 * ESDB_TLS_CA_FILE as its `tlsCAFile=` (the @eventstore/db-client reads the file itself).
 * Contains the password: never print it (redactUrl).
 */
export function esdbConnectionString(config: EsdbConfig): string {
  if (!config.ESDB_URL) throw new Error('ESDB_URL is not set');
  let url = config.ESDB_URL;
  if (config.ESDB_USERNAME && config.ESDB_PASSWORD) {
    url = url.replace(/^([a-z+]+:\/\/)/i, `$1${encodeURIComponent(config.ESDB_USERNAME)}:${encodeURIComponent(config.ESDB_PASSWORD)}@`);
  }
  if (config.ESDB_TLS_CA_FILE) {
    url += `${url.includes('?') ? '&' : '?'}tlsCAFile=${encodeURIComponent(config.ESDB_TLS_CA_FILE)}`;
  }
  return url;
}

/** createKafka's options: brokers, client id, `ssl` (KAFKA_SSL*, files read now) and `sasl` (KAFKA_SASL_*). */
export function kafkaOptions(config: KafkaConfig, options: { clientId?: string; readFile?: ReadFile } = {}): KafkaMessagingOptions {
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is not set');
  const read = options.readFile ?? readFileSync;
  const result: KafkaMessagingOptions = { brokers: config.KAFKA_BROKERS, clientId: options.clientId ?? config.KAFKA_CLIENT_ID, log: kafkaToNestLog };
  if (config.KAFKA_SSL) {
    const files = config.KAFKA_SSL_CA_FILE || config.KAFKA_SSL_CERT_FILE;
    result.ssl = files
      ? {
          ...(config.KAFKA_SSL_CA_FILE ? { ca: [read(config.KAFKA_SSL_CA_FILE)] } : {}),
          ...(config.KAFKA_SSL_CERT_FILE && config.KAFKA_SSL_KEY_FILE ? { cert: read(config.KAFKA_SSL_CERT_FILE), key: read(config.KAFKA_SSL_KEY_FILE) } : {}),
        }
      : true;
  }
  if (config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD) {
    result.sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD };
  }
  return result;
}

const kafkaLogger = new Logger('Kafka');
/** The Kafka client's entries in the app's log (JSON lines like every other), at the levels kafkaLogCreator maps. */
const kafkaToNestLog: KafkaLogSink = (level, namespace, message) => kafkaLogger[level](`${namespace}: ${message}`);

/** RedisReadStore.connect's connection options: REDIS_URL, REDIS_USERNAME/REDIS_PASSWORD, `tls.ca` from REDIS_TLS_CA_FILE. */
export function redisConnectOptions(config: RedisConfig, options: { readFile?: ReadFile } = {}): Pick<RedisReadStoreOptions, 'url' | 'tls' | 'username' | 'password'> {
  const read = options.readFile ?? readFileSync;
  return {
    url: config.REDIS_URL,
    ...(config.REDIS_TLS_CA_FILE ? { tls: { ca: [read(config.REDIS_TLS_CA_FILE)] } } : {}),
    ...(config.REDIS_USERNAME ? { username: config.REDIS_USERNAME } : {}),
    ...(config.REDIS_PASSWORD ? { password: config.REDIS_PASSWORD } : {}),
  };
}

/**
 * One line for the startup log: where each real server is and how the connection is secured,
 * without any password (URLs redacted, only user names shown). '' in the embedded mode.
 */
export function describeConnections(config: Pick<AppConfig, 'EVENT_STORE' | 'TRANSPORT' | 'READ_STORE'> & EsdbConfig & KafkaConfig & RedisConfig): string {
  const parts: string[] = [];
  if (config.EVENT_STORE === 'esdb' && config.ESDB_URL) {
    const esdb = esdbUrlSecurity(config.ESDB_URL);
    const user = config.ESDB_USERNAME ?? (esdb.hasCredentials ? /^[a-z+]+:\/\/([^:@/?]+):/i.exec(config.ESDB_URL)?.[1] : undefined);
    parts.push(`eventstoredb ${redactUrl(config.ESDB_URL)} (${[esdb.tls ? 'TLS' : 'no TLS', config.ESDB_TLS_CA_FILE && `CA ${config.ESDB_TLS_CA_FILE}`, user ? `user ${user}` : 'no user'].filter(Boolean).join(', ')})`);
  }
  if (config.TRANSPORT === 'kafka' && config.KAFKA_BROKERS) {
    const how = [
      config.KAFKA_SSL ? 'TLS' : 'no TLS',
      config.KAFKA_SSL_CA_FILE && `CA ${config.KAFKA_SSL_CA_FILE}`,
      config.KAFKA_SSL_CERT_FILE && `client certificate ${config.KAFKA_SSL_CERT_FILE}`,
      config.KAFKA_SASL_MECHANISM ? `SASL ${config.KAFKA_SASL_MECHANISM} user ${config.KAFKA_SASL_USERNAME}` : 'no SASL',
    ];
    parts.push(`kafka ${config.KAFKA_BROKERS} (${how.filter(Boolean).join(', ')})`);
  }
  if (config.READ_STORE === 'redis' && config.REDIS_URL) {
    const inUrl = /^rediss?:\/\/([^:@/?#]*)(:[^@/?#]*)?@/.exec(config.REDIS_URL);
    const user = config.REDIS_USERNAME ?? (inUrl?.[1] || undefined);
    const password = Boolean(config.REDIS_PASSWORD || inUrl?.[2]);
    const how = [
      config.REDIS_URL.startsWith('rediss://') ? 'TLS' : 'no TLS',
      config.REDIS_TLS_CA_FILE && `CA ${config.REDIS_TLS_CA_FILE}`,
      password ? `password${user ? ` of user ${user}` : ''}` : 'no password',
    ];
    parts.push(`redis ${redactUrl(config.REDIS_URL)} (${how.filter(Boolean).join(', ')})`);
  }
  return parts.join('; ');
}
