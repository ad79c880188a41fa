import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
// The client's own parser (not exported from its index): the strings we build must mean what we meant to it.
import { parseConnectionString } from '@eventstore/db-client/dist/Client/parseConnectionString';
import Redis from 'ioredis';
import { loadConfig } from '@crm/config';
import { createKafka } from '@crm/messaging';
import { describeConnections, esdbConnectionString, kafkaOptions, redisConnectOptions } from './connection-options';

const PEM = (name: string) => `-----BEGIN ${name}-----\nMIIB\n-----END ${name}-----\n`;

describe('connection options from the configuration', () => {
  let dir: string;
  let ca: string;
  let cert: string;
  let key: string;
  /** The files the mapping asked for, in order; the content is the path (so the tests see which file went where). */
  let reads: string[];
  const readFile = (path: string) => {
    reads.push(path);
    return Buffer.from(`content of ${path}`);
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-connection-options-'));
    ca = join(dir, 'ca.pem');
    cert = join(dir, 'client.pem');
    key = join(dir, 'client.key');
    writeFileSync(ca, PEM('CERTIFICATE'));
    writeFileSync(cert, PEM('CERTIFICATE'));
    writeFileSync(key, PEM('PRIVATE KEY'));
  });
  beforeEach(() => (reads = []));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const base = { CRM_MODE: 'distributed', ESDB_URL: 'esdb://esdb:2113?tls=false', KAFKA_BROKERS: 'k1:9092,k2:9092', REDIS_URL: 'redis://redis:6379', API_KEYS: 'ops admin sha256:' + 'a'.repeat(64), PII_MASTER_KEY: 'A'.repeat(43) + '=' };

  describe('EventStoreDB connection string', () => {
    it('is ESDB_URL as it is when nothing is added', () => {
      expect(esdbConnectionString(loadConfig(base))).toBe('esdb://esdb:2113?tls=false');
      expect(esdbConnectionString(loadConfig({ ...base, ESDB_URL: 'esdb://admin:changeit@esdb:2113' }))).toBe('esdb://admin:changeit@esdb:2113');
    });

    it('carries ESDB_USERNAME/ESDB_PASSWORD (percent-encoded) and ESDB_TLS_CA_FILE as the client parses them', () => {
      const config = loadConfig({ ...base, ESDB_URL: 'esdb://esdb:2113?tls=true&keepAliveInterval=5000', ESDB_USERNAME: 'ad:min', ESDB_PASSWORD: 'p@ss:w/rd?&%', ESDB_TLS_CA_FILE: ca });
      const url = esdbConnectionString(config);
      expect(url).not.toContain('p@ss');
      const parsed = parseConnectionString(url);
      expect(parsed.defaultCredentials).toEqual({ username: 'ad:min', password: 'p@ss:w/rd?&%' });
      expect(parsed.tlsCAFile).toBe(ca);
      expect(parsed.tls).toBe(true);
      expect(parsed.keepAliveInterval).toBe(5000);
      expect(parsed.hosts).toEqual([{ address: 'esdb', port: 2113 }]);
    });

    it('works for a cluster string without a query and for kurrentdb+discover://', () => {
      const cluster = esdbConnectionString(loadConfig({ ...base, ESDB_URL: 'esdb://a:2113,b:2113', ESDB_USERNAME: 'admin', ESDB_PASSWORD: 'changeit', ESDB_TLS_CA_FILE: ca }));
      expect(cluster).toBe(`esdb://admin:changeit@a:2113,b:2113?tlsCAFile=${encodeURIComponent(ca)}`);
      expect(parseConnectionString(cluster).hosts).toHaveLength(2);
      expect(esdbConnectionString(loadConfig({ ...base, ESDB_URL: 'kurrentdb+discover://cluster.example:2113', ESDB_USERNAME: 'admin', ESDB_PASSWORD: 'changeit' }))).toBe(
        'kurrentdb+discover://admin:changeit@cluster.example:2113',
      );
    });
  });

  describe('Kafka (kafkajs ssl and sasl)', () => {
    it('is plaintext without authentication by default', () => {
      expect(kafkaOptions(loadConfig(base), { readFile })).toEqual({ brokers: 'k1:9092,k2:9092', clientId: 'crm-platform', log: expect.any(Function) });
      expect(reads).toEqual([]);
    });

    it('uses TLS with the system CAs on KAFKA_SSL=true alone', () => {
      expect(kafkaOptions(loadConfig({ ...base, KAFKA_SSL: 'true' }), { readFile }).ssl).toBe(true);
    });

    it('reads the CA, the client certificate and its key', () => {
      const config = loadConfig({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca, KAFKA_SSL_CERT_FILE: cert, KAFKA_SSL_KEY_FILE: key });
      expect(kafkaOptions(config, { readFile }).ssl).toEqual({ ca: [Buffer.from(`content of ${ca}`)], cert: Buffer.from(`content of ${cert}`), key: Buffer.from(`content of ${key}`) });
      expect(kafkaOptions(loadConfig({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca }), { readFile }).ssl).toEqual({ ca: [Buffer.from(`content of ${ca}`)] });
    });

    it('reads the real files by default', () => {
      const ssl = kafkaOptions(loadConfig({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca })).ssl as { ca: Buffer[] };
      expect(ssl.ca[0].toString()).toBe(PEM('CERTIFICATE'));
    });

    it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('passes SASL %s with its user and password', (mechanism) => {
      const config = loadConfig({ ...base, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'crm', KAFKA_SASL_PASSWORD: 's3cret' });
      expect(kafkaOptions(config, { readFile, clientId: 'crm-dlq' })).toEqual({ brokers: 'k1:9092,k2:9092', clientId: 'crm-dlq', ssl: true, sasl: { mechanism, username: 'crm', password: 's3cret' }, log: expect.any(Function) });
    });

    it('is what createKafka hands kafkajs (no connection made)', () => {
      const config = loadConfig({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'crm', KAFKA_SASL_PASSWORD: 's3cret' });
      expect(() => createKafka(kafkaOptions(config))).not.toThrow();
    });
  });

  describe('Redis (ioredis tls, username, password)', () => {
    it('is the URL alone by default', () => {
      expect(redisConnectOptions(loadConfig(base), { readFile })).toEqual({ url: 'redis://redis:6379' });
    });

    it('adds REDIS_USERNAME/REDIS_PASSWORD and the CA of REDIS_TLS_CA_FILE', () => {
      const config = loadConfig({ ...base, REDIS_URL: 'rediss://redis:6380', REDIS_USERNAME: 'crm', REDIS_PASSWORD: 'r3dis', REDIS_TLS_CA_FILE: ca });
      expect(redisConnectOptions(config, { readFile })).toEqual({ url: 'rediss://redis:6380', username: 'crm', password: 'r3dis', tls: { ca: [Buffer.from(`content of ${ca}`)] } });
    });

    // What ioredis makes of them, without connecting (lazyConnect, as RedisReadStore.connect).
    const ioredisOptions = (options: ReturnType<typeof redisConnectOptions>) => {
      const client = new Redis(options.url!, { lazyConnect: true, ...(options.tls ? { tls: options.tls } : {}), username: options.username, password: options.password });
      const { tls, username, password, host, port } = client.options;
      client.disconnect();
      return { tls, username, password, host, port };
    };

    it('gives ioredis TLS with the CA, the user and the password', () => {
      const config = loadConfig({ ...base, REDIS_URL: 'rediss://redis:6380', REDIS_USERNAME: 'crm', REDIS_PASSWORD: 'r3dis', REDIS_TLS_CA_FILE: ca });
      expect(ioredisOptions(redisConnectOptions(config, { readFile }))).toEqual({ tls: { ca: [Buffer.from(`content of ${ca}`)] }, username: 'crm', password: 'r3dis', host: 'redis', port: 6380 });
    });

    it('gives ioredis TLS with the system CAs for a rediss:// URL, and the URL form of the credentials', () => {
      const config = loadConfig({ ...base, REDIS_URL: 'rediss://crm:r%40dis@redis:6380' });
      expect(ioredisOptions(redisConnectOptions(config, { readFile }))).toMatchObject({ tls: {}, username: 'crm', password: 'r@dis' });
    });
  });

  describe('the startup log line', () => {
    it('says how each connection is secured and never shows a password', () => {
      const config = loadConfig({
        ...base,
        ESDB_URL: 'esdb://admin:hunter1@esdb:2113?tls=true',
        ESDB_TLS_CA_FILE: ca,
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'crm',
        KAFKA_SASL_PASSWORD: 'hunter2',
        REDIS_URL: 'rediss://:hunter3@redis:6380',
      });
      const line = describeConnections(config);
      expect(line).toBe(
        `eventstoredb esdb://admin:***@esdb:2113?tls=true (TLS, CA ${ca}, user admin); ` +
          'kafka k1:9092,k2:9092 (TLS, SASL scram-sha-512 user crm); ' +
          'redis rediss://:***@redis:6380 (TLS, password)',
      );
      for (const secret of ['hunter1', 'hunter2', 'hunter3']) expect(line).not.toContain(secret);
    });

    it('says what is not secured, and nothing in the embedded mode', () => {
      expect(describeConnections(loadConfig(base))).toBe('eventstoredb esdb://esdb:2113?tls=false (no TLS, no user); kafka k1:9092,k2:9092 (no TLS, no SASL); redis redis://redis:6379 (no TLS, no password)');
      expect(describeConnections(loadConfig({ ...base, REDIS_URL: 'redis://redis:6379', REDIS_USERNAME: 'crm', REDIS_PASSWORD: 'x' }))).toContain('redis redis://redis:6379 (no TLS, password of user crm)');
      expect(describeConnections(loadConfig({}))).toBe('');
    });
  });
});

describe('openEventStore', () => {
  it('redacts the password from the client errors that quote the connection string', async () => {
    const { openEventStore } = await import('./open-event-store');
    // Not a port: the client's parser refuses the string before any connection, quoting it.
    const config = loadConfig({ EVENT_STORE: 'esdb', ESDB_URL: 'esdb://esdb:notaport?tls=true', ESDB_USERNAME: 'admin', ESDB_PASSWORD: 'hunter2' });
    const error = await openEventStore(config).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain('expected port number');
    // What runService prints (console.error shows the error's own properties too).
    const printed = inspect(error);
    expect(printed).toContain('esdb://admin:***@esdb:notaport');
    expect(printed).not.toContain('hunter2');
  });
});
