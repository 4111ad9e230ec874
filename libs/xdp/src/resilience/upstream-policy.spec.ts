import { AttemptFailure, type BreakerSnapshot, type RunOptions, UpstreamPolicy, UpstreamUnhealthy } from './upstream-policy.js';

class Cancelled extends Error {}
class TimedOut extends Error {
  constructor(readonly attempts: number) {
    super(`timed out after ${attempts}`);
  }
}
class Open extends Error {
  constructor(readonly snapshot: BreakerSnapshot) {
    super('open');
  }
}

const errors: RunOptions['errors'] = {
  cancelled: () => new Cancelled(),
  timedOut: (attempts) => new TimedOut(attempts),
  circuitOpen: (snapshot) => new Open(snapshot),
};
const GET: RunOptions = { idempotent: true, guarded: true, errors };

/** The breaker's injected clock: the tests move it instead of waiting. */
let now = 0;

function policy(breaker = { threshold: 2, cooldownMs: 1000 }, maxAttempts = 1): UpstreamPolicy {
  return new UpstreamPolicy({ maxAttempts, baseDelayMs: 1, breaker, random: () => 0, now: () => now });
}

const unhealthy = () => Promise.reject(new UpstreamUnhealthy(new Error('XDP failed with HTTP 503'), 'HTTP 503'));
const answered = (value: string) => () => Promise.resolve(value);
const asIs = (value: string) => value;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('UpstreamPolicy', () => {
  beforeEach(() => {
    now = 0;
  });

  describe('circuit breaker', () => {
    it('opens on consecutive unhealthy attempts, fails fast without calling the upstream, and closes after a good probe', async () => {
      const subject = policy();
      await expect(subject.run(unhealthy, asIs, GET)).rejects.toThrow('HTTP 503');
      await expect(subject.run(unhealthy, asIs, GET)).rejects.toThrow('HTTP 503');
      const attempt = jest.fn(answered('ok'));
      const fast = await rejection(subject.run(attempt, asIs, GET));
      expect(fast).toBeInstanceOf(Open);
      expect((fast as Open).snapshot).toEqual({ state: 'open', consecutiveFailures: 2, lastFailure: 'HTTP 503', retryInMs: 1000 });
      expect(attempt).not.toHaveBeenCalled();

      now = 999;
      await expect(subject.run(attempt, asIs, GET)).rejects.toBeInstanceOf(Open);
      now = 1000;
      await expect(subject.run(attempt, asIs, GET)).resolves.toBe('ok');
      expect(subject.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    });

    it('re-opens for a full cooldown when the probe fails', async () => {
      const subject = policy({ threshold: 1, cooldownMs: 1000 });
      await rejection(subject.run(unhealthy, asIs, GET));
      now = 1500;
      await expect(subject.run(unhealthy, asIs, GET)).rejects.toThrow('HTTP 503');
      expect(subject.snapshot()).toMatchObject({ state: 'open', retryInMs: 1000 });
    });

    it('stays closed however often the upstream answers and refuses a request (a user error is no outage)', async () => {
      const subject = policy({ threshold: 1, cooldownMs: 1000 });
      const refuse = () => {
        throw new AttemptFailure(new Error('query failed: column x cannot be resolved'));
      };
      for (let call = 0; call < 5; call++)
        await expect(subject.run(answered('HTTP 500 with a query error'), refuse, GET)).rejects.toThrow('query failed');
      expect(subject.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    });

    it('does not count a failure the attempt marks as neutral (a cancellation, an oversized answer)', async () => {
      const subject = policy({ threshold: 1, cooldownMs: 1000 });
      await expect(subject.run(() => Promise.reject(new AttemptFailure(new Error('too large'))), asIs, GET)).rejects.toThrow('too large');
      expect(subject.snapshot().state).toBe('closed');
    });

    it('lets an unguarded probe through an open breaker and closes it when the probe succeeds', async () => {
      const subject = policy({ threshold: 1, cooldownMs: 600_000 });
      await rejection(subject.run(unhealthy, asIs, GET));
      await expect(subject.run(answered('alive'), asIs, { ...GET, guarded: false })).resolves.toBe('alive');
      expect(subject.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
      await expect(subject.run(answered('ok'), asIs, GET)).resolves.toBe('ok');
    });
  });

  describe('retries and deadline', () => {
    it('retries an idempotent call while the failure names a wait, up to maxAttempts', async () => {
      const subject = policy(undefined, 3);
      const attempt = jest.fn((_signal: AbortSignal, attemptNo: number) =>
        Promise.reject(new AttemptFailure(new Error(`failed ${attemptNo}`), 0)),
      );
      await expect(subject.run(attempt, asIs, GET)).rejects.toThrow('failed 3');
      expect(attempt).toHaveBeenCalledTimes(3);
    });

    it('retries neither a non-idempotent call nor a failure without a wait', async () => {
      const subject = policy(undefined, 3);
      const transient = jest.fn(() => Promise.reject(new AttemptFailure(new Error('503'), 0)));
      await expect(subject.run(transient, asIs, { ...GET, idempotent: false })).rejects.toThrow('503');
      const permanent = jest.fn(() => Promise.reject(new AttemptFailure(new Error('401'))));
      await expect(subject.run(permanent, asIs, GET)).rejects.toThrow('401');
      expect([transient.mock.calls.length, permanent.mock.calls.length]).toEqual([1, 1]);
    });

    it('gives the precise error at once when the wait asked for would pass the deadline', async () => {
      const subject = policy(undefined, 3);
      const rateLimited = jest.fn(() => Promise.reject(new AttemptFailure(new Error('429, retry after 30 s'), 30_000)));
      await expect(subject.run(rateLimited, asIs, { ...GET, timeoutMs: 10_000 })).rejects.toThrow('429, retry after 30 s');
      expect(rateLimited).toHaveBeenCalledTimes(1);
    });

    it('answers at the deadline with the timeout error and aborts the attempt', async () => {
      const subject = policy(undefined, 1);
      let attemptSignal: AbortSignal | undefined;
      const hang = (signal: AbortSignal) => {
        attemptSignal = signal;
        return new Promise<string>(() => undefined);
      };
      await expect(subject.run(hang, asIs, { ...GET, timeoutMs: 5 })).rejects.toBeInstanceOf(TimedOut);
      expect(attemptSignal?.aborted).toBe(true);
    });

    it("answers the caller's cancellation with the cancelled error, also during a backoff wait", async () => {
      const subject = policy(undefined, 3);
      const controller = new AbortController();
      const failOnce = () => {
        queueMicrotask(() => controller.abort());
        return Promise.reject(new AttemptFailure(new Error('503'), 60_000));
      };
      await expect(subject.run(failOnce, asIs, { ...GET, signal: controller.signal })).rejects.toBeInstanceOf(Cancelled);
      await expect(subject.run(answered('never'), asIs, { ...GET, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    });
  });
});
