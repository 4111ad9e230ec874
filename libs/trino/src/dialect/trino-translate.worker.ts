import { setFlagsFromString } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from '../guard/worker-thread.js';
import { TranslationError, translateTrinoToDuckDb, warmUpTrinoTranslator } from './trino-to-duckdb.translator.js';

/** A statement to translate, as TrinoTranslator posts it. */
export interface TranslateTask {
  sql: string;
}

/** A refusal, as plain data (errors do not keep their class across threads). */
export interface TranslateFailure {
  kind: 'invalid_arguments' | 'unavailable' | 'internal';
  message: string;
}

/** What the worker posts: once `ready` (transpiler loaded and warm) or `failed` to load, then one answer per task, in order. */
export type TranslateWorkerMessage = { ready: true } | { failed: string } | { sql: string } | { error: TranslateFailure };

/** Same as the parse workers: the event loop wins the CPU when both want it. */
const TRANSLATE_WORKER_NICENESS = 5;

// The translation worker: the WASM transpiler runs synchronously and takes 100-400 ms the first
// time each code path runs, so it must never run on the event loop. TrinoTranslator terminates
// this worker when one statement overruns its budget.
const port = parentPort;
if (port) {
  lowerThreadPriority(TRANSLATE_WORKER_NICENESS);
  // The transpiler is a 22 MB WASM module. V8's default tiering recompiles it in the background with
  // its optimising compiler, which grew the process by 170-230 MB that terminating the worker did not
  // give back (measured on Node 20); baseline code alone keeps the worker near 75 MB and translates a
  // typical statement in 4-6 ms. Set before the module is compiled. The flag is process-wide, and
  // nothing else in the server runs WASM.
  setFlagsFromString('--liftoff-only');
  try {
    // Loading and warming happen before any statement, so no statement's budget pays for them.
    await warmUpTrinoTranslator();
    port.on('message', (task: TranslateTask) => {
      void translateTrinoToDuckDb(task.sql).then(
        (sql) => port.postMessage({ sql } satisfies TranslateWorkerMessage),
        (error: unknown) => port.postMessage({ error: failure(error) } satisfies TranslateWorkerMessage),
      );
    });
    // Announced from the next turn of the event loop: after the module finishes evaluating, a worker
    // started through module hooks (under Jest) stays busy for seconds, and that must count as
    // start-up, not against the first statement's budget.
    setTimeout(() => port.postMessage({ ready: true } satisfies TranslateWorkerMessage), 0);
  } catch (error) {
    port.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies TranslateWorkerMessage);
  }
}

function failure(error: unknown): TranslateFailure {
  if (error instanceof TranslationError) return { kind: error.kind, message: error.message };
  // Anything else is a defect in the translator, not in the caller's SQL.
  return { kind: 'internal', message: `The Trino-to-DuckDB translator failed: ${error instanceof Error ? error.message : String(error)}` };
}
