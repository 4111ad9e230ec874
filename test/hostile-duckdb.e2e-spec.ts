import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GracefulShutdown } from '#observability';
import { DataplaneRouter, type DuckDbEngine, type QueryRequest, type QueryResult } from '#trino';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { HealthWatch, type HealthWatchReport } from './support/health-watch.js';
import { spawnServer } from './support/spawned-server.js';

/** CPU-bound for hours unless interrupted (DuckDB syntax: sent at the engine directly). */
const ENDLESS_SQL = 'SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3';
/** The same, in SQL the Trino-grammar guard accepts, for the REST entrance: 5,000³ rows. */
const ENDLESS_REST_SQL =
  'SELECT count(*) FROM sales.orders a CROSS JOIN sales.orders b CROSS JOIN sales.orders c WHERE a.order_id + b.order_id + c.order_id < 0';
const MB = 1_048_576;
const RESULT_MAX_BYTES = 4 * MB;

const engineOf = (server: TestServer): DuckDbEngine => {
  const engine = server.app.get(DataplaneRouter).duckdb;
  if (!engine) throw new Error('the app did not start the embedded DuckDB engine');
  return engine;
};

interface Attack {
  outcome: Promise<QueryResult | Error>;
  cancel(): void;
}

/** A query sent straight at the engine, past the SQL guard, as if the guard had been fooled. */
function attack(engine: DuckDbEngine, sql: string, extra: Partial<QueryRequest> = {}): Attack {
  const controller = new AbortController();
  const outcome = engine
    .execute({ sql, maxRows: 1000, maxBytes: RESULT_MAX_BYTES, timeoutMs: 3_600_000, ...extra }, { signal: controller.signal })
    .catch((error: Error) => error);
  return { outcome, cancel: () => controller.abort() };
}

/** Waits for a state the engine reaches by an event (a query admitted, queued or finished). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
}

/** Highest RSS seen while `work` runs, sampled on the event loop. */
async function peakRss<T>(work: Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    const value = await work;
    return { value, peakMb: Math.round(Math.max(peak, process.memoryUsage().rss) / MB) };
  } finally {
    clearInterval(sampler);
  }
}

const measured: Record<string, unknown> = {};

