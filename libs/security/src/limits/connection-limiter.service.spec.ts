import { loadAppConfig } from '#config';
import { ConnectionLimiter } from './connection-limiter.service.js';
import { InFlightLimit } from './in-flight-limit.js';

describe('ConnectionLimiter', () => {
  it('caps open connections per key and frees a slot once per release', () => {
    const limiter = new ConnectionLimiter(loadAppConfig({ WS_MAX_CONNECTIONS_PER_CLIENT: '2' }));
    const first = limiter.tryAcquire('a');
    expect(limiter.tryAcquire('a')).toBeDefined();
    expect(limiter.tryAcquire('a')).toBeUndefined();
    expect(limiter.tryAcquire('b')).toBeDefined();
    first!();
    first!();
    // Released twice, freed once: exactly one slot opens.
    expect(limiter.tryAcquire('a')).toBeDefined();
    expect(limiter.tryAcquire('a')).toBeUndefined();
  });

  it('is unlimited at 0', () => {
    const limiter = new ConnectionLimiter(loadAppConfig({ WS_MAX_CONNECTIONS_PER_CLIENT: '0' }));
    for (let i = 0; i < 1000; i++) expect(limiter.tryAcquire('a')).toBeDefined();
  });
});

describe('InFlightLimit', () => {
  it('admits up to max concurrent calls', () => {
    const limit = new InFlightLimit(2);
    expect(limit.tryAcquire()).toBe(true);
    expect(limit.tryAcquire()).toBe(true);
    expect(limit.tryAcquire()).toBe(false);
    limit.release();
    expect(limit.tryAcquire()).toBe(true);
    expect(limit.tryAcquire()).toBe(false);
  });

  it('does not let extra releases raise the cap', () => {
    const limit = new InFlightLimit(1);
    limit.release();
    limit.release();
    expect(limit.tryAcquire()).toBe(true);
    expect(limit.tryAcquire()).toBe(false);
  });

  it('is unlimited at 0', () => {
    const limit = new InFlightLimit(0);
    for (let i = 0; i < 100; i++) expect(limit.tryAcquire()).toBe(true);
  });
});
