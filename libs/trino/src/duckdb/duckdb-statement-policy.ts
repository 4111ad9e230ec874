import { type DuckDBConnection, type DuckDBPreparedStatement, StatementType } from '@duckdb/node-api';
import { ToolError } from '#tool-contract';

/**
 * Statement kinds the embedded engine runs. PRAGMAs that only read (`PRAGMA table_info(...)`)
 * are rewritten by DuckDB into SELECTs and arrive here as SELECT; everything else, including
 * CHECKPOINT (a CALL), SET, ATTACH, transactions and DDL/DML, is refused.
 */
const ALLOWED: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * The engine's own proof that it runs one read statement, made with DuckDB's lexer and parser
 * rather than trusting the guard's Trino grammar (the two disagree, e.g. DuckDB nests block
 * comments and Trino does not). Returns the prepared statement, so what runs is exactly what
 * was checked; the caller owns it and must destroy it.
 */
export async function prepareReadStatement(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  const statements = await connection.extractStatements(sql);
  if (statements.count !== 1) {
    throw new ToolError('invalid_arguments', `Only one statement is allowed; DuckDB's parser found ${statements.count}`);
  }
  const prepared = await statements.prepare(0);
  const type = prepared.statementType;
  if (!ALLOWED.has(type)) {
    prepared.destroySync();
    throw new ToolError(
      'forbidden',
      `DuckDB refused a ${statementTypeName(type)} statement: the embedded engine only runs SELECT and EXPLAIN`,
    );
  }
  return prepared;
}

/**
 * The engine takes Trino SQL and runs its DuckDB translation, which prepareReadStatement checks.
 * The caller's text is checked too, as DuckDB would read it: the dialects disagree (DuckDB nests
 * block comments, Trino does not), and a text that DuckDB reads as a write is refused even when
 * its Trino reading, and so its translation, is a read. Text DuckDB cannot parse or bind (Trino-only
 * syntax or functions) proves nothing here and is left to the check on the translation.
 */
export async function refuseNonReadAsDuckDbReadsIt(connection: DuckDBConnection, sql: string): Promise<void> {
  const statements = await connection.extractStatements(sql).catch(() => undefined);
  if (!statements) return;
  for (let i = 0; i < statements.count; i += 1) {
    const prepared = await statements.prepare(i).catch(() => undefined);
    if (!prepared) continue;
    const type = prepared.statementType;
    prepared.destroySync();
    if (!ALLOWED.has(type)) {
      throw new ToolError(
        'forbidden',
        `DuckDB refused a ${statementTypeName(type)} statement: the embedded engine only runs SELECT and EXPLAIN`,
      );
    }
  }
}

export interface BoundedRead {
  prepared: DuckDBPreparedStatement;
  /** The statement's own column names (the bounding wrapper would rename duplicates to `a_1`…). */
  columnNames: string[];
}

/**
 * Prepares a checked read so DuckDB computes at most `rowLimit` rows. DuckDB evaluates whole
 * 2,048-row vectors before the engine sees a row, so 2,048 rows of 1 MB cost 2 GB of native memory
 * even when the byte budget keeps only four; a LIMIT around a SELECT is pushed below its
 * projections and stops that. Statements DuckDB classifies as SELECT but that cannot be a
 * subquery (PRAGMA table_info, DESCRIBE, SHOW…) run as they are; both texts pass the same check.
 */
export async function prepareBoundedRead(connection: DuckDBConnection, sql: string, rowLimit: number): Promise<BoundedRead> {
  const prepared = await prepareReadStatement(connection, sql);
  const columnNames = Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
  if (prepared.statementType !== StatementType.SELECT) return { prepared, columnNames };
  // Newlines keep a trailing `--` comment of the statement from swallowing the wrapper's end.
  const bounded = await prepareReadStatement(connection, `SELECT * FROM (\n${sql}\n) LIMIT ${rowLimit}`).catch(() => undefined);
  if (!bounded) return { prepared, columnNames };
  prepared.destroySync();
  return { prepared: bounded, columnNames };
}

export function statementTypeName(type: StatementType): string {
  return (StatementType[type] as string | undefined) ?? `unknown (${type})`;
}
