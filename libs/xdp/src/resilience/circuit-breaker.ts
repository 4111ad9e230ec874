export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  threshold: number;
  /** Time an open breaker rejects requests before admitting one probe. */
  cooldownMs: number;
  /** Injectable clock, so the state machine is tested without waiting. */
  now?: () => number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  lastFailure?: string;
  /** While open: time until a probe is admitted. */
  retryInMs?: number;
}

/**
 * Consecutive-failure circuit breaker. Closed: everything passes. After `threshold` failures in
 * a row it opens and rejects at once, so a dead upstream costs callers nothing and is not
 * flooded. After the cooldown one probe passes (half-open); its success closes the breaker, its
 * failure re-opens it for another cooldown.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private lastFailure?: string;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** True when a request may go out now. In half-open state only the first caller is the probe. */
  admit(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.current = 'half-open';
    }
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.current = 'closed';
    this.failures = 0;
    this.probeInFlight = false;
    this.lastFailure = undefined;
  }

  recordFailure(reason: string): void {
    this.failures += 1;
    this.lastFailure = reason;
    this.probeInFlight = false;
    if (this.current === 'half-open' || this.failures >= this.options.threshold) {
      this.current = 'open';
      this.openedAt = this.now();
    }
  }

  /** The admitted request ended without telling anything about the upstream (e.g. the caller cancelled). */
  recordNeutral(): void {
    this.probeInFlight = false;
  }

  snapshot(): BreakerSnapshot {
    const snapshot: BreakerSnapshot = { state: this.current, consecutiveFailures: this.failures };
    if (this.lastFailure !== undefined) snapshot.lastFailure = this.lastFailure;
    if (this.current === 'open') snapshot.retryInMs = Math.max(0, this.options.cooldownMs - (this.now() - this.openedAt));
    return snapshot;
  }
}
