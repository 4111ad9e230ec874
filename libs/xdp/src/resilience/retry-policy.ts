/** Statuses that say "try again later" rather than "this request is wrong". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** A `Retry-After` longer than this is not waited for: the caller gets `rate_limited` at once. */
export const RETRY_AFTER_CAP_MS = 10_000;

/** Ceiling of one exponential backoff step. */
const MAX_BACKOFF_MS = 5_000;

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries from
 * many pods spread out without any of them retrying immediately. `attempt` counts from 1.
 */
export function backoffDelayMs(attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date always names its day and month; this keeps `-5` from parsing as a year.
  const date = /[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
