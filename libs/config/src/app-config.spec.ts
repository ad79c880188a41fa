import { ConfigError, loadConfig } from './app-config';

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
    expect(() => loadConfig({ CRM_MODE: 'distributed' })).toThrow(/ESDB_URL=\(unset\)[\s\S]*KAFKA_BROKERS[\s\S]*REDIS_URL/);
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

describe('adapter selection', () => {
  it('lets one adapter be swapped: the Kafka path on the embedded store', () => {
    const config = loadConfig({ TRANSPORT: 'kafka', READ_STORE: 'redis', KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config).toMatchObject({ EVENT_STORE: 'sqlite', READ_STORE: 'redis', TRANSPORT: 'kafka' });
  });

  it('defaults the distributed mode to EventStoreDB, Redis and Kafka', () => {
    const config = loadConfig({ CRM_MODE: 'distributed', ESDB_URL: 'esdb://localhost:2113?tls=false', KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379' });
    expect(config).toMatchObject({ EVENT_STORE: 'esdb', READ_STORE: 'redis', TRANSPORT: 'kafka' });
  });

  it('rejects malformed server addresses', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'kafka', REDIS_URL: 'http://x' })).toThrow(/KAFKA_BROKERS="kafka"[\s\S]*REDIS_URL="http:\/\/x"/);
  });
});
