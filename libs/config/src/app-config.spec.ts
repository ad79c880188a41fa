import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ CRM_MODE: 'embedded', PORT: 3000, DATA_DIR: './data', BATCH_MAX_EVENTS: 1000 });
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

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });
});