describe('hostile SQL against the embedded DuckDB engine (e2e)', () => {
  let server: TestServer;
  let engine: DuckDbEngine;
  let watch: HealthWatch;

  beforeAll(async () => {
    server = await startTestServer({
      imports: [],
      env: { DUCKDB_MAX_CONCURRENT_QUERIES: '2', DUCKDB_QUERY_QUEUE_SIZE: '1', RESULT_MAX_BYTES: String(RESULT_MAX_BYTES) },
    });
    engine = engineOf(server);
    await engine.start();
    // The first query pays one-time costs (the SQL guard's parser warms up on the event loop); the watch measures the attacks.
    await postJson(`${server.url}/api/trino/query`, { query: 'SELECT 1' });
    watch = new HealthWatch(server.url);
  });

  afterAll(async () => {
    const report: HealthWatchReport = await watch.stop();
    measured.health = report;
    await server.close();
    // Numbers for the record (the test log is the report).
    process.stderr.write(`hostile-duckdb measurements: ${JSON.stringify(measured)}\n`);
    expect(report.failures).toEqual([]);
  });

  const count = async () => ((await attack(engine, 'SELECT count(*) FROM sales.orders').outcome) as QueryResult).rows;
  const catalogObjects = async () =>
    (
      (await attack(
        engine,
        'SELECT database_name, schema_name, table_name FROM duckdb_tables() UNION ALL SELECT database_name, NULL, NULL FROM duckdb_databases() ORDER BY ALL',
      ).outcome) as QueryResult
    ).rows;

  it('refuses every write, attach, pragma, call and checkpoint sent straight at the engine, and nothing is written', async () => {
    const rowsBefore = await count();
    const objectsBefore = await catalogObjects();
    const statements = [
      '/* /* */ SELECT 1 -- */ DELETE FROM sales.orders',
      'DELETE FROM sales.orders',
      'INSERT INTO sales.orders SELECT * FROM sales.orders',
      "UPDATE sales.orders SET status = 'gone'",
      'CREATE TABLE sales.evil AS SELECT 1 AS x',
      'CREATE TEMP TABLE evil AS SELECT 1 AS x',
      'ALTER TABLE sales.orders RENAME TO gone',
      'DROP TABLE sales.orders',
      "ATTACH ':memory:' AS scratch",
      'PRAGMA enable_profiling',
      'SET enable_external_access = true',
      'CALL pragma_version()',
      'CHECKPOINT',
      'EXPLAIN ANALYZE DELETE FROM sales.orders',
      "COPY sales.orders TO '/tmp/orders.csv'",
    ];
    const outcomes: (QueryResult | Error)[] = [];
    for (const sql of statements) outcomes.push(await attack(engine, sql).outcome);
    for (const [i, outcome] of outcomes.entries()) {
      expect({ sql: statements[i], refused: outcome instanceof Error }).toEqual({ sql: statements[i], refused: true });
    }
    expect(outcomes.slice(0, 13)).toEqual(
      statements
        .slice(0, 13)
        .map(() => expect.objectContaining({ kind: 'forbidden', message: expect.stringContaining('DuckDB refused a') })),
    );
    expect(outcomes[13]).toMatchObject({ message: expect.stringContaining('read-only') });
    expect(await count()).toEqual(rowsBefore);
    expect(await catalogObjects()).toEqual(objectsBefore);
  });

  it('over REST, the nested-comment bypass runs only what Trino sees (SELECT 1) or is refused, and the data stays', async () => {
    const response = await postJson(`${server.url}/api/trino/query`, { query: '/* /* */ SELECT 1 -- */ DELETE FROM sales.orders' });
    // The guard hands the engine text rebuilt from Trino's tokens, where everything after `--` is a comment.
    if (response.status === 200) expect(response.body.structuredContent.rows).toEqual([[1]]);
    else expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await count()).toEqual([[5000]]);
  });

  it('bounds 60 rows of 1 MB by bytes: a few rows within RESULT_MAX_BYTES, heap and RSS stay sane', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const { value: response, peakMb } = await peakRss(
      postJson(`${server.url}/api/trino/query`, { query: "SELECT rpad('x', 1000000, 'x') AS wide FROM sales.orders LIMIT 60" }),
    );
    expect(response).toMatchObject({ status: 200, body: { structuredContent: { truncated: true, rowCount: 4 } } });
    measured.wide60 = { peakRssMb: peakMb, heapGrowthMb: Math.round((process.memoryUsage().heapUsed - heapBefore) / MB) };
    await engine.whenIdle();
  });

  it('survives 4,000 rows of 1 MB: answered within the byte budget, DuckDB computing only maxRows + 1 of them', async () => {
    const started = performance.now();
    const { value: response, peakMb } = await peakRss(
      postJson(`${server.url}/api/trino/query`, { query: "SELECT rpad('x', 1000000, 'x') AS wide FROM sales.orders LIMIT 4000" }),
    );
    expect(response.status).toBe(200);
    expect(response.body.structuredContent).toMatchObject({ truncated: true, rowCount: 4 });
    await engine.whenIdle();
    measured.wide4000 = {
      peakRssMb: peakMb,
      ms: Math.round(performance.now() - started),
      rssAfterMb: Math.round(process.memoryUsage().rss / MB),
    };
  }, 180_000);

  it('stops burning CPU once a query is cancelled or times out', async () => {
    const cancelled = attack(engine, ENDLESS_SQL);
    await until(async () => (await engine.workload()).active === 1);
    cancelled.cancel();
    await expect(cancelled.outcome).resolves.toMatchObject({ kind: 'cancelled' });
    await expect(attack(engine, ENDLESS_SQL, { timeoutMs: 300 }).outcome).resolves.toMatchObject({ kind: 'timeout' });
    // Resolves only once DuckDB returned from both native calls.
    await engine.whenIdle();
    const cpuBefore = process.cpuUsage();
    const windowStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    const windowMs = Math.round(performance.now() - windowStarted);
    measured.cpuAfterStop = { cpuMs, windowMs };
    // A query still running would keep a whole core busy: at least the window's length in CPU time.
    expect(cpuMs).toBeLessThan(windowMs / 2);
  });

  it('answers a trivial query while an endless one runs, and a clear busy when every slot and queue place is taken', async () => {
    const first = attack(engine, ENDLESS_SQL);
    await until(async () => (await engine.workload()).active === 1);
    let firstSettled = false;
    void first.outcome.then(() => (firstSettled = true));
    const trivial = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT count(*) AS n FROM sales.customers' });
    expect(trivial.status).toBe(200);
    expect(trivial.body.structuredContent.rows).toEqual([[500]]);
    expect(firstSettled).toBe(false);

    const second = attack(engine, ENDLESS_SQL);
    const third = attack(engine, ENDLESS_SQL);
    await until(async () => {
      const load = await engine.workload();
      return load.active === 2 && load.queued === 1;
    });
    const busy = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT 1' });
    expect(busy.status).toBe(503);
    expect(busy.body.error).toMatchObject({ code: 'busy', message: expect.stringContaining('busy') });

    for (const query of [first, second, third]) query.cancel();
    await engine.whenIdle();
    const after = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT 1 AS one' });
    expect(after.body.structuredContent.rows).toEqual([[1]]);
  });
});

