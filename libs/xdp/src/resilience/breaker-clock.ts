import type { IBackoff } from 'cockatiel';

/** The clock, in ms, that the circuit breaker's cooldown reads. */
export type BreakerClock = () => number;

/** Optional provider of the breaker's clock: tests inject one and move time instead of waiting; Date.now otherwise. */
export const BREAKER_CLOCK = Symbol('BREAKER_CLOCK');

/**
 * cockatiel's `halfOpenAfter` for one breaker, with its cooldown measured on our clock. cockatiel
 * reads Date.now itself and admits a probe once `Date.now() - openedAt >= duration`, so this
 * reports a duration of 0 once our clock says the cooldown is over, and an endless one until
 * then. cockatiel calls `next` each time the breaker opens: that starts the cooldown.
 */
export class BreakerCooldown implements IBackoff<unknown> {
  private openedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: BreakerClock,
    private readonly cooldownMs: number,
  ) {}

  /** Time until the open breaker admits a probe. */
  remainingMs(): number {
    return Math.max(0, this.openedAt + this.cooldownMs - this.clock());
  }

  get duration(): number {
    return this.remainingMs() === 0 ? 0 : Number.POSITIVE_INFINITY;
  }

  next(): this {
    this.openedAt = this.clock();
    return this;
  }
}
