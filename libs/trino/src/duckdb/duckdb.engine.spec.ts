import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ToolError } from '#tool-contract';
import type { QueryProgress, QueryRequest } from '../engine/query-engine.js';
import { DuckDbEngine } from './duckdb.engine.js';

const SLOW_SQL = 'SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3';

describe('DuckDbEngine (in-memory sample data)', () => {
  const engine = new DuckDbEngine({});
  const run = (
    sql: string,
    extra: Partial<QueryRequest> = {},
    signal = new AbortController().signal,
    onProgress?: (p: QueryProgress) => void,
  ) => engine.execute({ sql, maxRows: 100, maxBytes: 16_777_216, timeoutMs: 30_000, ...extra }, { signal, onProgress });

  beforeAll(() => engine.start());
  afterAll(() => engine.close());

  it('answers with the sample data under memory.sales by default', async () => {
    const result = await run('SELECT count(*) AS n FROM orders');
    expect(result.columns).toEqual([{ name: 'n', type: 'bigint' }]);
    expect(result.rows).toEqual([[5000]]);
    expect(result.truncated).toBe(false);
    expect(result.queryId).toMatch(/^\d{8}_\d{6}_\d{5}_local$/);
    expect(result.stats.state).toBe('FINISHED');
  });

  it('is deterministic: the same aggregate every start', async () => {
    const result = await run('SELECT region, count(*) FROM sales.customers GROUP BY region ORDER BY region');
    expect(result.rows).toEqual([
      ['AMER', 164],
      ['APAC', 194],
      ['EMEA', 142],
    ]);
  });

  it('maps DuckDB types and values to Trino names and encodings', async () => {
    const result = await run(
      "SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, 12.5::DECIMAL(10,2) AS price, 'x' AS s, DATE '2024-01-02' AS d, " +
        "TIMESTAMP '2024-01-02 03:04:05' AS ts, [1, 2] AS arr, {'x': 1, 'y': 'a'} AS r, MAP {'k': 1} AS m, '\\xAA\\xBB'::BLOB AS bin, " +
        "'nan'::DOUBLE AS nan, 1.5::REAL AS f, true AS b, NULL AS n, 170141183460469231731687303715884105727::HUGEINT AS huge",
    );
    expect(result.columns.map((c) => c.type)).toEqual([
      'bigint',
      'bigint',
      'decimal(10,2)',
      'varchar',
      'date',
      'timestamp(6)',
      'array(integer)',
      'row(x integer, y varchar)',
      'map(varchar, integer)',
      'varbinary',
      'double',
      'real',
      'boolean',
      'integer',
      'bigint',
    ]);
    expect(result.rows[0]).toEqual([
      '9007199254740993',
      42,
      '12.50',
      'x',
      '2024-01-02',
      '2024-01-02 03:04:05.000000',
      [1, 2],
      [1, 'a'],
      { k: 1 },
      'qrs=',
      'NaN',
      1.5,
      true,
      null,
      '170141183460469231731687303715884105727',
    ]);
  });

  it('stops at the row cap and reports truncation', async () => {
    const progress: QueryProgress[] = [];
    const result = await run('SELECT * FROM range(1000000)', { maxRows: 10 }, undefined, (p) => progress.push(p));
    expect(result.rows).toHaveLength(10);
    expect(result.truncated).toBe(true);
    expect(progress.at(-1)).toMatchObject({ state: 'RUNNING', rowsReceived: 10 });
  });

  it('is not truncated when the result has exactly maxRows rows', async () => {
    const result = await run('SELECT * FROM range(10)', { maxRows: 10 });
    expect(result.rows).toHaveLength(10);
    expect(result.truncated).toBe(false);
  });

  it('interrupts a running query when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = run(SLOW_SQL, {}, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
    // The engine stays usable afterwards.
    await expect(run('SELECT 1 AS one')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('interrupts a query that exceeds its timeout', async () => {
    await expect(run(SLOW_SQL, { timeoutMs: 200 })).rejects.toMatchObject({ kind: 'timeout', message: expect.stringContaining('200 ms') });
  });

  it('uses the requested catalog and schema as the session', async () => {
    await expect(run('SELECT count(*) FROM customers', { catalog: 'memory', schema: 'sales' })).resolves.toMatchObject({ rows: [[500]] });
    await expect(run('SELECT current_schema()', { catalog: 'memory', schema: 'main' })).resolves.toMatchObject({ rows: [['main']] });
  });

  it('reports user errors precisely', async () => {
    await expect(run('SELECT * FROM no_such_table')).rejects.toMatchObject({
      kind: 'not_found',
      message: expect.stringContaining('no_such_table'),
    });
    await expect(run('SELECT no_such_column FROM orders')).rejects.toMatchObject({ kind: 'invalid_arguments' });
  });

  it('refuses to read server files even for a query that got past the guard', async () => {
    const error = await run("SELECT * FROM read_text('/etc/passwd')").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toMatch(/disabled by configuration/);
  });

  it('answers Trino metadata statements it has no syntax for', async () => {
    await expect(run('SHOW CATALOGS', { show: { kind: 'catalogs' } })).resolves.toMatchObject({
      columns: [{ name: 'Catalog' }],
      rows: [['memory']],
    });
    const schemas = await run('SHOW SCHEMAS', { show: { kind: 'schemas' } });
    expect(schemas.rows).toEqual([['main'], ['sales']]);
    const tables = await run('SHOW TABLES FROM memory.sales', { show: { kind: 'tables', catalog: 'memory', schema: 'sales' } });
    expect(tables.rows).toEqual([['customers'], ['order_items'], ['orders'], ['products']]);
    const columns = await run('DESCRIBE orders', { show: { kind: 'columns', table: 'orders' } });
    expect(columns.columns.map((c) => c.name)).toEqual(['Column', 'Type', 'Extra', 'Comment']);
    expect(columns.rows[0]).toEqual(['order_id', 'bigint', '', '']);
  });

  it('runs the quoted metadata queries without letting a name escape its quotes', async () => {
    const weird = 'orders" ; DROP TABLE sales.orders; --';
    const describe = engine.metadata.columns({ catalog: 'memory', schema: 'sales', table: weird });
    expect(describe.sql).toBe('SELECT * FROM "memory"."sales"."orders"" ; DROP TABLE sales.orders; --" LIMIT 0');
    await expect(run(describe.sql)).rejects.toMatchObject({ kind: 'not_found' });
    const schemas = engine.metadata.schemas("memory' OR '1'='1");
    await expect(run(schemas.sql)).resolves.toMatchObject({ rows: [] });
    await expect(run('SELECT count(*) FROM sales.orders')).resolves.toMatchObject({ rows: [[5000]] });
  });

  it('reports itself healthy', async () => {
    await expect(engine.checkHealth()).resolves.toMatchObject({ status: 'up' });
  });
});

describe('DuckDbEngine shutdown', () => {
  it('waits for a health probe in flight before closing the database, and answers later probes as down', async () => {
    const engine = new DuckDbEngine({});
    await engine.start();
    const probe = engine.checkHealth();
    await engine.close();
    await expect(probe).resolves.toMatchObject({ status: 'up' });
    await expect(engine.checkHealth()).resolves.toMatchObject({ status: 'down', message: 'DuckDB is shutting down' });
  });
});

describe('DuckDbEngine (DUCKDB_PATH)', () => {
  it("opens the user's file read-only and answers from it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duckdb-path-'));
    const path = join(dir, 'shop.duckdb');
    const seed = await DuckDBInstance.create(path);
    const connection = await seed.connect();
    await connection.run("CREATE SCHEMA store; CREATE TABLE store.items AS SELECT range AS id, 'item ' || range AS label FROM range(3)");
    connection.closeSync();
    seed.closeSync();
    const engine = new DuckDbEngine({ path });
    try {
      const signal = new AbortController().signal;
      await expect(
        engine.execute(
          { sql: 'SELECT label FROM store.items ORDER BY id', maxRows: 10, maxBytes: 16_777_216, timeoutMs: 5000 },
          { signal },
        ),
      ).resolves.toMatchObject({
        rows: [['item 0'], ['item 1'], ['item 2']],
      });
      // EXPLAIN ANALYZE runs its statement and is an EXPLAIN to the statement check; the read-only file still refuses the write.
      await expect(
        engine.execute({ sql: 'EXPLAIN ANALYZE DELETE FROM store.items', maxRows: 10, maxBytes: 16_777_216, timeoutMs: 5000 }, { signal }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/read-only/i),
      });
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a file that cannot be opened as unavailable', async () => {
    const engine = new DuckDbEngine({ path: '/nonexistent/dir/data.duckdb' });
    await expect(
      engine.execute({ sql: 'SELECT 1', maxRows: 1, maxBytes: 16_777_216, timeoutMs: 5000 }, { signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('/nonexistent/dir/data.duckdb'),
    });
    await expect(engine.checkHealth()).resolves.toMatchObject({ status: 'down' });
  });
});
