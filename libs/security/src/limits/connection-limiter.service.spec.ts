import { loadAppConfig } from '#config';
import { type ConnectionAdmission, ConnectionLimiter } from './connection-limiter.service.js';
import { InFlightLimit } from './in-flight-limit.js';
import { SharedLimitStore } from './shared-limit-store.service.js';

/** In-memory limiter (no REDIS_URL). */
function limiterWith(maxPerClient: string): ConnectionLimiter {
  const config = loadAppConfig({ WS_MAX_CONNECTIONS_PER_CLIENT: maxPerClient });
  return new ConnectionLimiter(config, new SharedLimitStore(config));
}

function releaseOf(admission: ConnectionAdmission): () => void {
  if (!admission.admitted) throw new Error(`refused: ${admission.message}`);
  return admission.release;
}

describe('ConnectionLimiter', () => {
  it('caps open connections per key and frees a slot once per release', async () => {
    const limiter = limiterWith('2');
    const first = releaseOf(await limiter.acquire('a'));
    expect((await limiter.acquire('a')).admitted).toBe(true);
    expect(await limiter.acquire('a')).toEqual({
      admitted: false,
      status: 429,
      message: expect.stringContaining('WS_MAX_CONNECTIONS_PER_CLIENT=2'),
    });
    expect((await limiter.acquire('b')).admitted).toBe(true);
    first();
    first();
    // Released twice, freed once: exactly one slot opens.
    expect((await limiter.acquire('a')).admitted).toBe(true);
    expect((await limiter.acquire('a')).admitted).toBe(false);
  });

  it('is unlimited at 0', async () => {
    const limiter = limiterWith('0');
    for (let i = 0; i < 1000; i++) expect((await limiter.acquire('a')).admitted).toBe(true);
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
