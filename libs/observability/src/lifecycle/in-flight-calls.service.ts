import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { ToolError } from '#tool-contract';
import { MetricsService } from '../metrics/metrics.service.js';
import { LifecycleService } from './lifecycle.service.js';

/** Runs one admitted call; its signal fires when the caller cancels or the server gives up on it. */
export type TrackedWork<T> = (signal: AbortSignal) => Promise<T>;

interface ActiveCall {
  controller: AbortController;
  /** Settles the caller's promise at once when the drain deadline abandons the call. */
  abandon(reason: ToolError): void;
}

/**
 * Every running tool call, whatever the transport: the registry's call path runs handlers through
 * `run()`. This is where the global concurrency cap is enforced (excess calls fail fast as `busy`
 * instead of queueing), where calls are refused once draining starts, and where the drain waits
 * for calls to finish and aborts the ones still running at its deadline.
 */
@Injectable()
export class InFlightCalls {
  private readonly active = new Set<ActiveCall>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly lifecycle: LifecycleService,
    private readonly metrics: MetricsService,
  ) {}

  get count(): number {
    return this.active.size;
  }

  /** Admits and runs `work`, or rejects with ToolError `unavailable` (draining) or `busy` (at the cap). */
  run<T>(callerSignal: AbortSignal, work: TrackedWork<T>): Promise<T> {
    if (!this.lifecycle.acceptingWork) {
      return Promise.reject(new ToolError('unavailable', 'The server is shutting down and takes no new tool calls; retry, another replica will answer'));
    }
    const limit = this.config.limits.maxInFlightCalls;
    if (this.active.size >= limit) {
      return Promise.reject(new ToolError('busy', `The server is busy: ${limit} tool calls are already running (MAX_IN_FLIGHT_CALLS); retry shortly`));
    }
    const controller = new AbortController();
    const forwardCancel = () => controller.abort(callerSignal.reason);
    if (callerSignal.aborted) forwardCancel();
    else callerSignal.addEventListener('abort', forwardCancel, { once: true });

    const call: ActiveCall = { controller, abandon: () => undefined };
    this.active.add(call);
    this.metrics.toolCallsInFlight.inc();
    const settled = new Promise<T>((resolve, reject) => {
      call.abandon = reject;
      work(controller.signal).then(resolve, reject);
    });
    return settled.finally(() => {
      callerSignal.removeEventListener('abort', forwardCancel);
      this.release(call);
    });
  }

  /** Resolves true once no call is running, or false when `timeoutMs` passes first. */
  waitUntilIdle(timeoutMs: number): Promise<boolean> {
    if (this.active.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  /**
   * Aborts every running call (handlers see their signal fire, so upstream queries are cancelled)
   * and answers each caller with `reason` right away, even if a handler ignores its signal.
   */
  abortAll(reason: ToolError): number {
    const calls = [...this.active];
    for (const call of calls) {
      call.controller.abort(reason);
      call.abandon(reason);
    }
    return calls.length;
  }

  private release(call: ActiveCall): void {
    this.active.delete(call);
    this.metrics.toolCallsInFlight.dec();
    if (this.active.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
