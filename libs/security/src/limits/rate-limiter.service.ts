import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '#config';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (0 when allowed). */
  retryAfterSeconds: number;
}

interface Window {
  hits: number;
  resetAt: number;
}

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** JSON-RPC error code (implementation-defined server range) for a request refused by the rate limit. */
export const RATE_LIMITED_JSONRPC_CODE = -32029;

const ALLOWED: RateDecision = Object.freeze({ allowed: true, retryAfterSeconds: 0 });

/**
 * Fixed-window request counter per client key (RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS).
 * It is also the storage behind @nestjs/throttler's HTTP guard, so REST and /mcp requests and
 * WebSocket messages (`consume`, synchronous on the message path) draw on one budget.
 */
@Injectable()
export class RateLimiter implements ThrottlerStorage {
  readonly limit: number;
  readonly windowMs: number;
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(config: AppConfig) {
    this.limit = config.auth.rateLimit.requests;
    this.windowMs = config.auth.rateLimit.windowSeconds * 1000;
  }

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Counts `count` requests (messages) for `key` (see `clientKey`). */
  consume(key: string, count = 1): RateDecision {
    if (!this.enabled || count <= 0) return ALLOWED;
    const now = Date.now();
    const window = this.hit(key, this.windowMs, now, count);
    if (window.hits <= this.limit) return ALLOWED;
    return { allowed: false, retryAfterSeconds: secondsUntil(window.resetAt, now) };
  }

  /** ThrottlerStorage: the guard passes the window and limit it resolved (ours, from the same config). */
  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const window = this.hit(key, ttl, now);
    const blocked = window.hits > limit;
    const remaining = secondsUntil(window.resetAt, now);
    return { totalHits: window.hits, timeToExpire: remaining, isBlocked: blocked, timeToBlockExpire: blocked ? remaining : 0 };
  }

  private hit(key: string, windowMs: number, now: number, count = 1): Window {
    this.sweep(now);
    let window = this.windows.get(key);
    if (window === undefined || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + windowMs };
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

function secondsUntil(time: number, now: number): number {
  return Math.max(1, Math.ceil((time - now) / 1000));
}
