import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Logger } from '@nestjs/common';
import { ToolError, kindOfDuckDbError } from '#tool-contract';
import { showCreateTableQuery } from '../dialect/show-create-table.js';
import { installTrinoDialect } from '../dialect/trino-functions.js';
import { TrinoTranslator } from '../dialect/trino-translator.js';
import type { ShowStatement } from '../guard/sql-guard.js';
import type { EngineHealth, ExecuteOptions, QueryRequest, QueryResult } from '../engine/query-engine.js';
import { QueryDeadline } from '../engine/query-deadline.js';
import { newQueryId } from '../engine/query-id.js';
import type { MetadataQuery } from '../metadata/metadata-queries.js';
import { qualifiedName, quoteLiteral } from '../metadata/sql-quoting.js';
import { DuckDbAdmission } from './duckdb-admission.js';
import { capProcessMemory, memoryFailure } from './duckdb-memory-cap.js';
import { DUCKDB_METADATA } from './duckdb-metadata.js';
import { readRows } from './duckdb-rows.js';
import { prepareBoundedRead, refuseNonReadAsDuckDbReadsIt } from './duckdb-statement-policy.js';
import type { EngineSettings, SessionDefaults } from './duckdb.engine.js';
import { SAMPLE_CATALOG, SAMPLE_DATASET_SQL } from './sample-dataset.sql.js';

/** How long close() lets interrupted queries unwind before closing the database regardless. */
const CLOSE_WAIT_MS = 2000;
/**
 * DuckDB forgets an interrupt that arrives before its query started (it resets the flag when a
 * query begins), and a call may sit in libuv's queue for a while; so a stopped query is
 * interrupted again at this period until its native call returns.
 */
const INTERRUPT_REPEAT_MS = 20;

const shuttingDown = () => new ToolError('unavailable', 'The embedded DuckDB engine is shutting down');

interface RunningQuery {
  stop(): void;
  settled: Promise<unknown>;
}

interface OpenDatabase {
  instance: DuckDBInstance;
  /** Temporary directory holding the seeded sample file, removed on close. */
  sampleDir?: string;
}

/**
 * The embedded DuckDB behind DuckDbEngine (loaded on first use). Callers only ever reach a
 * read-only database: a DUCKDB_PATH file is opened read-only, and the sample data is seeded into
 * a temporary file that is then reopened read-only, so a write that slipped past every check
 * still fails. File access is switched off and the configuration locked. Each query gets its own
 * connection (session settings never leak, one query can be interrupted alone) and a slot from
 * the admission control; a stopped query is interrupted until DuckDB lets go of it.
 */
export class EmbeddedDuckDb {
  private readonly logger = new Logger('DuckDbEngine');
  private database?: Promise<OpenDatabase>;
  private readonly admission: DuckDbAdmission;
  private readonly running = new Set<RunningQuery>();
  /** Health probes in flight: close() waits for them too. */
  private readonly probes = new Set<Promise<EngineHealth>>();
  /**
   * Callers write Trino SQL. The translator's worker (and its WASM transpiler, 70-120 MB) starts with
   * the first query that needs translation, never at open, and ends after an idle period.
   */
  private readonly translator: TrinoTranslator;
  private closing = false;

  constructor(
    private readonly options: EngineSettings,
    private readonly defaults: SessionDefaults,
  ) {
    this.admission = new DuckDbAdmission({ maxConcurrent: options.maxConcurrentQueries, maxQueued: options.maxQueuedQueries });
    this.translator = new TrinoTranslator(options.translator);
  }

  /** Whether the translator's worker thread is running (tests check it starts lazily and retires). */
  get translatorRunning(): boolean {
    return this.translator.running;
  }

  /** Queries holding a slot (running in DuckDB or unwinding after a stop), and queries waiting for one. */
  get workload(): { active: number; queued: number } {
    return { active: this.admission.active, queued: this.admission.queued };
  }

  /** Resolves once DuckDB has let go of every query started so far (stopped ones included). */
  async whenIdle(): Promise<void> {
    await Promise.allSettled([...this.running].map((query) => query.settled));
  }

  /** Opens (and seeds) the database in the background; queries wait for it. */
  async start(): Promise<void> {
    await this.ready();
  }

  async execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult> {
    const deadline = new QueryDeadline(options.signal, request.timeoutMs);
    const started = performance.now();
    try {
      const { instance } = await Promise.race([this.ready(), deadline.whenStopped()]);
      // Translated before taking a slot, so a slow translation never holds one of DuckDB's.
      const query = await Promise.race([this.queryFor(request), deadline.whenStopped()]);
      const release = await this.admission.acquire(deadline);
      const running = this.run(instance, query, request, options, deadline, started);
      this.running.add(running);
      // The slot is freed when DuckDB lets go of the query, which may be after the caller gave up.
      void running.settled.then(() => {
        this.running.delete(running);
        release();
      });
      return await Promise.race([running.result, deadline.whenStopped()]);
    } finally {
      deadline.dispose();
    }
  }

