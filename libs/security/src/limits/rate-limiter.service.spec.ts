import { loadAppConfig } from '#config';
import { RateLimiter } from './rate-limiter.service.js';
import { SharedLimitStore } from './shared-limit-store.service.js';

describe('RateLimiter', () => {
  let now: number;

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
  });

  const limiter = (requests: number, windowSeconds = 10) => {
    // Without REDIS_URL the store is disabled: the windows stay in memory.
    const config = loadAppConfig({ RATE_LIMIT_REQUESTS: String(requests), RATE_LIMIT_WINDOW_SECONDS: String(windowSeconds) });
    return new RateLimiter(config, new SharedLimitStore(config), () => now);
  };

  it('allows the budget per key, then refuses with the seconds left in the window', () => {
    const rate = limiter(2);
    expect(rate.consume('a')).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(rate.consume('a').allowed).toBe(true);
    now += 2500;
    expect(rate.consume('a')).toEqual({ allowed: false, retryAfterSeconds: 8 });
    expect(rate.consume('b').allowed).toBe(true);
  });

  it('starts a fresh window once the old one ends', () => {
    const rate = limiter(1, 1);
    rate.consume('a');
    expect(rate.consume('a').allowed).toBe(false);
    now += 1000;
    expect(rate.consume('a').allowed).toBe(true);
  });

  it('never refuses when disabled (0)', () => {
    const rate = limiter(0);
    for (let i = 0; i < 100; i++) expect(rate.consume('a').allowed).toBe(true);
    expect(rate.enabled).toBe(false);
  });

  it('serves as throttler storage with the same windows', async () => {
    const rate = limiter(5);
    rate.consume('shared');
    const record = await rate.increment('shared', 10_000, 1);
    expect(record).toEqual({ totalHits: 2, timeToExpire: 10, isBlocked: true, timeToBlockExpire: 10 });
  });
});
