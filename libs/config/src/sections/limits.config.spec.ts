import { configProblems } from '../config-problems.testing.js';
import { loadAppConfig } from '../app-config.js';

describe('shared limit store configuration', () => {
  it('keeps the limits in memory without REDIS_URL, failing open by default', () => {
    const { limits } = loadAppConfig({});
    expect(limits.sharedStore).toBeUndefined();
    expect(limits.onStoreError).toBe('open');
  });

  it('reads the Redis settings, with the password kept as a secret', () => {
    const { limits, secretValues } = loadAppConfig({
      REDIS_URL: 'rediss://redis.internal:6380/2',
      REDIS_USERNAME: 'limits',
      REDIS_PASSWORD: 'redis-password-value',
      REDIS_KEY_PREFIX: 'staging:',
      REDIS_TIMEOUT_MS: '100',
      RATE_LIMIT_ON_STORE_ERROR: 'closed',
    });
    expect(limits.sharedStore).toEqual({
      url: 'rediss://redis.internal:6380/2',
      username: 'limits',
      password: 'redis-password-value',
      keyPrefix: 'staging:',
      timeoutMs: 100,
    });
    expect(limits.onStoreError).toBe('closed');
    expect(secretValues).toContain('redis-password-value');
  });

  it('names every invalid setting without echoing a credential', () => {
    expect(configProblems({ REDIS_URL: 'redis://user:hunter2-secret@redis:6379' })).toMatch(/REDIS_URL must not contain credentials/);
    expect(configProblems({ REDIS_URL: 'redis://user:hunter2-secret@redis:6379' })).not.toContain('hunter2');
    expect(configProblems({ REDIS_URL: 'http://redis:6379' })).toMatch(/REDIS_URL must look like redis:\/\/host:port/);
    expect(configProblems({ REDIS_PASSWORD: 'orphan-password' })).toMatch(/REDIS_PASSWORD are set but REDIS_URL is not/);
    expect(configProblems({ RATE_LIMIT_ON_STORE_ERROR: 'maybe' })).toMatch(/RATE_LIMIT_ON_STORE_ERROR must be one of open, closed/);
    expect(configProblems({ REDIS_URL: 'redis://redis:6379', REDIS_TIMEOUT_MS: '0' })).toMatch(
      /REDIS_TIMEOUT_MS must be an integer between 10 and 10000/,
    );
  });
});
