import { ToolError } from '#tool-contract';
import { assignJob, releaseJob, startWorkerSlot, type WorkerSlot } from '../guard/worker-thread.js';
import type { TranslateTask, TranslateWorkerMessage } from './trino-translate.worker.js';

export interface TrinoTranslatorOptions {
  /** Longest one statement may keep the worker busy; the worker is then terminated and replaced (default 2000 ms). */
  budgetMs?: number;
  /** Heap cap of the worker (the WASM memory is outside it), so one statement cannot exhaust the process. */
  maxHeapMb?: number;
  /** How long the worker may sit without a statement before it is terminated, giving back its memory (default 5 min). */
  idleMs?: number;
  /** Schedules the idle retirement; returns its cancel. Tests pass one they fire themselves. */
  schedule?: Schedule;
}

/** Runs `callback` after `ms` unless the returned cancel is called first. */
export type Schedule = (callback: () => void, ms: number) => () => void;

/** A timer that never keeps the process alive. */
const timerSchedule: Schedule = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

interface Job {
  sql: string;
  resolve: (sql: string) => void;
  reject: (error: Error) => void;
}

/** Its `started` settles when the worker has loaded and warmed the transpiler, or failed before. */
type Slot = WorkerSlot<Job>;

/** A normal statement takes about a millisecond once warm; two seconds means a pathological one, even on a loaded CPU. */
const DEFAULT_BUDGET_MS = 2000;
/** The worker holds 70-120 MB while alive; a model's session sends statements seconds apart, not minutes. */
const DEFAULT_IDLE_MS = 5 * 60_000;
/** Models repeat statements (retries, paging, refinements); a hit skips the round trip to the worker. */
const RECENT_LIMIT = 256;
const CACHED_SQL_MAX_CHARS = 8192;

const shutDown = () => new ToolError('unavailable', 'The Trino-to-DuckDB translator is shut down');

/**
 * Translates Trino SQL for the local engine in ONE dedicated worker thread: the WASM transpiler runs
 * synchronously, for hundreds of milliseconds the first time a code path runs, and must never hold
 * the event loop (/health, every other request). The worker starts on the first statement or
 * warmUp() (never at server startup), loads and warms the transpiler before it takes work, and
 * translates one statement at a time. A statement that overruns the budget is refused and its
 * worker terminated (the only way to stop synchronous WASM) and replaced. Recent translations are
 * cached here, on the main thread.
 */
export class TrinoTranslator {
  private slot?: Slot;
  private readonly queue: Job[] = [];
  private readonly recent = new Map<string, string>();
  private readonly budgetMs: number;
  private closed = false;
  private cancelIdle?: () => void;

  constructor(private readonly options: TrinoTranslatorOptions = {}) {
    this.budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  }

  /** Whether a worker thread is running (or starting): none until the first statement, none after an idle period. */
  get running(): boolean {
    return this.slot !== undefined;
  }

  async translate(sql: string): Promise<string> {
    const cached = this.recent.get(sql);
    if (cached !== undefined) return cached;
    if (this.closed) throw shutDown();
    const translated = await new Promise<string>((resolve, reject) => {
      this.queue.push({ sql, resolve, reject });
      this.dispatch();
    });
    if (sql.length <= CACHED_SQL_MAX_CHARS) this.remember(sql, translated);
    return translated;
  }

  /** Starts the worker (loading and warming the transpiler); resolves when it is ready to translate. */
  async warmUp(): Promise<void> {
    if (this.closed) return;
    try {
      await (this.slot ?? this.start()).started;
    } catch (error) {
      // Closing terminates a worker that may still be starting; that is not a failure to report.
      if (!this.closed) throw error;
    }
  }

