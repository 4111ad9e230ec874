import { HttpException, HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '#config';
import { type Clock, LIMITS_CLOCK } from './limits-clock.js';
import { SharedLimitStore, type SharedWindow } from './shared-limit-store.service.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (0 when allowed). */
  retryAfterSeconds: number;
}

interface Window {
  hits: number;
  resetAt: number;
  /** Shared mode: hits counted here whose Redis reply has not arrived yet (already included in `hits`). */
  unconfirmed: number;
}

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** JSON-RPC error code (implementation-defined server range) for a request refused by the rate limit. */
export const RATE_LIMITED_JSONRPC_CODE = -32029;

const ALLOWED: RateDecision = Object.freeze({ allowed: true, retryAfterSeconds: 0 });
/** What a request gets while the shared store is down and RATE_LIMIT_ON_STORE_ERROR=closed. */
const STORE_CLOSED: RateDecision = Object.freeze({ allowed: false, retryAfterSeconds: 1 });

/**
 * Fixed-window request counter per client key (RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS).
 * It is also the storage behind @nestjs/throttler's HTTP guard, so REST and /mcp requests and
 * WebSocket messages (`consume`, synchronous on the message path) draw on one budget.
 *
 * With a shared store (REDIS_URL) the windows live in Redis and every replica draws on them. HTTP
 * requests wait for Redis's count (bounded by REDIS_TIMEOUT_MS). `consume` stays synchronous: it
 * decides on this replica's latest view of the shared window plus its own unconfirmed hits, and
 * sends the hits to Redis in the background, whose reply refreshes the view. So a WebSocket burst
 * can overshoot by what other replicas counted since this one last heard from Redis, never more.
 */
@Injectable()
export class RateLimiter implements ThrottlerStorage {
  readonly limit: number;
  readonly windowMs: number;
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(
    config: AppConfig,
    private readonly store: SharedLimitStore,
    @Optional() @Inject(LIMITS_CLOCK) private readonly now: Clock = Date.now,
  ) {
    this.limit = config.auth.rateLimit.requests;
    this.windowMs = config.auth.rateLimit.windowSeconds * 1000;
  }

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Counts `count` requests (messages) for `key` (see `clientKey`). */
  consume(key: string, count = 1): RateDecision {
    if (!this.enabled || count <= 0) return ALLOWED;
    if (this.store.enabled && this.store.unavailable) {
      // Still sent, so the first answer after an outage ends it.
      void this.sendShared(key, this.windowMs, count);
      return this.store.onError === 'open' ? ALLOWED : STORE_CLOSED;
    }
    const now = this.now();
    const window = this.hit(key, this.windowMs, now, count);
    if (this.store.enabled) {
      window.unconfirmed += count;
      void this.sendShared(key, this.windowMs, count, true);
    }
    if (window.hits <= this.limit) return ALLOWED;
    return { allowed: false, retryAfterSeconds: secondsUntil(window.resetAt, now) };
  }

  /** ThrottlerStorage: the guard passes the window and limit it resolved (ours, from the same config). */
  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const window = this.store.enabled ? await this.incrementShared(key, ttl) : this.hit(key, ttl, now);
    if (window === undefined) return record(0, 1, false);
    return record(window.hits, secondsUntil(window.resetAt, now), window.hits > limit);
  }

  /** Shared hit for an HTTP request; undefined lets it pass (fail open), a thrown 503 refuses it (fail closed). */
  private async incrementShared(key: string, ttl: number): Promise<Pick<Window, 'hits' | 'resetAt'> | undefined> {
    const shared = await this.sendShared(key, ttl, 1);
    if (shared !== undefined) return { hits: shared.hits, resetAt: this.now() + shared.resetInMs };
    if (this.store.onError === 'open') return undefined;
    throw new HttpException(
      { message: 'Rate limit store unavailable; retry shortly (RATE_LIMIT_ON_STORE_ERROR=closed)', code: 'rate_limit_store_unavailable' },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }

  /** Counts hits in Redis and folds its answer into this replica's view of the window. */
  private async sendShared(key: string, windowMs: number, count: number, countedHere = false): Promise<SharedWindow | undefined> {
    const shared = await this.store.hit(key, windowMs, count);
    const window = this.windows.get(key);
    if (countedHere && window !== undefined) window.unconfirmed = Math.max(0, window.unconfirmed - count);
    if (shared !== undefined) this.observe(key, shared);
    return shared;
  }

  /** The shared count plus this replica's hits Redis has not answered yet (they are not in `shared.hits`). */
  private observe(key: string, shared: SharedWindow): void {
    const now = this.now();
    this.sweep(now);
    const window = this.windows.get(key);
    const unconfirmed = window !== undefined && window.resetAt > now ? window.unconfirmed : 0;
    this.windows.set(key, { hits: shared.hits + unconfirmed, resetAt: now + shared.resetInMs, unconfirmed });
  }

  private hit(key: string, windowMs: number, now: number, count = 1): Window {
    this.sweep(now);
    let window = this.windows.get(key);
    if (window === undefined || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + windowMs, unconfirmed: 0 };
      this.windows.set(key, window);
    }
    window.hits += count;
    return window;
  }

  /** Drops finished windows once per window length, so idle clients do not accumulate. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + this.windowMs;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

function record(totalHits: number, remainingSeconds: number, blocked: boolean): ThrottlerStorageRecord {
  return { totalHits, timeToExpire: remainingSeconds, isBlocked: blocked, timeToBlockExpire: blocked ? remainingSeconds : 0 };
}

function secondsUntil(time: number, now: number): number {
  return Math.max(1, Math.ceil((time - now) / 1000));
}
