import { HttpException } from '@nestjs/common';
import { register } from 'prom-client';
import { createClient } from 'redis';
import { loadAppConfig } from '#config';
import { ensureRedisInstalled, type RedisProcess, startRedis } from '../../../../test/support/redis-server.js';
import { AuthFailureLimiter } from './auth-failure-limiter.service.js';
import { ConnectionLimiter } from './connection-limiter.service.js';
import { RateLimiter } from './rate-limiter.service.js';
import { SharedLimitStore } from './shared-limit-store.service.js';

/** Two "replicas": each its own store connection and limiters, over one real redis-server. */
interface Replica {
  store: SharedLimitStore;
  rate: RateLimiter;
  connections: ConnectionLimiter;
  authFailures: AuthFailureLimiter;
}

const LIMIT = 3;
const WINDOW_MS = 60_000;

let redis: RedisProcess;
const replicas: Replica[] = [];

async function replica(env: Record<string, string> = {}): Promise<Replica> {
  const config = loadAppConfig({
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'spec:',
    REDIS_TIMEOUT_MS: '200',
    RATE_LIMIT_REQUESTS: String(LIMIT),
    RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_MS / 1000),
    WS_MAX_CONNECTIONS_PER_CLIENT: '2',
    AUTH_FAILURE_LIMIT: '3',
    AUTH_FAILURE_WINDOW_SECONDS: '60',
    ...env,
  });
  const store = new SharedLimitStore(config);
  await store.onModuleInit();
  const made = {
    store,
    rate: new RateLimiter(config, store),
    connections: new ConnectionLimiter(config, store),
    authFailures: new AuthFailureLimiter(config, store),
  };
  replicas.push(made);
  await answering(store);
  return made;
}

/** Waits for the store's (re)connection: a real round trip, retried until Redis answers. */
async function answering(store: SharedLimitStore): Promise<void> {
  while ((await store.hit('probe', 1000, 0)) === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function storeErrors(): Promise<number> {
  const metric = await register.getSingleMetric('xdp_mcp_rate_limit_store_errors_total')?.get();
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
}

let keySeq = 0;
const freshKey = () => `principal:spec-${++keySeq}`;

describe('Limits shared through a real Redis', () => {
  beforeAll(async () => {
    ensureRedisInstalled();
    redis = await startRedis();
  }, 600_000);

  afterEach(async () => {
    for (const { store, connections } of replicas.splice(0)) {
      connections.onModuleDestroy();
      await store.onModuleDestroy();
    }
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('shares one fixed-window budget between replicas, under the configured key prefix', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = freshKey();
    expect((await a.rate.increment(key, WINDOW_MS, LIMIT)).isBlocked).toBe(false);
    expect((await b.rate.increment(key, WINDOW_MS, LIMIT)).isBlocked).toBe(false);
    expect((await a.rate.increment(key, WINDOW_MS, LIMIT)).isBlocked).toBe(false);
    const refused = await b.rate.increment(key, WINDOW_MS, LIMIT);
    expect(refused).toMatchObject({ totalHits: LIMIT + 1, isBlocked: true });
    expect(refused.timeToBlockExpire).toBeGreaterThanOrEqual(59);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(60);
    // Another key keeps its own budget.
    expect((await b.rate.increment(freshKey(), WINDOW_MS, LIMIT)).isBlocked).toBe(false);

    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      expect(await raw.get(`spec:rate:${key}`)).toBe(String(LIMIT + 1));
      expect(await raw.pTTL(`spec:rate:${key}`)).toBeGreaterThan(0);
    } finally {
      raw.destroy();
    }
  });

  it('refuses WebSocket messages (synchronous consume) once this replica has heard the shared count', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = freshKey();
    for (let i = 0; i < LIMIT; i++) await a.rate.increment(key, WINDOW_MS, LIMIT);
    // B has not talked to Redis about this key yet: its first message is decided on its own view.
    expect(b.rate.consume(key).allowed).toBe(true);
    // One round trip later (this HTTP request is refused), B's view holds the shared count.
    expect((await b.rate.increment(key, WINDOW_MS, LIMIT)).isBlocked).toBe(true);
    expect(b.rate.consume(key)).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
  });

  it('caps connections per key across replicas and frees a slot on release', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = freshKey();
    const first = await a.connections.acquire(key);
    expect(first.admitted).toBe(true);
    expect((await b.connections.acquire(key)).admitted).toBe(true);
    expect(await a.connections.acquire(key)).toMatchObject({ admitted: false, status: 429 });
    if (first.admitted) first.release();
    // The release is sent in the background, but before A's next command on the same connection.
    expect((await a.connections.acquire(key)).admitted).toBe(true);
    expect(await b.connections.acquire(key)).toMatchObject({ admitted: false, status: 429 });
  });

  it('adds up failed authentications from one address across replicas', async () => {
    const [a, b] = [await replica(), await replica()];
    a.authFailures.recordFailure('10.9.0.1');
    b.authFailures.recordFailure('10.9.0.1');
    expect(await a.authFailures.blockedFor('10.9.0.1')).toBeUndefined();
    b.authFailures.recordFailure('10.9.0.1');
    // The third failure was sent by B in the background; B's next command goes out after it.
    expect(await b.authFailures.blockedFor('10.9.0.1')).toBeGreaterThanOrEqual(59);
    expect(await a.authFailures.blockedFor('10.9.0.1')).toBeGreaterThanOrEqual(59);
    expect(await a.authFailures.blockedFor('10.9.0.2')).toBeUndefined();
  });

  it('answers within REDIS_TIMEOUT_MS when Redis hangs, and fails open by default', async () => {
    const a = await replica();
    const key = freshKey();
    const before = await storeErrors();
    redis.pause();
    try {
      expect(await a.store.hit(key, WINDOW_MS, 1)).toBeUndefined();
      expect((await a.rate.increment(key, WINDOW_MS, LIMIT)).isBlocked).toBe(false);
      expect(a.store.unavailable).toBe(true);
      expect(a.rate.consume(key).allowed).toBe(true);
      expect((await a.connections.acquire(key)).admitted).toBe(true);
      // The auth-failure brake falls back to this replica's own count.
      for (let i = 0; i < 3; i++) a.authFailures.recordFailure('10.9.1.1');
      expect(await a.authFailures.blockedFor('10.9.1.1')).toBeGreaterThan(0);
    } finally {
      redis.resume();
    }
    expect(await storeErrors()).toBeGreaterThan(before);
  });

  it('fails closed with RATE_LIMIT_ON_STORE_ERROR=closed while Redis is down, and recovers when it is back', async () => {
    const a = await replica({ RATE_LIMIT_ON_STORE_ERROR: 'closed' });
    const key = freshKey();
    await redis.stop();
    try {
      const error = await a.rate.increment(key, WINDOW_MS, LIMIT).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(HttpException);
      expect((error as HttpException).getStatus()).toBe(503);
      expect((error as HttpException).getResponse()).toMatchObject({ code: 'rate_limit_store_unavailable' });
      expect(a.rate.consume(key).allowed).toBe(false);
      expect(await a.connections.acquire(key)).toMatchObject({ admitted: false, status: 503 });
    } finally {
      await redis.restart();
    }
    await answering(a.store);
    expect(a.store.unavailable).toBe(false);
    expect((await a.rate.increment(key, WINDOW_MS, LIMIT)).isBlocked).toBe(false);
    expect((await a.connections.acquire(key)).admitted).toBe(true);
  });
});
