import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  ConsecutiveBreaker,
  handleType,
  handleWhen,
  type IBackoff,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
} from 'cockatiel';
import { backoffDelayMs } from './retry-policy.js';

/** A failed attempt: the error the caller gets, and — when a later attempt can succeed — how long to wait first. */
export class AttemptFailure extends Error {
  constructor(
    readonly failure: Error,
    readonly retryInMs?: number,
  ) {
    super(failure.message);
  }
}

/** A failed attempt that says the upstream itself is unwell: the only kind the breaker counts. */
export class UpstreamUnhealthy extends AttemptFailure {
  constructor(
    failure: Error,
    /** Shown in the breaker's snapshot, e.g. `HTTP 503`. */
    readonly reason: string,
    retryInMs?: number,
  ) {
    super(failure, retryInMs);
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  lastFailure?: string;
  /** While open: time until a probe is admitted. */
  retryInMs?: number;
}

export interface UpstreamPolicyOptions {
  /** Attempts per idempotent call, the first included. */
  maxAttempts: number;
  /** First backoff step; each further step doubles (capped). */
  baseDelayMs: number;
  /** Consecutive unhealthy attempts that open the breaker, and how long it then stays open. No breaker when absent. */
  breaker?: { threshold: number; cooldownMs: number };
  /** Called when the breaker opens or closes, so the owner can log it once. */
  onBreakerChange?: (snapshot: BreakerSnapshot) => void;
  random?: () => number;
}

export interface RunOptions {
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Deadline of the whole call, retries included. */
  timeoutMs?: number;
  /** Only idempotent requests are retried. */
  idempotent: boolean;
  /** False for a health probe: it bypasses an open breaker, and its success closes it. */
  guarded: boolean;
  onRetry?: (failure: Error, delayMs: number, nextAttempt: number) => void;
  /** The errors the caller gets for the policy's own verdicts. */
  errors: {
    cancelled(): Error;
    timedOut(attempts: number): Error;
    /** Needed only with a breaker. */
    circuitOpen?(snapshot: BreakerSnapshot): Error;
  };
}

/** setTimeout's largest delay: a call without its own deadline is bounded by its caller's signal. */
const NO_DEADLINE_MS = 2 ** 31 - 1;

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * The one resilience policy for upstream HTTP calls (XDP and direct Trino), built from cockatiel:
 * a deadline over the whole call (aggressive timeout, so a caller is answered at the deadline
 * even mid-backoff), retries of idempotent requests with jittered exponential backoff or the
 * upstream's Retry-After, and a consecutive-failure circuit breaker fed only by failures that say
 * the upstream is unwell (UpstreamUnhealthy) — an answer refusing one caller's request keeps it
 * closed, and a cancellation does not count at all.
 *
 * Each attempt runs in two steps: `attempt` inside the breaker (it resolves for every answer the
 * upstream gave while healthy and throws UpstreamUnhealthy otherwise), then `settle` outside it,
 * which turns an answer into the result or an AttemptFailure.
 */
export class UpstreamPolicy {
  private readonly breaker?: CircuitBreakerPolicy;
  private readonly counter?: ConsecutiveBreaker;
  private readonly random: () => number;

  constructor(private readonly options: UpstreamPolicyOptions) {
    this.random = options.random ?? Math.random;
    if (options.breaker) {
      this.counter = new ConsecutiveBreaker(options.breaker.threshold);
      this.breaker = circuitBreaker(handleType(UpstreamUnhealthy), { halfOpenAfter: options.breaker.cooldownMs, breaker: this.counter });
      const report = () => options.onBreakerChange?.(this.snapshot());
      this.breaker.onBreak(report);
      this.breaker.onReset(report);
    }
  }

  /** The wait before retrying after failed attempt number `attempt` (backoffDelayMs: exponential, equal jitter). */
  backoffMs(attempt: number): number {
    return backoffDelayMs(attempt, this.options.baseDelayMs, this.random);
  }

  snapshot(): BreakerSnapshot {
    if (!this.breaker || !this.counter) return { state: 'closed', consecutiveFailures: 0 };
    const state = STATES[this.breaker.state];
    const consecutiveFailures = this.counter.state;
    const snapshot: BreakerSnapshot = { state, consecutiveFailures };
    const last = this.breaker.lastFailure;
    if ((state !== 'closed' || consecutiveFailures > 0) && last && 'error' in last && last.error instanceof UpstreamUnhealthy) snapshot.lastFailure = last.error.reason;
    const { ownState } = this.breaker.toJSON() as { ownState: { value: CircuitState; openedAt?: number } };
    if (ownState.value === CircuitState.Open && ownState.openedAt !== undefined) {
      snapshot.retryInMs = Math.max(0, ownState.openedAt + this.options.breaker!.cooldownMs - Date.now());
    }
    return snapshot;
  }

  /** Runs one call: attempts under the breaker, retries and the deadline; throws the caller's error. */
  async run<A, T>(attempt: (signal: AbortSignal, attemptNo: number) => Promise<A>, settle: (answer: A, attemptNo: number) => T, options: RunOptions): Promise<T> {
    if (options.signal?.aborted) throw options.errors.cancelled();
    const deadlineMs = options.timeoutMs ?? NO_DEADLINE_MS;
    const deadline = performance.now() + deadlineMs;
    let attempts = 0;
    let nextDelayMs = 0;
    const maxAttempts = options.idempotent && options.guarded ? this.options.maxAttempts : 1;
    const mayRetry = (error: unknown): boolean => {
      if (!(error instanceof AttemptFailure) || error.retryInMs === undefined || attempts >= maxAttempts) return false;
      // A wait the deadline would cut short only delays the precise error; give it now.
      if (error.retryInMs >= deadline - performance.now()) return false;
      nextDelayMs = error.retryInMs;
      options.onRetry?.(error.failure, nextDelayMs, attempts + 1);
      return true;
    };
    const backoff: IBackoff<unknown> = {
      get duration() {
        return nextDelayMs;
      },
      next: () => backoff,
    };
    const retrying = retry(handleWhen(mayRetry), { maxAttempts: maxAttempts - 1, backoff }).dangerouslyUnref();
    const deadlined = timeout(deadlineMs, TimeoutStrategy.Aggressive).dangerouslyUnref();
    try {
      return await deadlined.execute(({ signal }) =>
        retrying.execute(async () => {
          attempts += 1;
          if (signal.aborted) throw options.signal?.aborted ? options.errors.cancelled() : options.errors.timedOut(attempts - 1);
          return settle(await this.guard(options.guarded, () => attempt(signal, attempts)), attempts);
        }, signal),
      options.signal);
    } catch (error) {
      if (error instanceof TaskCancelledError) throw options.signal?.aborted ? options.errors.cancelled() : options.errors.timedOut(attempts);
      if (error instanceof BrokenCircuitError && options.errors.circuitOpen) throw options.errors.circuitOpen(this.snapshot());
      if (error instanceof AttemptFailure) throw error.failure;
      throw error;
    }
  }

  /** Passes the attempt through the breaker; a probe goes around an open one and closes it by succeeding. */
  private async guard<A>(guarded: boolean, attempt: () => Promise<A>): Promise<A> {
    if (!this.breaker) return attempt();
    if (guarded || this.breaker.state === CircuitState.Closed) return this.breaker.execute(attempt);
    const answer = await attempt();
    this.counter!.success();
    this.breaker.isolate().dispose(); // releasing an isolation is cockatiel's way to close a breaker from outside
    return answer;
  }
}
