import { loadAppConfig } from '#config';
import { ToolError } from '#tool-contract';
import { MetricsService } from '../metrics/metrics.service.js';
import { InFlightCalls } from './in-flight-calls.service.js';
import { LifecycleService } from './lifecycle.service.js';

function tracker(env: Record<string, string> = {}) {
  const lifecycle = new LifecycleService();
  lifecycle.markReady();
  return { lifecycle, calls: new InFlightCalls(loadAppConfig(env), lifecycle, new MetricsService()) };
}

/** A handler that stays pending until released, recording the signal it was given. */
function pendingWork() {
  let release!: (value: string) => void;
  let seenSignal: AbortSignal | undefined;
  const work = (signal: AbortSignal) => {
    seenSignal = signal;
    return new Promise<string>((resolve) => (release = resolve));
  };
  return { work, release: (value: string) => release(value), signal: () => seenSignal! };
}

describe('InFlightCalls', () => {
  it('counts running calls and releases them when they settle', async () => {
    const { calls } = tracker();
    const first = pendingWork();
    const running = calls.run(new AbortController().signal, first.work);
    expect(calls.count).toBe(1);
    first.release('done');
    await expect(running).resolves.toBe('done');
    expect(calls.count).toBe(0);
  });

  it('answers busy at MAX_IN_FLIGHT_CALLS instead of queueing', async () => {
    const { calls } = tracker({ MAX_IN_FLIGHT_CALLS: '2' });
    const held = [pendingWork(), pendingWork()];
    const running = held.map((call) => calls.run(new AbortController().signal, call.work));
    const refused = calls.run(new AbortController().signal, pendingWork().work);
    await expect(refused).rejects.toMatchObject({ kind: 'busy', message: expect.stringContaining('MAX_IN_FLIGHT_CALLS') });
    held.forEach((call) => call.release('ok'));
    await Promise.all(running);
    await expect(calls.run(new AbortController().signal, async () => 'admitted again')).resolves.toBe('admitted again');
  });

  it('caps each principal at MAX_IN_FLIGHT_PER_PRINCIPAL while others still get slots, and counts the refusals', async () => {
    const { calls } = tracker({ MAX_IN_FLIGHT_CALLS: '10', MAX_IN_FLIGHT_PER_PRINCIPAL: '2' });
    const refusals = () =>
      new MetricsService().toolCallsRefused
        .get()
        .then((metric) => metric.values.find((value) => value.labels.limit === 'principal')?.value ?? 0);
    const before = await refusals();
    const held = [pendingWork(), pendingWork()];
    const running = held.map((call) => calls.run(new AbortController().signal, call.work, 'alice'));
    await expect(calls.run(new AbortController().signal, pendingWork().work, 'alice')).rejects.toMatchObject({
      kind: 'busy',
      message: expect.stringContaining('MAX_IN_FLIGHT_PER_PRINCIPAL'),
    });
    expect(await refusals()).toBe(before + 1);
    await expect(calls.run(new AbortController().signal, async () => 'bob runs', 'bob')).resolves.toBe('bob runs');
    // Anonymous calls have no owner: only the global cap applies.
    await expect(calls.run(new AbortController().signal, async () => 'anonymous runs')).resolves.toBe('anonymous runs');
    held[0].release('ok');
    await running[0];
    expect(calls.countFor('alice')).toBe(1);
    await expect(calls.run(new AbortController().signal, async () => 'alice again', 'alice')).resolves.toBe('alice again');
    held[1].release('ok');
    await running[1];
    expect(calls.countFor('alice')).toBe(0);
  });

  it('refuses new calls as unavailable once draining', async () => {
    const { calls, lifecycle } = tracker();
    lifecycle.beginDrain();
    await expect(calls.run(new AbortController().signal, async () => 'never')).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('forwards the caller cancelling to the handler signal', async () => {
    const { calls } = tracker();
    const caller = new AbortController();
    const call = pendingWork();
    const running = calls.run(caller.signal, call.work);
    caller.abort(new Error('client went away'));
    expect(call.signal().aborted).toBe(true);
    call.release('late');
    await running;
  });

  it('waitUntilIdle resolves true when the last call ends and false when it is still running at the timeout', async () => {
    const { calls } = tracker();
    const call = pendingWork();
    const running = calls.run(new AbortController().signal, call.work);
    await expect(calls.waitUntilIdle(1)).resolves.toBe(false);
    const idle = calls.waitUntilIdle(60_000);
    call.release('done');
    await running;
    await expect(idle).resolves.toBe(true);
  });

  it('abortAll fires every handler signal and answers the callers with the reason even if a handler ignores it', async () => {
    const { calls } = tracker();
    const stubborn = pendingWork();
    const running = calls.run(new AbortController().signal, stubborn.work);
    const reason = new ToolError('unavailable', 'shut down before the call finished');
    expect(calls.abortAll(reason)).toBe(1);
    expect(stubborn.signal().reason).toBe(reason);
    await expect(running).rejects.toBe(reason);
    expect(calls.count).toBe(0);
  });

  it("runs a lent controller's own signal, so a caller cancelling reaches the handler with no second controller", async () => {
    const { calls } = tracker();
    const lent = new AbortController();
    const call = pendingWork();
    const running = calls.run(lent, call.work);
    expect(call.signal()).toBe(lent.signal);
    lent.abort('cancelled by the client');
    expect(call.signal().reason).toBe('cancelled by the client');
    call.release('late');
    await expect(running).resolves.toBe('late');
    expect(calls.count).toBe(0);
  });

  it('abortAll aborts a lent controller with the reason and answers its caller at once', async () => {
    const { calls } = tracker();
    const lent = new AbortController();
    const stubborn = pendingWork();
    const running = calls.run(lent, stubborn.work);
    const reason = new ToolError('unavailable', 'shut down before the call finished');
    expect(calls.abortAll(reason)).toBe(1);
    expect(lent.signal.reason).toBe(reason);
    await expect(running).rejects.toBe(reason);
    expect(calls.count).toBe(0);
  });
});
