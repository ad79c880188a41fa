import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isHttpOrigin, loadConfig, printableValue, redactSecrets, redactUrl } from './app-config';

/** The problems of a configuration loadConfig refuses (fails the test if it accepts it). */
function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ CRM_MODE: 'embedded', PORT: 3000, DATA_DIR: './data', BATCH_MAX_EVENTS: 1000, EVENT_STORE: 'sqlite', READ_STORE: 'sqlite', TRANSPORT: 'in-process' });
  });

  it('names every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', CRM_MODE: 'cloud', BODY_LIMIT: 'huge' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT="abc"');
    expect(problems).toContain('CRM_MODE="cloud"');
    expect(problems).toContain('BODY_LIMIT="huge"');
  });

  it('requires the server addresses in distributed mode', () => {
    expect(() => loadConfig({ CRM_MODE: 'distributed' })).toThrow(/ESDB_URL=\(unset\)[\s\S]*KAFKA_BROKERS[\s\S]*REDIS_URL[\s\S]*API_KEYS=\(unset\)/);
  });

  it('reads the group-commit settings and names bad ones', () => {
    expect(loadConfig({})).toMatchObject({ INGEST_COALESCE_MS: 2, INGEST_COALESCE_MAX_EVENTS: 1000 });
    expect(loadConfig({ INGEST_COALESCE_MS: '0.5', INGEST_COALESCE_MAX_EVENTS: '5000' })).toMatchObject({ INGEST_COALESCE_MS: 0.5, INGEST_COALESCE_MAX_EVENTS: 5000 });
    expect(() => loadConfig({ INGEST_COALESCE_MS: '-1', INGEST_COALESCE_MAX_EVENTS: 'many' })).toThrow(/INGEST_COALESCE_MS="-1"[\s\S]*INGEST_COALESCE_MAX_EVENTS="many"/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });
});