describe('shutting down with DuckDB queries running (e2e)', () => {
  it('drains, closes the app and stops the queries, instead of hanging behind them', async () => {
    const server = await startTestServer({ imports: [], env: { SHUTDOWN_GRACE_MS: '500' } });
    const engine = engineOf(server);
    const watch = new HealthWatch(server.url);
    const pending = [0, 1].map(() => postJson(`${server.url}/api/trino/query`, { query: ENDLESS_REST_SQL }).catch((error: Error) => error));
    await until(async () => (await engine.workload()).active === 2);
    expect((await watch.stop()).failures).toEqual([]);
    const started = performance.now();
    await server.app.get(GracefulShutdown).drain();
    const answers = await Promise.all(pending);
    await server.close();
    await engine.whenIdle();
    measured.shutdownMs = Math.round(performance.now() - started);
    process.stderr.write(`hostile-duckdb shutdown: ${JSON.stringify({ shutdownMs: measured.shutdownMs })}\n`);
    for (const answer of answers) expect(answer).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    await expect(engine.workload()).resolves.toEqual({ active: 0, queued: 0 });
  });
});

const MAIN = join(__dirname, '..', 'dist/apps/xdp-mcp-server/main.js');
const describeBuilt = existsSync(MAIN) ? describe : describe.skip;

/** CPU time (user + system) the process has used, in clock ticks (Linux /proc). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describeBuilt('SIGTERM on the built server with DuckDB queries running (e2e, spawned process)', () => {
  it('exits 0 after answering the running queries, instead of hanging behind them', async () => {
    const server = await spawnServer(MAIN, { SHUTDOWN_GRACE_MS: '1000' });
    const pid = server.child.pid!;
    const idleTicks = cpuTicks(pid);
    const pending = [0, 1].map(() => postJson(`${server.url}/api/trino/query`, { query: ENDLESS_REST_SQL }).catch((error: Error) => error));
    // The queries are running once the process burns CPU (100 ticks = 1 s of CPU time).
    while (cpuTicks(pid) - idleTicks < 100) await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    server.child.kill('SIGTERM');
    const exit = await server.exit;
    measured.sigtermExitMs = Math.round(performance.now() - started);
    process.stderr.write(`hostile-duckdb SIGTERM: ${JSON.stringify({ exitMs: measured.sigtermExitMs })}\n`);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const answer of await Promise.all(pending))
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
  }, 90_000);
});
