import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import type { createClient as CreateClient, RedisClientType } from 'redis';
import { AppConfig, type SharedLimitStoreConfig, type StoreErrorPolicy } from '#config';

/** Which limit a store call served; the label of the error metric. */
export type LimitKind = 'rate' | 'connections' | 'auth_failures';

/** Key namespace of each limit, after REDIS_KEY_PREFIX. */
const NAMESPACES: Record<LimitKind, string> = { rate: 'rate', connections: 'conn', auth_failures: 'authfail' };

/** A fixed window's count and remaining time, without counting anything ({0, 0} when there is none). */
const PEEK_SCRIPT = `
local hits = redis.call('GET', KEYS[1])
if not hits then return {0, 0} end
return {tonumber(hits), redis.call('PTTL', KEYS[1])}`;

/** A fixed window as Redis holds it: hits so far and milliseconds until it ends. */
export interface SharedWindow {
  hits: number;
  resetInMs: number;
}

/**
 * One atomic step of the fixed window the in-memory limiter keeps: add the hits, and start the
 * window's clock on its first hit only (so it ends `windowMs` after that hit, like in memory).
 */
const HIT_SCRIPT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {hits, ttl}`;

/**
 * A connection slot is a member of a sorted set scored by its lease end (Redis time), so slots of a
 * replica that died without releasing them expire instead of holding the cap forever.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Extends the leases of this replica's open slots; re-adds them after a Redis restart lost them. */
const RENEW_SCRIPT = `
local t = redis.call('TIME')
local lease_end = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], lease_end, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

function toWindow(reply: unknown): SharedWindow | undefined {
  if (!Array.isArray(reply)) return undefined;
  return { hits: Number(reply[0]), resetInMs: Number(reply[1]) };
}

/** A TCP connect may take longer than one command; still short enough not to hold up startup. */
function connectTimeoutOf(settings: SharedLimitStoreConfig): number {
  return Math.max(settings.timeoutMs, 1000);
}

class StoreTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms (REDIS_TIMEOUT_MS)`);
    this.name = 'StoreTimeoutError';
  }
}

/** At most one "store unavailable" warning per this interval, however many requests hit it. */
const WARN_INTERVAL_MS = 30_000;

const storeErrors = (): Counter<'limiter'> =>
  (register.getSingleMetric('xdp_mcp_rate_limit_store_errors_total') as Counter<'limiter'> | undefined) ??
  new Counter({
    name: 'xdp_mcp_rate_limit_store_errors_total',
    help: 'Calls to the shared limit store (Redis) that failed or timed out; the limit then failed open or closed (RATE_LIMIT_ON_STORE_ERROR), the auth-failure brake fell back to its local count',
    labelNames: ['limiter'],
  });

/**
 * The Redis behind the limits shared by every replica (REDIS_URL). Without REDIS_URL it is
 * disabled and the limiters keep their in-memory state. A call that fails or exceeds
 * REDIS_TIMEOUT_MS resolves to undefined (counted, and warned about at most every 30 s), so a
 * request never waits on a slow or dead Redis longer than that bound and the caller applies
 * RATE_LIMIT_ON_STORE_ERROR. The client reconnects on its own; the first answer after an outage
 * is logged and clears the outage.
 */
@Injectable()
export class SharedLimitStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SharedLimitStore.name);
  private readonly settings: SharedLimitStoreConfig | undefined;
  readonly onError: StoreErrorPolicy;
  private client?: RedisClientType;
  /** The Redis client library, loaded only when a store is configured (it is ~580 modules of start-up otherwise). */
  private createClient?: typeof CreateClient;
  private readonly errors = storeErrors();
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private failing = false;

  constructor(config: AppConfig) {
    this.settings = config.limits.sharedStore;
    this.onError = config.limits.onStoreError;
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** True while the last call failed: synchronous callers apply the error policy without waiting. */
  get unavailable(): boolean {
    return this.failing;
  }

  /** Waits for the first connection at most the connect timeout, so a down Redis does not hold up startup. */
  async onModuleInit(): Promise<void> {
    const settings = this.settings;
    if (settings === undefined) return;
    this.createClient = (await import('redis')).createClient;
    const { client, connected } = this.connect(settings);
    this.client = client;
    this.logger.log(
      `Rate limits, connection caps and auth-failure counts are shared through Redis (prefix "${settings.keyPrefix}", on error: ${this.onError})`,
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([connected, new Promise((resolve) => (timer = setTimeout(resolve, connectTimeoutOf(settings))))]);
    clearTimeout(timer);
  }

  private connect(settings: SharedLimitStoreConfig): { client: RedisClientType; connected: Promise<void> } {
    const client = this.createClient!({
      url: settings.url,
      username: settings.username,
      password: settings.password,
      // Fail a command at once while disconnected instead of queueing it behind a dead socket.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutOf(settings),
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
      },
    }) as RedisClientType;
    // node-redis emits 'error' on every failed (re)connect; unhandled it would crash the process.
    client.on('error', (error: unknown) => this.failed('connection', error));
    // The client keeps reconnecting on its own; meanwhile limits fail open or closed.
    const connected = client.connect().then(
      () => undefined,
      (error: unknown) => this.failed('connection', error),
    );
    return { client, connected };
  }

  /**
   * A Redis that accepts commands but does not answer (hung, or a dead peer the kernel has not
   * noticed) would pile up unanswered commands: drop that connection and open a new one.
   */
  private reconnect(stale: RedisClientType): void {
    if (this.client !== stale || this.settings === undefined) return;
    if (stale.isOpen) stale.destroy();
    this.client = this.connect(this.settings).client;
  }

  async onModuleDestroy(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) client.destroy();
  }

  /** Adds `count` hits to the fixed window `key` (started on its first hit, `windowMs` long). */
  async hit(key: string, windowMs: number, count: number, limiter: 'rate' | 'auth_failures' = 'rate'): Promise<SharedWindow | undefined> {
    const reply = await this.run(limiter, (client) =>
      client.eval(HIT_SCRIPT, { keys: [this.key(limiter, key)], arguments: [String(count), String(windowMs)] }),
    );
    return toWindow(reply);
  }

  async peek(key: string, limiter: 'rate' | 'auth_failures'): Promise<SharedWindow | undefined> {
    return toWindow(await this.run(limiter, (client) => client.eval(PEEK_SCRIPT, { keys: [this.key(limiter, key)] })));
  }

  /** Takes a slot for `member` when fewer than `max` live slots exist for `key`; undefined on a store error. */
  async acquireSlot(key: string, member: string, max: number, leaseMs: number): Promise<boolean | undefined> {
    const reply = await this.run('connections', (client) =>
      client.eval(ACQUIRE_SCRIPT, { keys: [this.key('connections', key)], arguments: [String(max), String(leaseMs), member] }),
    );
    return reply === undefined ? undefined : Number(reply) === 1;
  }

  async renewSlots(key: string, members: readonly string[], leaseMs: number): Promise<void> {
    await this.run('connections', (client) =>
      client.eval(RENEW_SCRIPT, { keys: [this.key('connections', key)], arguments: [String(leaseMs), ...members] }),
    );
  }

  async releaseSlot(key: string, member: string): Promise<void> {
    await this.run('connections', (client) => client.zRem(this.key('connections', key), member));
  }

  private key(limiter: LimitKind, key: string): string {
    return `${this.settings?.keyPrefix ?? ''}${NAMESPACES[limiter]}:${key}`;
  }

  /** Runs one command, bounded by REDIS_TIMEOUT_MS; undefined (counted and warned about) when it fails or is late. */
  private async run<T>(limiter: LimitKind, command: (client: RedisClientType) => Promise<T>): Promise<T | undefined> {
    const client = this.client;
    if (client === undefined || this.settings === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new StoreTimeoutError(this.settings?.timeoutMs ?? 0)), this.settings?.timeoutMs);
    });
    try {
      // The losing command settles later against the destroyed client; race keeps it handled.
      const result = await Promise.race([command(client), late]);
      this.recovered();
      return result;
    } catch (error) {
      this.errors.inc({ limiter });
      this.failed(limiter, error);
      if (error instanceof StoreTimeoutError) this.reconnect(client);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(what: string, error: unknown): void {
    this.failing = true;
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.logger.warn(
      `Shared limit store (Redis) unavailable (${what}): ${reason}; limits fail ${this.onError} (RATE_LIMIT_ON_STORE_ERROR)`,
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.lastWarnAt = Number.NEGATIVE_INFINITY;
    this.logger.log('Shared limit store (Redis) answers again; shared limits are enforced');
  }
}