describe('API keys and rate limits', () => {
  it('needs keys in distributed mode, never both sources, and a well-formed RATE_LIMIT', () => {
    const servers = { CRM_MODE: 'distributed', ESDB_URL: 'esdb://esdb:2113?tls=false', KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379' };
    expect(problemsOf(servers)).toContain('API_KEYS=(unset): API_KEYS or API_KEYS_FILE is required with CRM_MODE=distributed');
    expect(loadConfig({ ...servers, API_KEYS_FILE: '/etc/crm/keys', PII_MASTER_KEY_FILE: '/run/secrets/master' }).API_KEYS_FILE).toBe('/etc/crm/keys');
    expect(problemsOf({ API_KEYS: 'x', API_KEYS_FILE: '/k' })).toContain('API_KEYS_FILE="/k": set API_KEYS or API_KEYS_FILE, not both');
    expect(loadConfig({}).RATE_LIMIT).toBe('1000/s');
    expect(problemsOf({ RATE_LIMIT: '0/s' })).toContain('RATE_LIMIT="0/s": must look like 1000/s');
    expect(problemsOf({ RATE_LIMIT: '10/day' })).toContain('RATE_LIMIT="10/day"');
  });
});

describe('the master key and the key store', () => {
  const servers = { CRM_MODE: 'distributed', ESDB_URL: 'esdb://esdb:2113?tls=false', KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379', API_KEYS: 'x' };

  it('needs a master key in distributed mode, from one source, and never prints it', () => {
    expect(problemsOf(servers)).toContain('PII_MASTER_KEY=(unset): PII_MASTER_KEY or PII_MASTER_KEY_FILE is required with CRM_MODE=distributed');
    const both = problemsOf({ ...servers, PII_MASTER_KEY: 'c2VjcmV0LW1hc3Rlci1rZXktbm90LXByaW50ZWQ=', PII_MASTER_KEY_FILE: '/m' });
    expect(both).toContain('PII_MASTER_KEY_FILE="/m": set PII_MASTER_KEY or PII_MASTER_KEY_FILE, not both');
    expect(problemsOf({ PII_MASTER_KEY: 'c2VjcmV0LW1hc3Rlci1rZXktbm90LXByaW50ZWQ=', PORT: 'x' })).not.toContain('c2VjcmV0');
  });

  it('keeps the keys where the views are unless told otherwise', () => {
    expect(loadConfig({}).KEY_STORE).toBe('sqlite');
    expect(loadConfig({ ...servers, PII_MASTER_KEY: 'x' }).KEY_STORE).toBe('redis');
    expect(loadConfig({ ...servers, PII_MASTER_KEY: 'x', KEY_STORE: 'sqlite' }).KEY_STORE).toBe('sqlite');
    expect(problemsOf({ KEY_STORE: 'redis' })).toContain('REDIS_URL=(unset): required with KEY_STORE=redis');
    expect(loadConfig({}).PII_KEY_CACHE_MS).toBe(5000);
  });
});

describe('adapter selection', () => {
  it('lets one adapter be swapped: the Kafka path on the embedded store', () => {
    const config = loadConfig({ TRANSPORT: 'kafka', READ_STORE: 'redis', KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config).toMatchObject({ EVENT_STORE: 'sqlite', READ_STORE: 'redis', TRANSPORT: 'kafka' });
  });

  it('defaults the distributed mode to EventStoreDB, Redis and Kafka', () => {
    const config = loadConfig({ CRM_MODE: 'distributed', ESDB_URL: 'esdb://localhost:2113?tls=false', KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379', API_KEYS: 'ops admin sha256:' + 'a'.repeat(64), PII_MASTER_KEY: 'A'.repeat(43) + '=' });
    expect(config).toMatchObject({ EVENT_STORE: 'esdb', READ_STORE: 'redis', TRANSPORT: 'kafka' });
  });

  it('rejects malformed server addresses', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'kafka', REDIS_URL: 'http://x' })).toThrow(/KAFKA_BROKERS="kafka"[\s\S]*REDIS_URL="http:\/\/x"/);
  });
});

describe('secured connections', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  let dir: string;
  let ca: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-config-tls-'));
    ca = join(dir, 'ca.pem');
    cert = join(dir, 'client.pem');
    key = join(dir, 'client.key');
    writeFileSync(ca, PEM);
    writeFileSync(cert, PEM);
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY\n-----END PRIVATE KEY-----\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const distributed = { CRM_MODE: 'distributed', ESDB_URL: 'esdb://esdb:2113?tls=true', KAFKA_BROKERS: 'kafka:9093', REDIS_URL: 'rediss://redis:6380', API_KEYS: 'ops admin sha256:' + 'a'.repeat(64), PII_MASTER_KEY: 'A'.repeat(43) + '=' };

  it('accepts a fully secured distributed setup', () => {
    const config = loadConfig({
      ...distributed,
      ESDB_USERNAME: 'admin',
      ESDB_PASSWORD: 'changeit',
      ESDB_TLS_CA_FILE: ca,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'crm',
      KAFKA_SASL_PASSWORD: 's3cret',
      REDIS_USERNAME: 'crm',
      REDIS_PASSWORD: 'r3dis',
      REDIS_TLS_CA_FILE: ca,
    });
    expect(config).toMatchObject({ KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-512', ESDB_TLS_CA_FILE: ca, REDIS_USERNAME: 'crm' });
  });

  it('accepts the other valid forms: credentials in the URLs, TLS with the system CAs, SASL without TLS (scram)', () => {
    expect(loadConfig({ ...distributed, ESDB_URL: 'esdb://admin:changeit@esdb:2113', REDIS_URL: 'redis://:r3dis@redis:6379' })).toMatchObject({ KAFKA_SSL: false });
    expect(loadConfig({ ...distributed, KAFKA_SSL: 'true' }).KAFKA_SSL).toBe(true);
    expect(loadConfig({ ...distributed, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'crm', KAFKA_SASL_PASSWORD: 'x' }).KAFKA_SSL).toBe(false);
    expect(loadConfig({ ...distributed, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'crm', KAFKA_SASL_PASSWORD: 'x' }).KAFKA_SASL_MECHANISM).toBe('plain');
    // Only a password: requirepass / the default user.
    expect(loadConfig({ ...distributed, REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD: 'r3dis' }).REDIS_PASSWORD).toBe('r3dis');
  });

  it('keeps everything off by default', () => {
    const config = loadConfig({});
    expect(config.KAFKA_SSL).toBe(false);
    for (const key of ['KAFKA_SASL_MECHANISM', 'ESDB_TLS_CA_FILE', 'REDIS_TLS_CA_FILE', 'REDIS_PASSWORD', 'ESDB_USERNAME'] as const) expect(config[key]).toBeUndefined();
  });

  it.each([
    [{ KAFKA_SSL: 'yes' }, 'KAFKA_SSL="yes": must be true or false'],
    [{ KAFKA_SASL_MECHANISM: 'gssapi' }, 'KAFKA_SASL_MECHANISM="gssapi"'],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512' }, 'KAFKA_SASL_USERNAME=(unset): required with KAFKA_SASL_MECHANISM=scram-sha-512'],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'crm' }, 'KAFKA_SASL_PASSWORD=(unset): required with KAFKA_SASL_MECHANISM=scram-sha-512'],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'crm', KAFKA_SASL_PASSWORD: 'x' }, 'KAFKA_SASL_MECHANISM="plain": plain sends the password in clear: needs KAFKA_SSL=true'],
    [{ KAFKA_SASL_USERNAME: 'crm', KAFKA_SASL_PASSWORD: 'x' }, 'KAFKA_SASL_USERNAME="crm": needs KAFKA_SASL_MECHANISM'],
    [{ KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL_CA_FILE="/ca.pem": needs KAFKA_SSL=true'],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/c.pem' }, 'KAFKA_SSL_KEY_FILE=(unset): required with KAFKA_SSL_CERT_FILE'],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: '/k.pem' }, 'KAFKA_SSL_CERT_FILE=(unset): required with KAFKA_SSL_KEY_FILE'],
    [{ ESDB_USERNAME: 'admin' }, 'ESDB_PASSWORD=(unset): required with ESDB_USERNAME'],
    [{ ESDB_PASSWORD: 'changeit' }, 'ESDB_USERNAME=(unset): required with ESDB_PASSWORD'],
    [{ ESDB_URL: 'esdb://admin:changeit@esdb:2113', ESDB_USERNAME: 'admin', ESDB_PASSWORD: 'x' }, 'ESDB_USERNAME="admin": ESDB_URL already carries user:password@'],
    [{ ESDB_URL: 'esdb://esdb:2113?tls=false', ESDB_USERNAME: 'admin', ESDB_PASSWORD: 'x' }, 'ESDB_USERNAME="admin": credentials need TLS'],
    [{ ESDB_URL: 'esdb://admin:changeit@esdb:2113?tls=false' }, 'ESDB_URL="esdb://admin:***@esdb:2113?tls=false": credentials need TLS'],
    [{ ESDB_URL: 'esdb://esdb:2113?tls=false', ESDB_TLS_CA_FILE: '/ca.pem' }, 'ESDB_TLS_CA_FILE="/ca.pem": needs TLS, and ESDB_URL has tls=false'],
    [{ ESDB_URL: 'esdb://esdb:2113?tlsCAFile=/a.pem', ESDB_TLS_CA_FILE: '/ca.pem' }, 'ESDB_TLS_CA_FILE="/ca.pem": ESDB_URL already has tlsCAFile='],
    [{ REDIS_URL: 'redis://redis:6379', REDIS_TLS_CA_FILE: '/ca.pem' }, 'REDIS_TLS_CA_FILE="/ca.pem": needs TLS: a rediss:// REDIS_URL'],
    [{ REDIS_USERNAME: 'crm' }, 'REDIS_PASSWORD=(unset): required with REDIS_USERNAME'],
    [{ REDIS_URL: 'redis://:pw@redis:6379', REDIS_PASSWORD: 'other' }, 'REDIS_PASSWORD=(redacted): REDIS_URL already carries user:password@'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(problemsOf({ ...distributed, ...env })).toContain(message);
  });

  it('names every connection problem at once', () => {
    const problems = problemsOf({ ...distributed, KAFKA_SSL_CA_FILE: ca, ESDB_USERNAME: 'admin', REDIS_USERNAME: 'crm' });
    expect(problems).toMatch(/ESDB_PASSWORD[\s\S]*KAFKA_SSL_CA_FILE[\s\S]*REDIS_PASSWORD/);
  });

  it('reads every certificate and key file at start: missing, unreadable, a directory, not PEM', () => {
    const missing = join(dir, 'missing.pem');
    expect(problemsOf({ ...distributed, REDIS_TLS_CA_FILE: missing })).toBe(`REDIS_TLS_CA_FILE=${JSON.stringify(missing)}: cannot read the file (not found)`);
    expect(problemsOf({ ...distributed, ESDB_TLS_CA_FILE: dir })).toContain(`ESDB_TLS_CA_FILE=${JSON.stringify(dir)}: cannot read the file (a directory)`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    expect(problemsOf({ ...distributed, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: text })).toContain(`KAFKA_SSL_CA_FILE=${JSON.stringify(text)}: not a PEM file`);
    const locked = join(dir, 'locked.key');
    writeFileSync(locked, PEM);
    chmodSync(locked, 0o000);
    try {
      // root reads any file: only check the message when the file is really unreadable.
      const problems = problemsOf({ ...distributed, KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: cert, KAFKA_SSL_KEY_FILE: locked, KAFKA_SSL_CA_FILE: missing });
      expect(problems).toContain('KAFKA_SSL_CA_FILE');
      if (process.getuid?.() !== 0) expect(problems).toContain(`KAFKA_SSL_KEY_FILE=${JSON.stringify(locked)}: cannot read the file (permission denied)`);
    } finally {
      chmodSync(locked, 0o600);
    }
  });

  it('never prints a secret in a config error', () => {
    const message = (() => {
      try {
        loadConfig({ ...distributed, REDIS_URL: 'http://crm:hunter2@redis', ESDB_URL: 'esdb://admin:hunter3@esdb:2113?tls=false', KAFKA_SASL_PASSWORD: 'hunter4', KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: cert, KAFKA_SSL_KEY_FILE: key });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('REDIS_URL="http://crm:***@redis"');
    for (const secret of ['hunter2', 'hunter3', 'TOP-SECRET-KEY']) expect(message).not.toContain(secret);
    const second = problemsOf({ ...distributed, KAFKA_SASL_PASSWORD: 'hunter4' });
    expect(second).toContain('KAFKA_SASL_PASSWORD=(redacted): needs KAFKA_SASL_MECHANISM');
    expect(second).not.toContain('hunter4');
  });
});

describe('redaction', () => {
  it('redacts the password of a URL, keeps the rest', () => {
    expect(redactUrl('esdb://admin:changeit@h:2113?tls=true')).toBe('esdb://admin:***@h:2113?tls=true');
    expect(redactUrl('rediss://:pw@h:6380/0')).toBe('rediss://:***@h:6380/0');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactUrl('esdb://h:2113,g:2113?tls=false')).toBe('esdb://h:2113,g:2113?tls=false');
  });

  it('hides password variables and redacts URL values', () => {
    expect(printableValue('REDIS_PASSWORD', 'x')).toBe('(redacted)');
    expect(printableValue('KAFKA_SASL_PASSWORD', 'x')).toBe('(redacted)');
    expect(printableValue('REDIS_URL', 'redis://u:p@h')).toBe('"redis://u:***@h"');
    expect(printableValue('PORT', undefined)).toBe('(unset)');
  });

  it('removes every secret of a configuration from a text, as written and percent-encoded', () => {
    const config = { ESDB_PASSWORD: 'p@ss:word', REDIS_URL: 'redis://u:r%2Fpw@h', KAFKA_SASL_PASSWORD: 'kafkapw', PORT: 3000 };
    const text = 'Cannot parse esdb://admin:p%40ss%3Aword@h:2113 (p@ss:word), redis said r/pw, sasl kafkapw';
    const redacted = redactSecrets(text, config);
    expect(redacted).toBe('Cannot parse esdb://admin:***@h:2113 (***), redis said ***, sasl ***');
  });
});

describe('CORS_ORIGINS', () => {
  it('is unset by default (CORS off) and reads a comma-separated list of exact origins', () => {
    expect(loadConfig({}).CORS_ORIGINS).toBeUndefined();
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(loadConfig({ CORS_ORIGINS: 'http://[::1]:8080' }).CORS_ORIGINS).toEqual(['http://[::1]:8080']);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'https://app.example.com?x=1', 'ftp://files.example.com', 'https://u:p@app.example.com', 'https://APP.example.com', 'https://app.example.com:443', 'null', ','])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS=/);
    },
  );

  it('accepts only http(s) origins', () => {
    expect(isHttpOrigin('https://a.example')).toBe(true);
    expect(isHttpOrigin('javascript:alert(1)')).toBe(false);
  });
});
