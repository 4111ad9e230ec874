import { loadAppConfig } from '#config';
import { AuthFailureLimiter } from './auth-failure-limiter.service.js';

describe('AuthFailureLimiter', () => {
  let now = 1_000_000;
  const limiter = () => new AuthFailureLimiter(loadAppConfig({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '60' }), () => now);

  it('blocks an address once it reached the limit, until its window ends', () => {
    const failures = limiter();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(failures.blockedFor('10.0.0.1')).toBeUndefined();
      failures.recordFailure('10.0.0.1');
    }
    expect(failures.blockedFor('10.0.0.1')).toBe(60);
    now += 45_000;
    expect(failures.blockedFor('10.0.0.1')).toBe(15);
    now += 15_000;
    expect(failures.blockedFor('10.0.0.1')).toBeUndefined();
  });

  it('never blocks another address, and groups an IPv6 client by its /64', () => {
    const failures = limiter();
    for (let attempt = 0; attempt < 3; attempt++) failures.recordFailure('2001:db8:1:1::a');
    expect(failures.blockedFor('2001:db8:1:1::b')).toBeGreaterThan(0);
    expect(failures.blockedFor('2001:db8:1:2::a')).toBeUndefined();
    expect(failures.blockedFor('10.0.0.2')).toBeUndefined();
  });

  it('is off with AUTH_FAILURE_LIMIT=0', () => {
    const failures = new AuthFailureLimiter(loadAppConfig({ AUTH_FAILURE_LIMIT: '0' }), () => now);
    for (let attempt = 0; attempt < 100; attempt++) failures.recordFailure('10.0.0.3');
    expect(failures.blockedFor('10.0.0.3')).toBeUndefined();
  });
});
