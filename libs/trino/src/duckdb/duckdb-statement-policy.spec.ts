import { ToolError } from '#tool-contract';
import type { QueryRequest } from '../engine/query-engine.js';
import { DuckDbEngine } from './duckdb.engine.js';

/**
 * These statements are sent straight at the engine, as if the SQL guard had been fooled: the
 * engine's own DuckDB-side check and its read-only database must stop every one of them.
 */
describe('DuckDbEngine statement policy (guard bypassed)', () => {
  const engine = new DuckDbEngine({});
  const run = (sql: string, extra: Partial<QueryRequest> = {}) =>
    engine.execute({ sql, maxRows: 1000, maxBytes: 1_048_576, timeoutMs: 30_000, ...extra }, { signal: new AbortController().signal });
  const refusal = (sql: string) =>
    run(sql).then(
      () => undefined,
      (error: unknown) => error,
    );

  /** Everything a write could change: row counts, the objects in the catalog, the attached databases. */
  const snapshot = async () => ({
    orders: (await run('SELECT count(*) FROM sales.orders')).rows,
    items: (await run('SELECT count(*), sum(quantity) FROM sales.order_items')).rows,
    objects: (
      await run(
        'SELECT database_name, schema_name, table_name FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal UNION ALL SELECT database_name, schema_name, function_name FROM duckdb_functions() WHERE NOT internal ORDER BY 1, 2, 3',
      )
    ).rows,
    databases: (await run('SELECT database_name, readonly FROM duckdb_databases() ORDER BY 1')).rows,
  });

  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    await engine.start();
    before = await snapshot();
  });
  afterAll(() => engine.close());

  /** Statements the Trino-to-DuckDB translator already refuses, before DuckDB sees them. */
  const untranslatable = (sql: string) =>
    refusal(sql).then((error) =>
      expect(error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringContaining('cannot run this Trino SQL') }),
    );

  it("refuses the nested-comment bypass: the caller's text is checked as DuckDB reads it, not only its translation", async () => {
    // Trino reads `SELECT 1` (and the translation is that read); DuckDB nests block comments and reads a write.
    for (const sql of ['/* /* */ SELECT 1 -- */ DELETE FROM sales.orders', '/* /* */ SELECT 1 -- */ ; DROP TABLE sales.orders']) {
      await expect(refusal(sql)).resolves.toMatchObject({ kind: 'forbidden', message: expect.stringContaining('DuckDB refused a') });
    }
  });

  it('refuses LOAD and EXPORT DATABASE already in translation (they are not Trino SQL)', async () => {
    await untranslatable('LOAD httpfs');
    await untranslatable("EXPORT DATABASE '/tmp/export'");
  });

  it.each([
    ['DELETE', 'DELETE FROM sales.orders', 'DELETE'],
    ['INSERT', 'INSERT INTO sales.orders SELECT * FROM sales.orders', 'INSERT'],
    ['UPDATE', "UPDATE sales.orders SET status = 'x'", 'UPDATE'],
    ['CREATE TABLE', 'CREATE TABLE sales.evil AS SELECT 1 AS x', 'CREATE'],
    ['CREATE TEMP TABLE', 'CREATE TEMP TABLE evil AS SELECT 1 AS x', 'CREATE'],
    ['CREATE MACRO', 'CREATE MACRO evil() AS 1', 'CREATE'],
    ['ALTER', 'ALTER TABLE sales.orders RENAME TO gone', 'ALTER'],
    ['DROP', 'DROP TABLE sales.orders', 'DROP'],
    ['ATTACH', "ATTACH ':memory:' AS scratch", 'ATTACH'],
    ['DETACH', 'DETACH memory', 'DETACH'],
    ['PRAGMA', 'PRAGMA enable_profiling', 'PRAGMA'],
    ['PRAGMA setting', 'PRAGMA threads = 64', 'SET'],
    ['SET', 'SET enable_external_access = true', 'SET'],
    ['RESET', 'RESET lock_configuration', 'SET'],
    ['CALL', 'CALL pragma_version()', 'CALL'],
    ['CHECKPOINT', 'CHECKPOINT', 'CALL'],
    ['BEGIN', 'BEGIN TRANSACTION', 'TRANSACTION'],
    ['VACUUM', 'VACUUM', 'VACUUM'],
    ['ANALYZE', 'ANALYZE', 'VACUUM'],
    ['PREPARE', 'PREPARE p AS SELECT 1', 'PREPARE'],
    ['INSTALL', 'INSTALL httpfs', 'LOAD'],
    ['USE', 'USE system.main', 'SET'],
  ])('refuses %s by its DuckDB statement type', async (_name, sql, type) => {
    const error = await refusal(sql);
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({
      kind: 'forbidden',
      message: `DuckDB refused a ${type} statement: the embedded engine only runs SELECT and EXPLAIN`,
    });
  });

  it('counts statements before running one', async () => {
    // The translator counts first (with Trino's lexer), then DuckDB's parser counts what was translated.
    await expect(refusal('SELECT 1; SELECT 2')).resolves.toMatchObject({
      kind: 'invalid_arguments',
      message: 'Only one statement is allowed; the translation found 2',
    });
    await expect(refusal("SELECT 1 /* ; */ ; SELECT ';' -- ; DROP")).resolves.toMatchObject({
      kind: 'invalid_arguments',
      message: 'Only one statement is allowed; the translation found 2',
    });
  });

  it.each([
    ['COPY … TO a file', "COPY sales.orders TO '/tmp/orders.csv'"],
    ['read_text', "SELECT * FROM read_text('/etc/passwd')"],
    ['read_csv', "SELECT * FROM read_csv('/etc/passwd')"],
    ['glob', "SELECT * FROM glob('/etc/*')"],
    ['CREATE SECRET', "CREATE SECRET evil (TYPE s3, KEY_ID 'k', SECRET 's')"],
  ])('refuses %s: file access is disabled and locked', async (_name, sql) => {
    await expect(refusal(sql)).resolves.toMatchObject({ kind: 'forbidden', message: expect.stringMatching(/disabled|refused/) });
  });

  it('fails writes that pass the statement check: the database callers reach is read-only', async () => {
    // EXPLAIN ANALYZE executes its statement; to the type check it is an EXPLAIN.
    await expect(refusal('EXPLAIN ANALYZE DELETE FROM sales.orders')).resolves.toMatchObject({
      message: expect.stringMatching(/read-only/),
    });
    await expect(refusal('EXPLAIN ANALYZE CREATE TABLE sales.evil AS SELECT 1')).resolves.toMatchObject({
      message: expect.stringMatching(/read-only/),
    });
  });

  it('fails the statements DuckDB cannot even prepare here before anything runs', async () => {
    // No secret can be listed (the secret manager cannot start without file access) or executed by name.
    await expect(refusal('SELECT * FROM duckdb_secrets()')).resolves.toBeInstanceOf(ToolError);
    await expect(refusal('EXECUTE p')).resolves.toMatchObject({
      kind: 'invalid_arguments',
      message: expect.stringContaining('does not exist'),
    });
  });

  it('keeps query() to single SELECTs', async () => {
    await expect(refusal("SELECT * FROM query('DELETE FROM sales.orders')")).resolves.toMatchObject({
      kind: 'invalid_arguments',
      message: expect.stringContaining('single SELECT'),
    });
  });

  it('still answers reads: SELECT, WITH, VALUES, EXPLAIN, DESCRIBE and read-only PRAGMAs (which DuckDB turns into SELECTs)', async () => {
    await expect(run('WITH t AS (SELECT 1 AS x) SELECT x FROM t')).resolves.toMatchObject({ rows: [[1]] });
    await expect(run('VALUES (1, 2)')).resolves.toMatchObject({ rows: [[1, 2]] });
    await expect(run('EXPLAIN SELECT count(*) FROM sales.orders')).resolves.toMatchObject({
      columns: [{ name: 'explain_key' }, { name: 'explain_value' }],
    });
    await expect(run("PRAGMA table_info('sales.orders')")).resolves.toMatchObject({
      rows: expect.arrayContaining([[0, 'order_id', 'BIGINT', false, null, false]]),
    });
    await expect(run('DESCRIBE sales.orders')).resolves.toMatchObject({
      rows: expect.arrayContaining([expect.arrayContaining(['order_id', 'BIGINT'])]),
    });
  });

  it('changed nothing: every attempt above left the data, the catalog and the attached databases as they were', async () => {
    expect(await snapshot()).toEqual(before);
    expect(before.databases).toEqual([
      ['memory', true],
      ['system', false],
      ['temp', false],
    ]);
  });
});
