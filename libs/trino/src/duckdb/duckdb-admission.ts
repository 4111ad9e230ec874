import { ToolError } from '#tool-contract';
import type { QueryDeadline } from '../engine/query-deadline.js';

export interface AdmissionLimits {
  /** Queries DuckDB runs at once. */
  maxConcurrent: number;
  /** Queries allowed to wait for a slot; one more is refused at once. */
  maxQueued: number;
}

interface Waiter {
  admit: () => void;
  refuse: (error: ToolError) => void;
}

/**
 * Admission control for the embedded engine. Every running DuckDB call holds one libuv worker
 * thread (and DuckDB's cores) until it returns, so unbounded concurrency starves everyone else:
 * queries beyond the limit wait in a bounded FIFO queue, and a caller that cannot get a slot
 * (queue full, or its deadline passes while waiting) gets a clear `busy` answer instead.
 * A slot is held until DuckDB itself lets go of the query, not merely until the caller gave up.
 */
export class DuckDbAdmission {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private closedWith?: ToolError;

  constructor(private readonly limits: AdmissionLimits) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves with a release function once a slot is free; rejects `busy`, or with the deadline's own error on cancel. */
  acquire(deadline: QueryDeadline): Promise<() => void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (deadline.stopped) return Promise.reject(deadline.error());
    if (this.running < this.limits.maxConcurrent) return Promise.resolve(this.grant());
    if (this.queue.length >= this.limits.maxQueued) {
      return Promise.reject(
        new ToolError(
          'busy',
          `The embedded DuckDB engine is busy: ${this.running} queries running and ${this.queue.length} waiting (limit ${this.limits.maxConcurrent} + ${this.limits.maxQueued}); retry later`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const onStop = () => {
        this.remove(waiter);
        reject(
          deadline.reason === 'timeout'
            ? new ToolError(
                'busy',
                `The embedded DuckDB engine stayed busy (${this.running} queries running) for the whole query time limit; retry later`,
              )
            : deadline.error(),
        );
      };
      const waiter: Waiter = {
        admit: () => {
          deadline.signal.removeEventListener('abort', onStop);
          resolve(this.grant());
        },
        refuse: (error) => {
          deadline.signal.removeEventListener('abort', onStop);
          reject(error);
        },
      };
      deadline.signal.addEventListener('abort', onStop, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Refuses every waiting and future query (shutdown); running ones keep their slots until they end. */
  close(error: ToolError): void {
    this.closedWith = error;
    for (const waiter of this.queue.splice(0)) waiter.refuse(error);
  }

  private grant(): () => void {
    this.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.queue.shift()?.admit();
    };
  }

  private remove(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
  }
}