  async checkHealth(): Promise<EngineHealth> {
    if (this.closing) return { status: 'down', checkedAt: new Date().toISOString(), message: 'DuckDB is shutting down' };
    // Tracked like a query: closing the database under a probe's open connection would crash the process.
    const probe = this.probe();
    this.probes.add(probe);
    try {
      return await probe;
    } finally {
      this.probes.delete(probe);
    }
  }

  private async probe(): Promise<EngineHealth> {
    const started = performance.now();
    try {
      const connection = await (await this.ready()).instance.connect();
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

  /**
   * Refuses new and waiting queries, interrupts running ones and waits (briefly) for DuckDB to
   * let go of them, then closes the database. Without the interrupts a running query would keep
   * its native threads busy after close and hold the process open.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.admission.close(shuttingDown());
    // Queries still waiting for their translation are refused now.
    const translator = this.translator.close();
    const database = await this.database?.catch(() => undefined);
    for (const query of this.running) query.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...[...this.running].map((query) => query.settled), ...this.probes]),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (this.running.size > 0)
      this.logger.warn(`Closing DuckDB with ${this.running.size} queries still unwinding after ${CLOSE_WAIT_MS} ms`);
    database?.instance.closeSync();
    await translator;
    if (database?.sampleDir) await rm(database.sampleDir, { recursive: true, force: true });
  }

  /** One query on its own connection; `stop` interrupts it until its current native call returns. */
  private run(
    instance: DuckDBInstance,
    query: MetadataQuery,
    request: QueryRequest,
    options: ExecuteOptions,
    deadline: QueryDeadline,
    started: number,
  ): RunningQuery & { result: Promise<QueryResult> } {
    let connection: DuckDBConnection | undefined;
    let repeat: NodeJS.Timeout | undefined;
    let shutdown = false;
    const interrupt = () => {
      if (repeat || !connection) return;
      const target = connection;
      target.interrupt();
      repeat = setInterval(() => target.interrupt(), INTERRUPT_REPEAT_MS);
    };
    deadline.signal.addEventListener('abort', interrupt, { once: true });
    // Between native calls a stop is noticed here; during one, the interrupts end it.
    const checkpoint = (open: DuckDBConnection): DuckDBConnection => {
      if (deadline.stopped) throw deadline.error();
      if (shutdown) throw shuttingDown();
      return open;
    };
    const work = (async () => {
      connection = await instance.connect();
      const session = checkpoint(connection);
      await this.useSession(session, request);
      // Refused before and after translation: the caller's text as DuckDB reads it, then (in
      // prepareBoundedRead) the translated SQL, which is what actually executes.
      if (!request.show && query.sql !== request.sql) await refuseNonReadAsDuckDbReadsIt(checkpoint(session), request.sql);
      // One row past the cap tells whether the result was cut.
      const { prepared, columnNames } = await prepareBoundedRead(checkpoint(session), query.sql, request.maxRows + 1);
      let stream;
      try {
        checkpoint(session);
        options.onProgress?.({ state: 'RUNNING', rowsReceived: 0 });
        stream = await prepared.stream();
      } finally {
        prepared.destroySync();
      }
      const read = await readRows(stream, request, (rowsReceived) => options.onProgress?.({ state: 'RUNNING', rowsReceived }));
      read.columns.forEach((column, i) => (column.name = columnNames[i] ?? column.name));
      const queryResult: QueryResult = {
        queryId: newQueryId('local'),
        ...read,
        stats: { state: 'FINISHED', elapsedMs: Math.round(performance.now() - started), processedRows: read.rows.length },
      };
      return query.reshape ? query.reshape(queryResult) : queryResult;
    })().finally(() => {
      deadline.signal.removeEventListener('abort', interrupt);
      clearInterval(repeat);
      // Every native call on the connection has returned here, so closing it cannot race one;
      // it also discards the rest of a result that was cut at a budget.
      connection?.closeSync();
    });
    return {
      result: work.catch((error: unknown) =>
        Promise.reject(deadline.stopped ? deadline.error() : shutdown ? shuttingDown() : duckDbFailure(error)),
      ),
      settled: work.catch(() => undefined),
      stop: () => {
        shutdown = true;
        interrupt();
      },
    };
  }

  private ready(): Promise<OpenDatabase> {
    this.database ??= this.open();
    return this.database;
  }

  private async open(): Promise<OpenDatabase> {
    const started = performance.now();
    const { path, threads, memoryLimitMb } = this.options;
    if (memoryLimitMb) await capProcessMemory(memoryLimitMb);
    const settings: Record<string, string> = { access_mode: 'READ_ONLY', threads: String(threads) };
    const sampleDir = path ? undefined : await mkdtemp(join(tmpdir(), 'xdp-mcp-duckdb-'));
    const file = path ?? (await seedSampleFile(sampleDir!));
    const instance = await DuckDBInstance.create(file, settings).catch(async (error: unknown) => {
      if (sampleDir) await rm(sampleDir, { recursive: true, force: true });
      throw new ToolError(
        'unavailable',
        `DuckDB could not open ${path ? `DUCKDB_PATH "${path}"` : 'the sample database'}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    const connection = await instance.connect();
    try {
      await connection.run('SET enable_external_access = false');
      // Global, so every query's connection divides integers as Trino does; it must precede the lock.
      await installTrinoDialect(connection);
      await connection.run('SET lock_configuration = true');
    } finally {
      connection.closeSync();
    }
    const source = path ? `file ${path}` : `sample data in ${SAMPLE_CATALOG}.sales`;
    this.logger.log(
      `DuckDB ready (${source}, read-only, ${threads} threads, ${this.options.maxConcurrentQueries} concurrent queries${memoryLimitMb ? `, process data capped at ${memoryLimitMb} MiB` : ''}) in ${Math.round(performance.now() - started)} ms`,
    );
    return { instance, sampleDir };
  }

  private async useSession(connection: DuckDBConnection, request: QueryRequest): Promise<void> {
    const catalog = request.catalog ?? this.defaults.catalog;
    const schema = request.schema ?? (request.catalog === undefined ? this.defaults.schema : undefined);
    const target = [catalog, schema].filter((part): part is string => part !== undefined);
    if (target.length > 0) await connection.run(`USE ${qualifiedName(...target)}`);
  }

  /** What DuckDB runs for a request: Trino SQL translated to DuckDB's dialect, or a catalog query for a metadata statement. */
  private async queryFor(request: QueryRequest): Promise<MetadataQuery> {
    if (request.show) return this.metadataQuery(request, request.show);
    try {
      return { sql: await this.translator.translate(request.sql) };
    } catch (error) {
      // A translation cut short by close() is the engine shutting down, like every other refused query.
      throw this.closing ? shuttingDown() : error;
    }
  }

  /** DuckDB has no SHOW CATALOGS / SHOW SCHEMAS FROM …; answer Trino's metadata statements with catalog queries. */
  private metadataQuery(request: QueryRequest, show: ShowStatement): MetadataQuery {
    const catalog = ('catalog' in show ? show.catalog : undefined) ?? request.catalog ?? this.defaults.catalog ?? SAMPLE_CATALOG;
    const schema = ('schema' in show ? show.schema : undefined) ?? request.schema ?? this.defaults.schema ?? 'main';
    switch (show.kind) {
      case 'catalogs':
        return DUCKDB_METADATA.catalogs();
      case 'schemas':
        return DUCKDB_METADATA.schemas(catalog);
      case 'tables':
        return {
          sql: `SELECT table_name AS "Table" FROM information_schema.tables WHERE table_catalog = ${quoteLiteral(catalog)} AND table_schema = ${quoteLiteral(schema)} ORDER BY 1`,
        };
      case 'columns':
        return DUCKDB_METADATA.columns({ catalog, schema, table: show.table });
      case 'create_table':
        return showCreateTableQuery({ catalog, schema, table: show.table });
    }
  }
}

/**
 * Writes the sample data into `<dir>/memory.duckdb` (the file name makes the catalog `memory`,
 * as the in-memory database was called) so it can be served read-only.
 */
async function seedSampleFile(dir: string): Promise<string> {
  const file = join(dir, `${SAMPLE_CATALOG}.duckdb`);
  const seed = await DuckDBInstance.create(file, { threads: '1' });
  try {
    const connection = await seed.connect();
    try {
      await connection.run(SAMPLE_DATASET_SQL);
      // Everything in the file itself, nothing left in a WAL, before it is reopened read-only.
      await connection.run('CHECKPOINT');
    } finally {
      connection.closeSync();
    }
  } finally {
    seed.closeSync();
  }
  return file;
}

function duckDbFailure(error: unknown): ToolError {
  if (error instanceof ToolError) return error;
  // Errors from the native addon may come from another realm, so read `message` structurally.
  const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
  const outOfMemory = memoryFailure(message);
  if (outOfMemory) return outOfMemory;
  return new ToolError(kindOfDuckDbError(message), `DuckDB query failed: ${message}`);
}
