import { ToolError } from '#tool-contract';

/**
 * Joins the caller's cancellation and the query timeout into one signal, and remembers which
 * of the two fired so the caller gets the right error (cancelled vs timed out).
 */
export class QueryDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private cause: 'cancelled' | 'timeout' | undefined;

  constructor(
    callerSignal: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    const onCallerAbort = () => this.stop('cancelled');
    if (callerSignal.aborted) this.stop('cancelled');
    else callerSignal.addEventListener('abort', onCallerAbort, { once: true });
    this.timer = setTimeout(() => this.stop('timeout'), timeoutMs);
    this.timer.unref();
    this.dispose = () => {
      clearTimeout(this.timer);
      callerSignal.removeEventListener('abort', onCallerAbort);
    };
  }

  readonly dispose: () => void;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.cause !== undefined;
  }

  /** Why the signal fired, once it did: a wait that ran out of time is reported differently from a cancel. */
  get reason(): 'cancelled' | 'timeout' | undefined {
    return this.cause;
  }

  /** The error to report once the signal fired. */
  error(): ToolError {
    return this.cause === 'timeout'
      ? new ToolError('timeout', `Query exceeded the ${this.timeoutMs} ms time limit and was cancelled`)
      : new ToolError('cancelled', 'Query was cancelled by the caller');
  }

  /** Rejects with `error()` once the signal fires; race it against work that cannot be aborted itself. */
  whenStopped(): Promise<never> {
    return new Promise((_, reject) => {
      if (this.stopped) reject(this.error());
      else this.signal.addEventListener('abort', () => reject(this.error()), { once: true });
    });
  }

  private stop(cause: 'cancelled' | 'timeout'): void {
    if (this.cause) return;
    this.cause = cause;
    this.controller.abort(this.error());
  }
}
