import fc from 'fast-check';
import { reconnectDelay, type BackoffPolicy } from './reconnect-backoff.js';

const policy: BackoffPolicy = { initialDelayMs: 5000, maxDelayMs: 30000 };
const highest = () => 1 - Number.EPSILON;
const lowest = () => 0;

describe('reconnectDelay', () => {
  it('starts at reconnectInterval and doubles the ceiling on each attempt until the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 10].map((attempt) => reconnectDelay(attempt, policy, highest));
    expect(ceilings).toEqual([5000, 10000, 20000, 30000, 30000, 30000, 30000]);
  });

  it('never goes below half of the ceiling, so every client backs off', () => {
    const floors = [1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, policy, lowest));
    expect(floors).toEqual([2500, 5000, 10000, 15000]);
  });

  it('stays within [ceiling / 2, ceiling] for any attempt, policy and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialDelayMs, extra, draw) => {
          const maxDelayMs = initialDelayMs + extra;
          const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
          const delay = reconnectDelay(attempt, { initialDelayMs, maxDelayMs }, () => draw);
          return Number.isInteger(delay) && delay >= Math.floor(ceiling / 2) && delay <= ceiling;
        },
      ),
    );
  });

  it('is not constant: different random draws give different delays (the jitter)', () => {
    expect(reconnectDelay(3, policy, () => 0.1)).not.toEqual(reconnectDelay(3, policy, () => 0.9));
  });

  it('rejects attempt numbers below 1', () => {
    expect(() => reconnectDelay(0, policy)).toThrow('attempt must be an integer >= 1, got 0');
  });
});