  /** Terminates the worker; statements waiting or being translated are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.disarmIdleRetirement();
    for (const job of this.queue.splice(0)) job.reject(shutDown());
    const slot = this.slot;
    this.slot = undefined;
    if (slot) await this.stop(slot, shutDown());
  }

  private dispatch(): void {
    if (this.closed) return;
    if (this.queue.length === 0) {
      this.armIdleRetirement();
      return;
    }
    this.disarmIdleRetirement();
    const slot = this.slot ?? this.start();
    if (slot.ready && !slot.job) this.assign(slot, this.queue.shift() as Job);
  }

  /**
   * A ready worker with nothing to do is terminated after the idle period: the transpiler's WASM
   * memory is only given back when its thread ends, and the next statement starts a fresh worker.
   */
  private armIdleRetirement(): void {
    const slot = this.slot;
    if (!slot?.ready || slot.job || this.cancelIdle) return;
    const schedule = this.options.schedule ?? timerSchedule;
    this.cancelIdle = schedule(() => {
      this.cancelIdle = undefined;
      if (this.slot !== slot || slot.job || this.queue.length > 0) return;
      this.slot = undefined;
      void slot.worker.terminate();
    }, this.options.idleMs ?? DEFAULT_IDLE_MS);
  }

  private disarmIdleRetirement(): void {
    this.cancelIdle?.();
    this.cancelIdle = undefined;
  }

  private assign(slot: Slot, job: Job): void {
    assignJob(slot, job, { sql: job.sql } satisfies TranslateTask, this.budgetMs, () => this.overrun(slot));
  }

  private start(): Slot {
    const slot: Slot = startWorkerSlot<Job, Exclude<TranslateWorkerMessage, { ready: true }>>(
      import.meta.url,
      'trino-translate.worker',
      this.options.maxHeapMb ?? 256,
      {
        message: (message) => {
          if ('failed' in message) {
            const error = new ToolError('unavailable', `The Trino-to-DuckDB translator could not load: ${message.failed}`);
            slot.failStart(error);
            this.retire(slot, error);
            void slot.worker.terminate();
          } else {
            const job = releaseJob(slot);
            if ('sql' in message) job?.resolve(message.sql);
            else job?.reject(new ToolError(message.error.kind, message.error.message));
          }
          this.dispatch();
        },
        ended: (error) => this.retire(slot, error),
      },
    );
    this.slot = slot;
    slot.started.then(
      () => this.dispatch(),
      () => undefined,
    );
    return slot;
  }

  /**
   * The statement is refused and the worker replaced at once, so the next statement finds a warm one.
   * A limit, not a mistake in the statement: Trino would have run it, so it is `too_large` (413).
   */
  private overrun(slot: Slot): void {
    const job = releaseJob(slot);
    job?.reject(
      new ToolError(
        'too_large',
        `Statement too large for the local engine: translating it took longer than the ${this.budgetMs} ms translation limit; it was refused. Simplify or split the statement.`,
      ),
    );
    if (this.slot === slot) this.slot = undefined;
    void slot.worker.terminate();
    if (!this.closed) this.start();
    this.dispatch();
  }

  /** A worker that crashed (e.g. hit its heap cap) or exited: its statement is refused; a worker that never started fails what waits. */
  private retire(slot: Slot, error: Error | undefined): void {
    if (this.slot !== slot) return;
    this.slot = undefined;
    const job = releaseJob(slot);
    if (!slot.ready) {
      // A worker that cannot even start would fail again: refuse what waits instead of respawning in a loop.
      const failure =
        error instanceof ToolError
          ? error
          : new ToolError('unavailable', `The Trino-to-DuckDB translator failed to start: ${error?.message ?? 'it exited'}`);
      for (const waiting of this.queue.splice(0)) waiting.reject(failure);
      return;
    }
    job?.reject(
      new ToolError(
        'invalid_arguments',
        `Translating this statement for the local engine failed (${error?.message ?? 'the worker exited'}); it was refused.`,
      ),
    );
    this.dispatch();
  }

  private async stop(slot: Slot, error: Error): Promise<void> {
    releaseJob(slot)?.reject(error);
    await slot.worker.terminate();
  }

  private remember(sql: string, translated: string): void {
    if (this.recent.size >= RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(sql, translated);
  }
}
