import { type DuckDBConnection, DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import { Logger } from '@nestjs/common';
import { ToolError } from '#tool-contract';
import type { ShowStatement } from '../guard/sql-guard.js';
import type { CellValue, EngineHealth, ExecuteOptions, QueryRequest, QueryResult, ResultColumn } from '../engine/query-engine.js';
import { QueryDeadline } from '../engine/query-deadline.js';
import { newQueryId } from '../engine/query-id.js';
import type { MetadataQuery } from '../metadata/metadata-queries.js';
import { qualifiedName, quoteLiteral } from '../metadata/sql-quoting.js';
import { DUCKDB_METADATA } from './duckdb-metadata.js';
import type { DuckDbEngineOptions, SessionDefaults } from './duckdb.engine.js';
import { trinoTypeName, trinoValue } from './duckdb-values.js';
import { SAMPLE_CATALOG, SAMPLE_DATASET_SQL } from './sample-dataset.sql.js';



/**
 * The embedded DuckDB behind DuckDbEngine (loaded on first use). Each query gets its own
 * connection, so session settings never leak between calls and one query can be interrupted
 * alone. File access is switched off (and locked) once the sample data is loaded: SQL from a
 * model must not read the server's files.
 */
export class EmbeddedDuckDb {
  private readonly logger = new Logger('DuckDbEngine');
  private instance?: Promise<DuckDBInstance>;

  constructor(
    private readonly options: DuckDbEngineOptions,
    private readonly defaults: SessionDefaults,
  ) {}

  /** Opens (and seeds) the database in the background; queries wait for it. */
  start(): Promise<DuckDBInstance> {
    this.instance ??= this.open();
    return this.instance;
  }

  async execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult> {
    const deadline = new QueryDeadline(options.signal, request.timeoutMs);
    const started = performance.now();
    let connection: DuckDBConnection | undefined;
    const interrupt = () => connection?.interrupt();
    deadline.signal.addEventListener('abort', interrupt, { once: true });
    try {
      // The connection is closed only once DuckDB has let go of it (an interrupted query unwinds first).
      const work = (async () => {
        connection = await (await this.ready()).connect();
        if (deadline.stopped) throw deadline.error();
        await this.useSession(connection, request);
        const query = this.translate(request);
        await assertSingleStatement(connection, query.sql);
        options.onProgress?.({ state: 'RUNNING', rowsReceived: 0 });
        const result = await connection.stream(query.sql);
        const read = await readRows(result, request.maxRows, (rowsReceived) => options.onProgress?.({ state: 'RUNNING', rowsReceived }));
        const elapsedMs = Math.round(performance.now() - started);
        const queryResult: QueryResult = {
          queryId: newQueryId('local'),
          ...read,
          stats: { state: 'FINISHED', elapsedMs, processedRows: read.rows.length },
        };
        return query.reshape ? query.reshape(queryResult) : queryResult;
      })().finally(() => connection?.closeSync());
      return await Promise.race([work.catch((error: unknown) => Promise.reject(deadline.stopped ? deadline.error() : duckDbFailure(error))), deadline.whenStopped()]);
    } finally {
      deadline.signal.removeEventListener('abort', interrupt);
      deadline.dispose();
    }
  }

  async checkHealth(): Promise<EngineHealth> {
    const started = performance.now();
    try {
      const connection = await (await this.ready()).connect();
      try {
        await connection.run('SELECT 1');
      } finally {
        connection.closeSync();
      }
      return { status: 'up', checkedAt: new Date().toISOString(), latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { status: 'down', checkedAt: new Date().toISOString(), message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Closes the database; running queries fail. */
  async close(): Promise<void> {
    const instance = await this.instance?.catch(() => undefined);
    instance?.closeSync();
  }

  private ready(): Promise<DuckDBInstance> {
    return this.start();
  }

  private async open(): Promise<DuckDBInstance> {
    const started = performance.now();
    const { path } = this.options;
    const instance = await DuckDBInstance.create(path ?? ':memory:', path ? { access_mode: 'READ_ONLY' } : {}).catch((error: unknown) => {
      throw new ToolError('unavailable', `DuckDB could not open DUCKDB_PATH "${path}": ${error instanceof Error ? error.message : String(error)}`);
    });
    const connection = await instance.connect();
    try {
      if (!path) await connection.run(SAMPLE_DATASET_SQL);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    } finally {
      connection.closeSync();
    }
    this.logger.log(`DuckDB ready (${path ? `file ${path}, read-only` : 'in-memory sample data in memory.sales'}) in ${Math.round(performance.now() - started)} ms`);
    return instance;
  }

  private async useSession(connection: DuckDBConnection, request: QueryRequest): Promise<void> {
    const catalog = request.catalog ?? this.defaults.catalog;
    const schema = request.schema ?? (request.catalog === undefined ? this.defaults.schema : undefined);
    const target = [catalog, schema].filter((part): part is string => part !== undefined);
    if (target.length > 0) await connection.run(`USE ${qualifiedName(...target)}`);
  }

  /** DuckDB has no SHOW CATALOGS / SHOW SCHEMAS FROM …; answer Trino's metadata statements with catalog queries. */
  private translate(request: QueryRequest): MetadataQuery {
    const show: ShowStatement | undefined = request.show;
    if (!show) return { sql: request.sql };
    const catalog = ('catalog' in show ? show.catalog : undefined) ?? request.catalog ?? this.defaults.catalog ?? SAMPLE_CATALOG;
    const schema = ('schema' in show ? show.schema : undefined) ?? request.schema ?? this.defaults.schema ?? 'main';
    switch (show.kind) {
      case 'catalogs': return DUCKDB_METADATA.catalogs();
      case 'schemas': return DUCKDB_METADATA.schemas(catalog);
      case 'tables': return {
        sql: `SELECT table_name AS "Table" FROM information_schema.tables WHERE table_catalog = ${quoteLiteral(catalog)} AND table_schema = ${quoteLiteral(schema)} ORDER BY 1`,
      };
      case 'columns': return DUCKDB_METADATA.columns({ catalog, schema, table: show.table });
    }
  }
}

/** Defence in depth: the guard parsed Trino's grammar; DuckDB's own parser must also see exactly one statement. */
async function assertSingleStatement(connection: DuckDBConnection, sql: string): Promise<void> {
  const statements = await connection.extractStatements(sql);
  if (statements.count !== 1) throw new ToolError('invalid_arguments', `Only one statement is allowed; DuckDB found ${statements.count}`);
}

async function readRows(result: DuckDBResult, maxRows: number, onChunk: (rowsReceived: number) => void): Promise<{ columns: ResultColumn[]; rows: CellValue[][]; truncated: boolean }> {
  const types = result.columnTypes();
  const columns = result.columnNames().map((name, i) => ({ name, type: trinoTypeName(types[i]) }));
  const rows: CellValue[][] = [];
  let truncated = false;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    for (const row of chunk.getRows()) {
      if (rows.length === maxRows) {
        truncated = true;
        break;
      }
      rows.push(row.map((value, i) => trinoValue(value, types[i])));
    }
    onChunk(rows.length);
    // Stop reading at the cap; closing the connection discards the rest of the stream.
    if (truncated) break;
  }
  return { columns, rows, truncated };
}

function duckDbFailure(error: unknown): ToolError {
  if (error instanceof ToolError) return error;
  // Errors from the native addon may come from another realm, so read `message` structurally.
  const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
  const kind = /^Catalog Error/.test(message)
    ? 'not_found'
    : /^Permission Error/.test(message)
      ? 'forbidden'
      : /^(Parser|Binder|Conversion|Invalid Input|Out of Range|Constraint) Error/.test(message)
        ? 'invalid_arguments'
        : 'upstream';
  return new ToolError(kind, `DuckDB query failed: ${message}`);
}
