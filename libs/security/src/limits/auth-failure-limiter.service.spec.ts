import { loadAppConfig } from '#config';
import { AuthFailureLimiter } from './auth-failure-limiter.service.js';
import { SharedLimitStore } from './shared-limit-store.service.js';

describe('AuthFailureLimiter', () => {
  let now = 1_000_000;
  // Without REDIS_URL the store is disabled: the counts stay in memory.
  const inMemory = (env: Record<string, string>) => {
    const config = loadAppConfig(env);
    return new AuthFailureLimiter(config, new SharedLimitStore(config), () => now);
  };
  const limiter = () => inMemory({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '60' });

  it('blocks an address once it reached the limit, until its window ends', async () => {
    const failures = limiter();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await failures.blockedFor('10.0.0.1')).toBeUndefined();
      failures.recordFailure('10.0.0.1');
    }
    expect(await failures.blockedFor('10.0.0.1')).toBe(60);
    now += 45_000;
    expect(await failures.blockedFor('10.0.0.1')).toBe(15);
    now += 15_000;
    expect(await failures.blockedFor('10.0.0.1')).toBeUndefined();
  });

  it('never blocks another address, and groups an IPv6 client by its /64', async () => {
    const failures = limiter();
    for (let attempt = 0; attempt < 3; attempt++) failures.recordFailure('2001:db8:1:1::a');
    expect(await failures.blockedFor('2001:db8:1:1::b')).toBeGreaterThan(0);
    expect(await failures.blockedFor('2001:db8:1:2::a')).toBeUndefined();
    expect(await failures.blockedFor('10.0.0.2')).toBeUndefined();
  });

  it('is off with AUTH_FAILURE_LIMIT=0', async () => {
    const failures = inMemory({ AUTH_FAILURE_LIMIT: '0' });
    for (let attempt = 0; attempt < 100; attempt++) failures.recordFailure('10.0.0.3');
    expect(await failures.blockedFor('10.0.0.3')).toBeUndefined();
  });
});
