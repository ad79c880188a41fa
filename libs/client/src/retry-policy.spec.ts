import { backoffDelay, isRetriableStatus, parseRetryAfter } from './retry-policy';

describe('retry policy', () => {
  it('retries what a later attempt can fix, and nothing that is the request own fault', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 415, 501, 505].some(isRetriableStatus)).toBe(false);
  });

  it('doubles the backoff from its base up to the cap, between half and all of it', () => {
    expect([0, 1, 2, 3, 10].map((retry) => backoffDelay(retry, 250, 30_000, () => 0.999999))).toEqual([250, 500, 1000, 2000, 30_000]);
    expect([0, 1, 2, 3, 10].map((retry) => backoffDelay(retry, 250, 30_000, () => 0))).toEqual([125, 250, 500, 1000, 15_000]);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores anything else', () => {
    const now = Date.parse('2026-03-14T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 14 Mar 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 14 Mar 2026 09:00:00 GMT', now)).toBe(0); // a date in the past: now
    for (const header of [null, undefined, '', '-1', '1.5', 'soon']) expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});
