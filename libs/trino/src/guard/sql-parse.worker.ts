import { parentPort } from 'node:worker_threads';
import type { AnalysisContext, AnalysisOutcome, AnalysisPolicy } from './checked-statement.js';
import { analyzeStatement } from './statement-analysis.js';
import { loadTrinoGrammar } from './trino-grammar.js';
import { lowerThreadPriority } from './worker-thread.js';

/** A statement to check, as the pool posts it. */
export interface ParseTask {
  sql: string;
  policy: AnalysisPolicy;
  context: AnalysisContext;
}

/** What a parse worker posts: once `ready` (grammar loaded), then one outcome per task, in order. */
export type ParseWorkerMessage = { ready: true } | { outcome: AnalysisOutcome };

const WARM_UP_STATEMENT =
  "WITH w AS (SELECT a, count(*) AS n FROM c.s.t WHERE b IN (1, 2) AND d LIKE 'x%' GROUP BY a) SELECT * FROM w ORDER BY n DESC LIMIT 10";

/** Mild: the event loop wins the CPU when both want it, yet a busy machine does not starve parsing into its budget. */
const PARSE_WORKER_NICENESS = 5;

// A parse worker: loads Trino's grammar once, then checks one statement at a time. The pool
// terminates it when a statement overruns its budget, which is why this runs off the main thread.
const port = parentPort;
if (port) {
  lowerThreadPriority(PARSE_WORKER_NICENESS);
  const grammar = await loadTrinoGrammar();
  // The first parse builds the parser's prediction caches (hundreds of ms): pay it before taking work, not within a budget.
  analyzeStatement(grammar, WARM_UP_STATEMENT, { readOnly: true, allowedCatalogs: [] }, {});
  port.on('message', (task: ParseTask) => {
    const message: ParseWorkerMessage = { outcome: analyzeStatement(grammar, task.sql, task.policy, task.context) };
    port.postMessage(message);
  });
  port.postMessage({ ready: true } satisfies ParseWorkerMessage);
}
