import { Inject, Injectable, Optional } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { AppConfig } from '#config';
import { type Clock, LIMITS_CLOCK } from './limits-clock.js';
import { SharedLimitStore } from './shared-limit-store.service.js';

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Brute-force brake on credentials (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_SECONDS): counts
 * failed authentications per client IP (IPv6 by /64) and, once the limit is reached, refuses every
 * further attempt from that IP until its window ends — a valid token included, or guessing could go
 * on. Keyed by IP, never by token or subject, so an attacker cannot lock out a token holder
 * elsewhere.
 *
 * With a shared store (REDIS_URL) the count is kept in Redis too, so guesses spread over replicas
 * add up. This replica's own count is always kept as well: when Redis does not answer, the brake
 * falls back to it rather than to no brake at all (whatever RATE_LIMIT_ON_STORE_ERROR says, since
 * refusing every login would lock out everyone during an outage).
 */
@Injectable()
export class AuthFailureLimiter {
  readonly limit: number;
  private readonly windowMs: number;
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(
    config: AppConfig,
    private readonly store: SharedLimitStore,
    @Optional() @Inject(LIMITS_CLOCK) private readonly now: Clock = Date.now,
  ) {
    this.limit = config.auth.authFailureLimit.failures;
    this.windowMs = config.auth.authFailureLimit.windowSeconds * 1000;
  }

  /** Seconds until `ip` may try again, or undefined when it may try now. */
  async blockedFor(ip: string | undefined): Promise<number | undefined> {
    if (this.limit === 0 || ip === undefined) return undefined;
    if (this.store.enabled) {
      const shared = await this.store.peek(normalizeIp(ip), 'auth_failures');
      if (shared !== undefined)
        return shared.hits >= this.limit && shared.resetInMs > 0 ? Math.max(1, Math.ceil(shared.resetInMs / 1000)) : undefined;
    }
    const now = this.now();
    const window = this.windows.get(normalizeIp(ip));
    if (window === undefined || window.resetAt <= now || window.failures < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
  }

  recordFailure(ip: string | undefined): void {
    if (this.limit === 0 || ip === undefined) return;
    const now = this.now();
    this.sweep(now);
    const key = normalizeIp(ip);
    const window = this.windows.get(key);
    if (window === undefined || window.resetAt <= now) this.windows.set(key, { failures: 1, resetAt: now + this.windowMs });
    else window.failures++;
    // In the background: the failed request is answered 401 without waiting for Redis.
    if (this.store.enabled) void this.store.hit(key, this.windowMs, 1, 'auth_failures');
  }

  /** Forgets ended windows once per window length, so the map holds only recent offenders. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + this.windowMs;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
