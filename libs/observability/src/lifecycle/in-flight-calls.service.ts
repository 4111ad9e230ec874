import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { ToolError } from '#tool-contract';
import { MetricsService } from '../metrics/metrics.service.js';
import { LifecycleService } from './lifecycle.service.js';

/** Runs one admitted call; its signal fires when the caller cancels or the server gives up on it. */
export type TrackedWork<T> = (signal: AbortSignal) => Promise<T>;

interface ActiveCall {
  controller: AbortController;
  owner?: string;
  /** Settles the caller's promise at once when the drain deadline abandons the call. */
  abandon(reason: ToolError): void;
}

/**
 * Every running tool call, whatever the transport: the registry's call path runs handlers through
 * `run()`. This is where the global concurrency cap and the per-principal cap are enforced (excess
 * calls fail fast as `busy` instead of queueing; the per-principal cap keeps one caller from taking
 * every global slot), where calls are refused once draining starts, and where the drain waits for
 * calls to finish and aborts the ones still running at its deadline.
 */
@Injectable()
export class InFlightCalls {
  private readonly active = new Set<ActiveCall>();
  /** Running calls per owner (authenticated principal); owners with none are removed. */
  private readonly perOwner = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly lifecycle: LifecycleService,
    private readonly metrics: MetricsService,
  ) {}

  get count(): number {
    return this.active.size;
  }

  /** Calls `owner` runs now. */
  countFor(owner: string): number {
    return this.perOwner.get(owner) ?? 0;
  }

  /**
   * Admits and runs `work`, or rejects with ToolError `unavailable` (draining) or `busy` (at the
   * global cap, or at MAX_IN_FLIGHT_PER_PRINCIPAL for `owner`). Anonymous calls pass no owner:
   * without authentication there is no caller identity to share slots fairly between.
   * `caller` is the caller's signal, or a controller it lends: the drain deadline then aborts that
   * controller itself, so the caller must tell its own cancellations from the server's.
   */
  run<T>(caller: AbortSignal | AbortController, work: TrackedWork<T>, owner?: string): Promise<T> {
    if (!this.lifecycle.acceptingWork) {
      return Promise.reject(
        new ToolError('unavailable', 'The server is shutting down and takes no new tool calls; retry, another replica will answer'),
      );
    }
    const limit = this.config.limits.maxInFlightCalls;
    if (this.active.size >= limit) {
      this.metrics.toolCallsRefused.inc({ limit: 'global' });
      return Promise.reject(
        new ToolError('busy', `The server is busy: ${limit} tool calls are already running (MAX_IN_FLIGHT_CALLS); retry shortly`),
      );
    }
    const ownerLimit = this.config.limits.maxInFlightPerPrincipal;
    if (owner !== undefined && ownerLimit > 0 && this.countFor(owner) >= ownerLimit) {
      this.metrics.toolCallsRefused.inc({ limit: 'principal' });
      return Promise.reject(
        new ToolError(
          'busy',
          `Busy: you already run ${ownerLimit} tool calls at once (MAX_IN_FLIGHT_PER_PRINCIPAL); wait for one to finish`,
        ),
      );
    }
    // A caller that lends its own controller (the /ws fast path, which makes one per call anyway) gets
    // the server's aborts on it directly; only a bare signal needs a second controller linked to it.
    // Creating AbortSignals was 9 % of a trivial /ws call when each call had two.
    const lent = caller instanceof AbortController;
    const callerSignal = lent ? caller.signal : caller;
    const controller = lent ? caller : new AbortController();
    const forwardCancel = lent ? undefined : () => controller.abort(callerSignal.reason);
    if (forwardCancel) {
      if (callerSignal.aborted) forwardCancel();
      else callerSignal.addEventListener('abort', forwardCancel, { once: true });
    }

    const call: ActiveCall = { controller, owner, abandon: () => undefined };
    this.active.add(call);
    if (owner !== undefined) this.perOwner.set(owner, this.countFor(owner) + 1);
    this.metrics.toolCallsInFlight.inc();
    const settled = new Promise<T>((resolve, reject) => {
      call.abandon = reject;
      work(controller.signal).then(resolve, reject);
    });
    return settled.finally(() => {
      if (forwardCancel) callerSignal.removeEventListener('abort', forwardCancel);
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
    if (call.owner !== undefined) {
      const remaining = this.countFor(call.owner) - 1;
      if (remaining > 0) this.perOwner.set(call.owner, remaining);
      else this.perOwner.delete(call.owner);
    }
    this.metrics.toolCallsInFlight.dec();
    if (this.active.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
