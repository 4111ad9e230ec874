export interface BackoffPolicy {
  /** Upper bound of the first delay (the `reconnectInterval` option). */
  initialDelayMs: number;
  /** No delay ever exceeds this (the `maxReconnectInterval` option). */
  maxDelayMs: number;
}

/**
 * Delay before reconnect attempt `attempt` (1-based): the ceiling doubles from `initialDelayMs`
 * up to `maxDelayMs`, and the delay is drawn from the upper half of it ("equal jitter"). The jitter
 * spreads out the many clients a pod restart disconnects at the same instant; keeping the lower
 * half out guarantees each client still backs off.
 *
 * @param random a number in [0, 1), Math.random by default
 */
export function reconnectDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
