import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry-policy.js';

describe('retry policy', () => {
  it('retries only transient statuses', () => {
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 409, 500, 501].some(isRetryableStatus)).toBe(false);
  });

  it('doubles the backoff step per attempt, with half of it jittered', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, 100, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, 100, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffDelayMs(3, 100, () => 0.5)).toBe(300);
  });

  it('caps the backoff step', () => {
    expect(backoffDelayMs(30, 1000, () => 1)).toBe(5000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs(' 0 ')).toBe(0);
    const now = Date.parse('2025-08-21T16:40:00Z');
    expect(parseRetryAfterMs('Thu, 21 Aug 2025 16:40:07 GMT', now)).toBe(7000);
    expect(parseRetryAfterMs('Thu, 21 Aug 2025 16:39:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unparseable Retry-After', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs('-5')).toBeUndefined();
  });
});
