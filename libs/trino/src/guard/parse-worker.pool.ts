import type { AnalysisOutcome } from './checked-statement.js';
import type { ParseTask, ParseWorkerMessage } from './sql-parse.worker.js';
import { TOO_COMPLEX_MESSAGE } from './statement-analysis.js';
import { assignJob, releaseJob, startWorkerSlot, type WorkerSlot } from './worker-thread.js';

export interface ParseWorkerPoolOptions {
  /** Workers checking statements at the same time. */
  size: number;
  /** Longest one statement may keep a worker busy; the worker is terminated when it overruns. */
  budgetMs: number;
  /** Heap cap per worker, so a statement cannot make the process run out of memory. */
  maxHeapMb?: number;
}

interface Job {
  task: ParseTask;
  resolve: (outcome: AnalysisOutcome) => void;
  reject: (error: Error) => void;
}

type Slot = WorkerSlot<Job>;

const TOO_COMPLEX: AnalysisOutcome = { ok: false, reason: 'syntax', message: TOO_COMPLEX_MESSAGE };

/**
 * Checks statements in worker threads, so a statement that is expensive to parse never holds the
 * event loop (/health, every other request). Workers start on first use or warmUp(), each loads
 * the grammar before it takes work, and a queue holds statements while all are busy. A statement
 * that keeps its worker busy beyond the budget is answered "too complex" and its worker is
 * terminated (the only way to stop a synchronous parse) and replaced by a fresh one.
 */
export class ParseWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(private readonly options: ParseWorkerPoolOptions) {}

  run(task: ParseTask): Promise<AnalysisOutcome> {
    if (this.closed) return Promise.reject(new Error('The SQL guard is shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts every worker, so the first statements do not wait for the grammar; resolves when all are ready. */
  async warmUp(): Promise<void> {
    while (!this.closed && this.slots.size < this.options.size) this.start();
    await Promise.all([...this.slots].map((slot) => slot.started));
  }

  /** Terminates every worker and refuses what is still queued. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('The SQL guard is shut down'));
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(slots.map((slot) => this.stop(slot, new Error('The SQL guard is shut down'))));
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.ready && !slot.job) this.assign(slot, this.queue.shift() as Job);
    }
    let starting = [...this.slots].filter((slot) => !slot.ready).length;
    while (this.queue.length > starting && this.slots.size < this.options.size) {
      this.start();
      starting += 1;
    }
  }

  private assign(slot: Slot, job: Job): void {
    assignJob(slot, job, job.task, this.options.budgetMs, () => this.overrun(slot));
  }

  private start(): void {
    // A worker that crashed (e.g. hit its heap cap) or exited is replaced; its statement is refused as too complex.
    const slot: Slot = startWorkerSlot<Job, Exclude<ParseWorkerMessage, { ready: true }>>(
      import.meta.url,
      'sql-parse.worker',
      this.options.maxHeapMb ?? 256,
      {
        message: (message) => {
          releaseJob(slot)?.resolve(message.outcome);
          this.dispatch();
        },
        ended: (error) => this.retire(slot, error),
      },
    );
    this.slots.add(slot);
    slot.started.then(
      () => this.dispatch(),
      () => undefined,
    );
  }

  private overrun(slot: Slot): void {
    void this.stop(slot, undefined);
    this.slots.delete(slot);
    this.dispatch();
    if (this.slots.size < this.options.size) this.start();
  }

  private retire(slot: Slot, error: Error | undefined): void {
    if (!this.slots.delete(slot)) return;
    if (!slot.ready) {
      // A worker that cannot even start would fail again: refuse what waits instead of respawning forever.
      const failure = new Error(`The SQL guard's parse worker failed to start: ${error?.message ?? 'it exited'}`);
      for (const job of this.queue.splice(0)) job.reject(failure);
      return;
    }
    releaseJob(slot)?.resolve(TOO_COMPLEX);
    this.dispatch();
  }

  /** Terminates a worker; its job (if any) is refused as too complex, or rejected with `error` on shutdown. */
  private async stop(slot: Slot, error: Error | undefined): Promise<void> {
    const job = releaseJob(slot);
    if (job) {
      if (error) job.reject(error);
      else job.resolve(TOO_COMPLEX);
    }
    await slot.worker.terminate();
  }
}
