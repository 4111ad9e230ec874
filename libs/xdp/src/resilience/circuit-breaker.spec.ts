import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  let now: number;
  const breaker = (threshold = 3) => new CircuitBreaker({ threshold, cooldownMs: 1000, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('stays closed below the threshold, and a success resets the count', () => {
    const subject = breaker();
    subject.recordFailure('HTTP 503');
    subject.recordFailure('HTTP 503');
    subject.recordSuccess();
    subject.recordFailure('HTTP 503');
    subject.recordFailure('HTTP 503');
    expect(subject.state).toBe('closed');
    expect(subject.admit()).toBe(true);
  });

  it('opens after threshold consecutive failures and rejects until the cooldown has passed', () => {
    const subject = breaker();
    for (let failure = 0; failure < 3; failure++) subject.recordFailure('connection refused');
    expect(subject.admit()).toBe(false);
    expect(subject.snapshot()).toEqual({ state: 'open', consecutiveFailures: 3, lastFailure: 'connection refused', retryInMs: 1000 });
    now = 999;
    expect(subject.admit()).toBe(false);
    expect(subject.snapshot().retryInMs).toBe(1);
  });

  it('admits exactly one probe when half-open; its success closes the breaker', () => {
    const subject = breaker(1);
    subject.recordFailure('timeout');
    now = 1000;
    expect(subject.admit()).toBe(true);
    expect(subject.state).toBe('half-open');
    expect(subject.admit()).toBe(false);
    subject.recordSuccess();
    expect(subject.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    expect(subject.admit()).toBe(true);
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    const subject = breaker(5);
    for (let failure = 0; failure < 5; failure++) subject.recordFailure('HTTP 502');
    now = 1500;
    expect(subject.admit()).toBe(true);
    subject.recordFailure('HTTP 502');
    expect(subject.state).toBe('open');
    now = 2499;
    expect(subject.admit()).toBe(false);
    now = 2500;
    expect(subject.admit()).toBe(true);
  });

  it('frees the probe slot when the probe ends without a verdict (cancelled)', () => {
    const subject = breaker(1);
    subject.recordFailure('timeout');
    now = 1000;
    expect(subject.admit()).toBe(true);
    subject.recordNeutral();
    expect(subject.state).toBe('half-open');
    expect(subject.admit()).toBe(true);
  });
});
