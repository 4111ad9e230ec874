import { availableParallelism } from 'node:os';
import { suggestTrinoSpelling } from '../dialect/duckdb-spelling.js';
import type { AnalysisOutcome, AnalysisPolicy, CheckedStatement } from './checked-statement.js';
import { ParseWorkerPool } from './parse-worker.pool.js';
import { TOO_COMPLEX_MESSAGE } from './statement-analysis.js';
import { StatementRejectedError } from './statement-rejected.error.js';

export type { CheckedStatement, ShowStatement, StatementKind } from './checked-statement.js';
export { MAX_NESTING_DEPTH, MAX_STATEMENT_TOKENS } from './statement-analysis.js';

export interface GuardPolicy {
  readOnly: boolean;
  /** Empty = every catalog allowed. Matched like Trino identifiers: case-insensitively. */
  allowedCatalogs: readonly string[];
  /** Longest one statement may keep a parse worker busy before the worker is terminated (default 1000 ms). */
  parseBudgetMs?: number;
  /** Parse workers (default: one per core beyond the first, at least 1, at most 4). */
  workers?: number;
}

export interface GuardContext {
  /** Session catalog the statement runs with (unqualified names resolve against it). */
  catalog?: string;
}

/** A parse normally takes milliseconds; a second means a pathological statement, even on a loaded CPU. */
const DEFAULT_PARSE_BUDGET_MS = 1000;

/**
 * UTF-8 bytes a statement may have, checked before anything else (the tools' schema caps the text
 * at 100,000 characters, which can be three times as many bytes).
 */
export const MAX_STATEMENT_BYTES = 100_000;

/**
 * The SQL guard: parses a caller's statement with Trino's grammar (see analyzeStatement) in a
 * parse worker, and hands back the canonical text engines execute. Cheap bounds come first
 * (bytes here, tokens in the worker), then parsing under a CPU budget the pool enforces by
 * terminating the worker.
 */
export class SqlGuard {
  private readonly policy: AnalysisPolicy;
  private readonly pool: ParseWorkerPool;

  constructor(policy: GuardPolicy) {
    this.policy = { readOnly: policy.readOnly, allowedCatalogs: policy.allowedCatalogs.map(foldCatalogName) };
    this.pool = new ParseWorkerPool({
      size: policy.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1)),
      budgetMs: policy.parseBudgetMs ?? DEFAULT_PARSE_BUDGET_MS,
    });
  }

  /** Starts the parse workers (each loads the grammar), so the first caller does not wait; resolves when they are ready. */
  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  async check(sql: string, context: GuardContext = {}): Promise<CheckedStatement> {
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > MAX_STATEMENT_BYTES) {
      throw new StatementRejectedError('syntax', `${TOO_COMPLEX_MESSAGE} (${bytes} bytes; at most ${MAX_STATEMENT_BYTES})`);
    }
    return accepted(sql, await this.pool.run({ sql, policy: this.policy, context }));
  }

  isCatalogAllowed(catalog: string): boolean {
    return this.policy.allowedCatalogs.length === 0 || this.policy.allowedCatalogs.includes(foldCatalogName(catalog));
  }

  get allowedCatalogs(): readonly string[] {
    return this.policy.allowedCatalogs;
  }

  /** Terminates the parse workers; statements still waiting are refused. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A catalog name given as a value (configuration, tool argument), folded as Trino folds the identifier naming it. */
function foldCatalogName(name: string): string {
  return name.toLowerCase();
}

function accepted(sql: string, outcome: AnalysisOutcome): CheckedStatement {
  if (outcome.ok) return outcome.statement;
  throw new StatementRejectedError(
    outcome.reason,
    outcome.reason === 'syntax' && outcome.message.startsWith(UNPARSED) ? withTrinoHint(sql, outcome.message) : outcome.message,
  );
}

const UNPARSED = 'SQL could not be parsed';

/**
 * Models often write DuckDB (or PostgreSQL) spellings; every engine here, the local DuckDB one
 * included, takes Trino SQL, so a parse error says so and names the Trino spelling when it is known.
 */
function withTrinoHint(sql: string, message: string): string {
  const hint = suggestTrinoSpelling(sql);
  return `${message}. Write Trino SQL: every engine takes it, the local (DuckDB) engine included.${hint ? ` ${hint}` : ''}`;
}
