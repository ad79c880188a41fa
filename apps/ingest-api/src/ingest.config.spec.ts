import { ConfigError } from '@crm/config';
import { loadIngestConfig } from './ingest.config';

describe('loadIngestConfig', () => {
  it('gives the documented defaults: a 2 ms coalescing wait, at most 1,000 events per group commit', () => {
    expect(loadIngestConfig({})).toEqual({ INGEST_COALESCE_MS: 2, INGEST_COALESCE_MAX_EVENTS: 1000 });
    expect(loadIngestConfig({ INGEST_COALESCE_MS: '', PORT: 'not ours' })).toEqual({ INGEST_COALESCE_MS: 2, INGEST_COALESCE_MAX_EVENTS: 1000 });
  });

  it('reads the variables, 0 turning coalescing off, fractions of a millisecond allowed', () => {
    expect(loadIngestConfig({ INGEST_COALESCE_MS: '0', INGEST_COALESCE_MAX_EVENTS: '5000' })).toEqual({ INGEST_COALESCE_MS: 0, INGEST_COALESCE_MAX_EVENTS: 5000 });
    expect(loadIngestConfig({ INGEST_COALESCE_MS: '0.5' }).INGEST_COALESCE_MS).toBe(0.5);
  });

  it('names every invalid variable at once', () => {
    let error: unknown;
    try {
      loadIngestConfig({ INGEST_COALESCE_MS: '-1', INGEST_COALESCE_MAX_EVENTS: 'many' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('INGEST_COALESCE_MS="-1"');
    expect(problems).toContain('INGEST_COALESCE_MAX_EVENTS="many"');
  });
});
