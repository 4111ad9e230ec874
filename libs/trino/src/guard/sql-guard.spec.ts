import fc from 'fast-check';
import { SqlGuard } from './sql-guard.js';
import { StatementRejectedError } from './statement-rejected.error.js';

// The test machine is shared and often loaded: a generous budget keeps legitimate large statements
// from being refused for slowness here; enforcing the budget has its own test below.
const guard = new SqlGuard({ readOnly: true, allowedCatalogs: [], parseBudgetMs: 10_000 });

async function rejection(sql: string, context = {}, check = guard): Promise<StatementRejectedError> {
  try {
    await check.check(sql, context);
  } catch (error) {
    if (error instanceof StatementRejectedError) return error;
    throw error;
  }
  throw new Error(`accepted: ${sql}`);
}

const LEGITIMATE_READS: Array<[string, string]> = [
  ['SELECT 1', 'query'],
  ['select * from sales.orders limit 10', 'query'],
  ['SELECT region, count(*) AS n FROM memory.sales.orders GROUP BY region ORDER BY n DESC', 'query'],
  ["WITH recent AS (SELECT * FROM orders WHERE ordered_at > DATE '2024-06-01') SELECT count(*) FROM recent", 'query'],
  ['WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM b', 'query'],
  ['VALUES 1, 2, 3', 'query'],
  ["VALUES (1, 'a'), (2, 'b')", 'query'],
  ['TABLE sales.orders', 'query'],
  ['SELECT 1 UNION ALL SELECT 2 EXCEPT SELECT 3', 'query'],
  ["SELECT ';' AS semicolon", 'query'],
  ["SELECT 'DROP TABLE orders; DELETE FROM x' AS harmless", 'query'],
  ["SELECT 'it''s; DROP TABLE t' AS s", 'query'],
  ['SELECT "weird;name" FROM "my""table"', 'query'],
  ['SELECT 1 /* ; DROP TABLE t */', 'query'],
  ['SELECT 1 -- ; DROP TABLE t', 'query'],
  ['-- leading comment; DELETE FROM t\nSELECT 1', 'query'],
  ['SELECT 1;', 'query'],
  ['SELECT 1 ;  ', 'query'],
  ['SELECT 1; -- trailing comment', 'query'],
  ['SELECT * FROM UNNEST(ARRAY[1, 2]) AS t(x)', 'query'],
  ["SELECT CAST(ROW(1, 'a') AS ROW(x INTEGER, y VARCHAR))", 'query'],
  ['SELECT transform(ARRAY[1, 2], x -> x * 2)', 'query'],
  ['SELECT a FROM t GROUP BY GROUPING SETS ((a), ())', 'query'],
  ['SELECT * FROM t ORDER BY 1 OFFSET 5 ROWS FETCH FIRST 10 ROWS ONLY', 'query'],
  ['SELECT approx_percentile(x, 0.5) FROM t TABLESAMPLE BERNOULLI (10)', 'query'],
  ["SELECT * FROM t FOR TIMESTAMP AS OF TIMESTAMP '2024-01-01 00:00:00 UTC'", 'query'],
  ['SELECT rank() OVER (PARTITION BY a ORDER BY b) FROM t', 'query'],
  ["SELECT json_extract_scalar(payload, '$.a') FROM events WHERE ts > current_timestamp - INTERVAL '1' DAY", 'query'],
  ['SELECT * FROM TABLE(exclude_columns(input => TABLE(orders), columns => DESCRIPTOR(amount)))', 'query'],
  ['SHOW CATALOGS', 'show'],
  ["SHOW SCHEMAS FROM memory LIKE 's%'", 'show'],
  ['SHOW TABLES FROM memory.sales', 'show'],
  ['SHOW COLUMNS FROM sales.orders', 'describe'],
  ['SHOW CREATE TABLE sales.orders', 'show'],
  ['SHOW FUNCTIONS', 'show'],
  ['SHOW SESSION', 'show'],
  ['SHOW STATS FOR sales.orders', 'show'],
  ['DESCRIBE sales.orders', 'describe'],
  ['DESC memory.sales.orders', 'describe'],
  ['EXPLAIN SELECT * FROM orders', 'explain'],
  ['EXPLAIN (TYPE DISTRIBUTED, FORMAT JSON) SELECT 1', 'explain'],
  ['EXPLAIN ANALYZE SELECT count(*) FROM orders', 'explain'],
  ['EXPLAIN ANALYZE VERBOSE SELECT 1', 'explain'],
];

const REJECTED_WRITES: string[] = [
  'INSERT INTO t VALUES (1)',
  'INSERT INTO t SELECT * FROM s',
  'UPDATE t SET a = 1',
  'DELETE FROM t',
  'DELETE FROM t WHERE 1 = 1',
  'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
  'TRUNCATE TABLE t',
  'CREATE TABLE t (a integer)',
  'CREATE TABLE t AS SELECT 1 AS a',
  'CREATE OR REPLACE VIEW v AS SELECT 1 AS a',
  'CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a',
  'CREATE SCHEMA s',
  'CREATE CATALOG c USING memory',
  'CREATE ROLE r',
  'CREATE FUNCTION f() RETURNS integer RETURN 1',
  'DROP TABLE t',
  'DROP TABLE IF EXISTS memory.sales.orders',
  'DROP VIEW v',
  'DROP SCHEMA s CASCADE',
  'DROP CATALOG c',
  'DROP MATERIALIZED VIEW mv',
  'ALTER TABLE t RENAME TO u',
  'ALTER TABLE t ADD COLUMN c integer',
  'ALTER TABLE t DROP COLUMN c',
  'ALTER TABLE t EXECUTE optimize',
  'ALTER SCHEMA s RENAME TO u',
  'ALTER VIEW v RENAME TO w',
  'ALTER MATERIALIZED VIEW mv RENAME TO mw',
  'REFRESH MATERIALIZED VIEW mv',
  "COMMENT ON TABLE t IS 'x'",
  'GRANT SELECT ON t TO u',
  'REVOKE SELECT ON t FROM u',
  'DENY SELECT ON t TO u',
  'GRANT r TO USER u',
  'SET ROLE admin',
  "SET SESSION query_max_execution_time = '1h'",
  'RESET SESSION query_max_execution_time',
  "SET TIME ZONE 'UTC'",
  'SET PATH memory.sales',
  'SET SESSION AUTHORIZATION admin',
  'USE memory.sales',
  "CALL system.sync_partition_metadata('a', 'b', 'FULL')",
  'START TRANSACTION',
  'COMMIT',
  'ROLLBACK',
  'PREPARE p FROM SELECT 1',
  'EXECUTE p',
  "EXECUTE IMMEDIATE 'DROP TABLE t'",
  'DEALLOCATE PREPARE p',
  'ANALYZE t',
  'EXPLAIN ANALYZE INSERT INTO t VALUES (1)',
  'EXPLAIN ANALYZE DELETE FROM t',
  'EXPLAIN ANALYZE VERBOSE CREATE TABLE t AS SELECT 1 AS a',
  "SELECT * FROM TABLE(system.query(query => 'DELETE FROM t RETURNING *'))",
  "SELECT * FROM TABLE(pg.system.raw_query(query => 'DROP TABLE t'))",
  'insert into t values (1)',
  'iNsErT iNtO t VaLuEs (1)',
  '/* SELECT 1 */ DROP TABLE t',
  '-- SELECT 1\nDROP TABLE t',
];

const REJECTED_MULTI_OR_MALFORMED: string[] = [
  'SELECT 1; DROP TABLE t',
  'SELECT 1; SELECT 2',
  'SELECT 1;; ',
  'SELECT 1;DELETE FROM t',
  "SELECT ';'; DROP TABLE t",
  'SELECT 1 /* comment */; DROP TABLE t',
  'SELECT 1 -- comment\n; DROP TABLE t',
  'SELECT 1 -- comment\nDROP TABLE t',
  'SELECT 1 /* unterminated comment; DROP TABLE t',
  "SELECT 'unterminated; DROP TABLE t",
  "SELECT E'\\'; DROP TABLE t; --'",
  'SELECT $$; DROP TABLE t; $$',
  'SELECT 1 select 2',
  'WITH x AS (SELECT 1) DELETE FROM t',
  'WITH x AS (SELECT 1)',
  'SELECT 1 INTO t',
  '',
  '   ',
  ';',
  '-- only a comment',
  'SELECT',
  'SELEC 1',
  'SELECT * FROM',
  'DROP',
  'EXPLAIN',
  'SELECT "unterminated FROM t',
  'SELECT 1\u0000; DROP TABLE t',
  'SELECT `a` FROM t; DROP TABLE t',
];

/** A statement the parser needs seconds to reject: 2,000 columns, then a syntax error its recovery chews on. */
const PATHOLOGICAL = `SELECT ${Array.from({ length: 2000 }, (_, i) => `column_${i}`).join(', ')} FROM FROM`;

afterAll(() => guard.close());

describe('SqlGuard (read-only)', () => {
  beforeAll(() => guard.warmUp());

  it.each(LEGITIMATE_READS)('accepts %j as %s', async (sql, kind) => {
    await expect(guard.check(sql)).resolves.toMatchObject({ kind });
  });

  it.each(REJECTED_WRITES)('rejects the write %j as not read-only', async (sql) => {
    const error = await rejection(sql);
    expect(error.reason).toBe('not_read_only');
    expect(error.kind).toBe('forbidden');
  });

  it.each(REJECTED_MULTI_OR_MALFORMED)('rejects %j as more than one statement or unparseable', async (sql) => {
    const error = await rejection(sql);
    expect(['multiple_statements', 'syntax']).toContain(error.reason);
    expect(error.kind).toBe('invalid_arguments');
  });

  it('names what it found in a rejection message', async () => {
    expect((await rejection('DROP TABLE t')).message).toMatch(/got a DROP TABLE statement$/);
    expect((await rejection('INSERT INTO t VALUES (1)')).message).toMatch(/got an INSERT statement$/);
    expect((await rejection('UPDATE t SET a = 1')).message).toMatch(/got an UPDATE statement$/);
    expect((await rejection('USE memory.sales')).message).toMatch(/got a USE statement$/);
    expect((await rejection('ALTER TABLE t ADD COLUMN c integer')).message).toMatch(/got an ALTER TABLE ADD COLUMN statement$/);
    expect((await rejection('EXPLAIN ANALYZE DELETE FROM t')).message).toMatch(/got EXPLAIN ANALYZE of a DELETE statement$/);
    expect((await rejection('SELECT 1; DROP TABLE t')).message).toMatch(/Only one statement.*line 1:11/);
    expect((await rejection('SELEC 1')).message).toMatch(/could not be parsed \(line 1:1/);
  });

  it('reports a parse error as line:column and the offending token, not the tokens the grammar expected', async () => {
    const typo = (await rejection('SELECT order_id\nFORM orders')).message;
    expect(typo).toMatch(/^SQL could not be parsed \(line 2:6: unexpected "orders"\)/);
    expect(typo).not.toMatch(/expecting/);
    expect((await rejection('SELECT * FROM')).message).toMatch(/^SQL could not be parsed \(line 1:14: the statement ends too early\)/);
  });

  it('reports a DuckDB spelling in one statement as a syntax error naming the Trino spelling, never as more statements', async () => {
    const range = await rejection('SELECT * FROM range(10) t(x)');
    expect(range).toMatchObject({ reason: 'syntax', kind: 'invalid_arguments' });
    expect(range.message).toBe(
      'SQL could not be parsed (line 1:20: unexpected "("). Write Trino SQL: every engine takes it, the local (DuckDB) engine included. ' +
        'This looks like DuckDB syntax; in Trino write UNNEST(sequence(0, 9)) instead of range(10).',
    );
    const cast = await rejection('SELECT x::int FROM t');
    expect(cast.reason).toBe('syntax');
    expect(cast.message).toContain('Write Trino SQL');
    expect(cast.message).toContain('CAST(x AS int) instead of x::int');
    expect((await rejection('SELEC 1')).message).not.toContain('DuckDB syntax');
  });

  it('drops a trailing semicolon, what follows it and every comment, and keeps token positions', async () => {
    await expect(guard.check("SELECT ';' AS s ;  -- done")).resolves.toMatchObject({ sql: "SELECT ';' AS s" });
    await expect(guard.check('  SELECT 1  ')).resolves.toMatchObject({ sql: '  SELECT 1' });
    await expect(guard.check('SELECT 1 /* keep */')).resolves.toMatchObject({ sql: 'SELECT 1' });
    await expect(guard.check('SELECT /* a\nb */ 1,\n  2 -- c\nFROM t')).resolves.toMatchObject({ sql: 'SELECT\n     1,\n  2\nFROM t' });
  });

  it('refuses pathological nesting before parsing, and still parses large flat statements', async () => {
    const deep = `SELECT ${'('.repeat(33)}1${')'.repeat(33)}`;
    expect((await rejection(deep)).message).toBe('SQL nests parentheses, brackets or CASE deeper than 32 levels (line 1:40)');
    expect((await rejection(`SELECT ${'ARRAY['.repeat(33)}1${']'.repeat(33)}`)).reason).toBe('syntax');
    expect((await rejection(`SELECT ${'CASE WHEN true THEN '.repeat(33)}1${' END'.repeat(33)}`)).reason).toBe('syntax');
    const chained = `SELECT * FROM t WHERE ${Array.from({ length: 7000 }, (_, i) => `a = ${i}`).join(' OR ')}`;
    expect((await rejection(chained)).message).toBe(
      'SQL is too long or too complex to check; simplify the statement (more than 25000 tokens)',
    );
    const huge = `SELECT '${'x'.repeat(100_001)}'`;
    expect((await rejection(huge)).message).toBe(
      'SQL is too long or too complex to check; simplify the statement (100010 bytes; at most 100000)',
    );
    await expect(guard.check(`SELECT ${'('.repeat(20)}1${')'.repeat(20)}`)).resolves.toMatchObject({ kind: 'query' });
    const inList = `SELECT * FROM t WHERE id IN (${Array.from({ length: 5000 }, (_, i) => i).join(', ')})`;
    await expect(guard.check(inList)).resolves.toMatchObject({ kind: 'query' });
  });

  it('refuses a statement the parser cannot finish within its budget, by terminating the worker, and carries on with a fresh one', async () => {
    const impatient = new SqlGuard({ readOnly: true, allowedCatalogs: [], parseBudgetMs: 250, workers: 1 });
    try {
      // Queued behind two overruns: each terminates a worker, and the fresh one answers the next statement.
      const overruns = [rejection(PATHOLOGICAL, {}, impatient), rejection(PATHOLOGICAL, {}, impatient)];
      const simple = impatient.check('SELECT 1');
      for (const overrun of overruns)
        expect((await overrun).message).toBe('SQL is too long or too complex to check; simplify the statement');
      await expect(simple).resolves.toMatchObject({ kind: 'query', sql: 'SELECT 1' });
    } finally {
      await impatient.close();
    }
  });

  it('close terminates the workers: statements are refused afterwards', async () => {
    const shortLived = new SqlGuard({ readOnly: true, allowedCatalogs: [], workers: 2 });
    await expect(shortLived.check('SELECT 1')).resolves.toMatchObject({ kind: 'query' });
    await shortLived.close();
    await expect(shortLived.check('SELECT 1')).rejects.toThrow('The SQL guard is shut down');
  });

  it('describes metadata statements so non-Trino engines can answer them', async () => {
    await expect(guard.check('SHOW CATALOGS')).resolves.toMatchObject({ show: { kind: 'catalogs' } });
    await expect(guard.check('SHOW SCHEMAS FROM "Mem"')).resolves.toMatchObject({ show: { kind: 'schemas', catalog: 'Mem' } });
    await expect(guard.check('SHOW TABLES FROM memory.Sales')).resolves.toMatchObject({
      show: { kind: 'tables', catalog: 'memory', schema: 'sales' },
    });
    await expect(guard.check('DESCRIBE sales."Or""ders"')).resolves.toMatchObject({
      show: { kind: 'columns', schema: 'sales', table: 'Or"ders' },
    });
  });

  it('never accepts a read followed by any write, whatever comments and literals surround it (property)', async () => {
    const noise = fc.constantFrom('', ' ', '\n', '/* ; */', '-- ;\n', "/* ' */", '/* " */');
    // Reads without comments or semicolons of their own, so the generated text is exactly "read ; write".
    const read = fc.constantFrom(...LEGITIMATE_READS.map(([sql]) => sql).filter((sql) => !/;|--|\/\*/.test(sql)));
    const write = fc.constantFrom(...REJECTED_WRITES);
    await fc.assert(
      fc.asyncProperty(noise, read, noise, write, noise, async (a, first, b, second, c) => {
        const error = await rejection(`${a}${first}${b};${c}${second}`);
        expect(error.reason).not.toBe('not_read_only');
      }),
      { numRuns: 300 },
    );
  });

  it('accepts string literals and quoted identifiers of any content (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ minLength: 1, maxLength: 20 }), async (literal, identifier) => {
        const sql = `SELECT '${literal.replaceAll("'", "''")}' AS "${identifier.replaceAll('"', '""')}"`;
        await expect(guard.check(sql)).resolves.toMatchObject({ kind: 'query', sql });
      }),
      { numRuns: 300 },
    );
  });
});

describe('SqlGuard (writes enabled)', () => {
  const writable = new SqlGuard({ readOnly: false, allowedCatalogs: [] });
  afterAll(() => writable.close());

  it('accepts a write but still only one statement', async () => {
    await expect(writable.check('INSERT INTO t VALUES (1);')).resolves.toMatchObject({ kind: 'write', sql: 'INSERT INTO t VALUES (1)' });
    expect((await rejection('INSERT INTO t VALUES (1); DROP TABLE t', {}, writable)).reason).toBe('multiple_statements');
  });

  it('re-emits every adversarial write to canonical text that read-only mode still refuses, as a fixed point', async () => {
    for (const sql of REJECTED_WRITES) {
      const { sql: canonical, kind } = await writable.check(sql);
      expect(canonical).not.toMatch(/--|\/\*/);
      expect((await rejection(canonical)).reason).toBe('not_read_only');
      await expect(writable.check(canonical)).resolves.toMatchObject({ sql: canonical, kind });
    }
  });
});

describe('SqlGuard (catalog allow-list)', () => {
  const limited = new SqlGuard({ readOnly: true, allowedCatalogs: ['memory', 'Lake'] });
  afterAll(() => limited.close());

  it.each([
    ['SELECT * FROM memory.sales.orders', {}],
    ['SELECT * FROM "Lake".s.t', {}],
    ['SELECT * FROM lake.s.t', {}],
    ['SELECT * FROM "MEMORY".sales.orders', {}],
    ['SELECT * FROM sales.orders', { catalog: 'memory' }],
    ['SHOW SCHEMAS FROM memory', {}],
    ['SHOW TABLES FROM memory.sales', {}],
    ['SHOW CATALOGS', {}],
    ['WITH x AS (SELECT 1 AS a) SELECT * FROM x', {}],
    ['SELECT 1', { catalog: 'hive' }],
  ])('accepts %j', async (sql, context) => {
    await expect(limited.check(sql, context)).resolves.toBeDefined();
  });

  it.each([
    ['SELECT * FROM hive.default.t', {}],
    ['SELECT * FROM memory.sales.orders o JOIN hive.default.t h ON o.id = h.id', {}],
    ['SELECT * FROM memory.sales.orders WHERE id IN (SELECT id FROM system.runtime.queries)', {}],
    ['SELECT * FROM sales.orders', { catalog: 'hive' }],
    ['SHOW SCHEMAS FROM hive', {}],
    ['SHOW TABLES FROM hive.default', {}],
    ['DESCRIBE hive.default.t', {}],
    ['EXPLAIN SELECT * FROM hive.default.t', {}],
  ])('rejects %j naming the allowed catalogs', async (sql, context) => {
    const error = await rejection(sql, context, limited);
    expect(error.reason).toBe('catalog_not_allowed');
    expect(error.message).toContain('allowed catalogs: memory, lake');
  });
});

describe('SqlGuard: engines execute what was checked (canonical re-emission)', () => {
  it.each([
    // Trino: block comment, SELECT 1, line comment. DuckDB nests block comments and would run the DELETE.
    ['/* /* */ SELECT 1 -- */ DELETE FROM sales.orders', '         SELECT 1'],
    ['/* /* */ SELECT 1 -- */ ; DROP TABLE sales.orders', '         SELECT 1'],
    ['SELECT 1 /* /* */ , 2 -- */ ; INSERT INTO t VALUES (1)', 'SELECT 1          , 2'],
    // Trino: type constructor `E '\'` and a comment. DuckDB would read an escape string running into the comment.
    ["SELECT E'\\' AS x /* ', 1; DELETE FROM sales.orders; SELECT ' */", "SELECT E '\\' AS x"],
    ["SELECT E'\\' AS x -- '; DELETE FROM sales.orders; --", "SELECT E '\\' AS x"],
    ["SELECT 'a''b', \"c\"\"d\", X'0a 1B', U&'\\00e9t\\+01F600'", "SELECT 'a''b', \"c\"\"d\", X'0A1B' , 'ét😀'"],
    ['SELECT 1--2\n-3', 'SELECT 1\n- 3'],
    ['SELECT 4/*x*/*2', 'SELECT 4     * 2'],
  ])('re-emits %j as %j', async (sql, canonical) => {
    await expect(guard.check(sql)).resolves.toMatchObject({ sql: canonical });
  });

  it.each([
    ['SELECT `a` FROM t', 'Backquoted identifiers are not Trino SQL'],
    ["SELECT U&'x!0041' UESCAPE '!'", 'UESCAPE is not supported'],
    ["SELECT U&'\\12'", 'Invalid Unicode escape'],
  ])('refuses %j, whose tokens it cannot re-emit safely', async (sql, message) => {
    const error = await rejection(sql);
    expect(error.reason).toBe('syntax');
    expect(error.message).toContain(message);
  });

  it('re-emits every accepted adversarial statement to a fixed point of the same kind, without comments', async () => {
    for (const [sql, kind] of LEGITIMATE_READS) {
      const { sql: canonical } = await guard.check(sql);
      expect(canonical).not.toMatch(/--|\/\*/);
      await expect(guard.check(canonical)).resolves.toMatchObject({ sql: canonical, kind });
    }
  });

  it('re-emits any mix of comments, strings and quoted names to text that lexes alike in every engine (property)', async () => {
    const piece = fc.constantFrom(
      '/*',
      '*/',
      '--',
      '\n',
      "'",
      "''",
      '"',
      '""',
      '\\',
      "E'",
      '$$',
      '$',
      ';',
      'SELECT',
      '1',
      ',',
      'x',
      ' ',
      'DELETE FROM t',
      'U&',
      'X',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 14 }), async (pieces) => {
        const sql = `SELECT 1 ${pieces.join('')}`;
        const checked = await guard.check(sql).catch(() => undefined);
        if (!checked) return;
        // Accepted text is a fixed point, and nothing in it is a comment or an escape/dollar string opener.
        await expect(guard.check(checked.sql)).resolves.toMatchObject({ sql: checked.sql, kind: checked.kind });
        expect(checked.sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, '')).not.toMatch(/--|\/\*|\$\$|[eE]'/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('SqlGuard: pass-through table functions, however quoted or cased', () => {
  it.each([
    'SELECT * FROM TABLE(postgresql.system."QUERY"(query => \'DELETE FROM t\'))',
    'SELECT * FROM TABLE(postgresql.system."Raw_Query"(query => \'DROP TABLE t\'))',
    'SELECT * FROM TABLE("system"."query"(query => \'DELETE FROM t\'))',
    "SELECT * FROM TABLE(QUERY(query => 'DELETE FROM t'))",
    "EXPLAIN SELECT * FROM TABLE(pg.system.RAW_QUERY(query => 'DROP TABLE t'))",
  ])('refuses %j', async (sql) => {
    const error = await rejection(sql);
    expect(error.reason).toBe('not_read_only');
    expect(error.message).toContain("passes SQL to the connector's database");
  });
});

describe('SqlGuard: every catalog a statement touches is on the allow-list', () => {
  const tpchOnly = new SqlGuard({ readOnly: true, allowedCatalogs: ['TPCH'] });
  afterAll(() => tpchOnly.close());

  it.each([
    ["SELECT * FROM TABLE(hive.system.table_changes(schema_name => 's', table_name => 't'))", {}],
    ['SELECT * FROM TABLE(hive.system.sequence(start => 1, stop => 3))', {}],
    ['SELECT hive.system.fn(1)', {}],
    ['SELECT tpch.tiny.nation.n_name, "HIVE".s.f(1) FROM tpch.tiny.nation', {}],
    ['SELECT system.fn(1)', { catalog: 'hive' }],
    ['SHOW GRANTS ON TABLE hive.s.t', {}],
    ['SHOW GRANTS ON SCHEMA hive.s', {}],
    ['SHOW GRANTS ON t', { catalog: 'hive' }],
    ['SHOW GRANTS', { catalog: 'hive' }],
    ['SHOW CREATE FUNCTION hive.s.fn', {}],
    ['SHOW CREATE TABLE hive.s.t', {}],
    ['SHOW CREATE SCHEMA hive.s', {}],
    ['SHOW CREATE VIEW hive.s.v', {}],
    ['SHOW CREATE MATERIALIZED VIEW hive.s.v', {}],
    ['SHOW FUNCTIONS FROM hive.s', {}],
    ['SHOW STATS FOR hive.s.t', {}],
    ['SHOW STATS FOR (SELECT * FROM hive.s.t)', {}],
    ['SHOW COLUMNS FROM hive.s.t', {}],
    ['SHOW ROLES FROM hive', {}],
    ['SHOW ROLE GRANTS FROM hive', {}],
    ['SHOW ROLES', { catalog: 'hive' }],
    ['DESCRIBE "Hive".s.t', {}],
    ['EXPLAIN SELECT * FROM hive.s.t', {}],
    ['EXPLAIN ANALYZE SELECT hive.s.f(1)', {}],
  ])('refuses %j', async (sql, context) => {
    const error = await rejection(sql, context, tpchOnly);
    expect(error.reason).toBe('catalog_not_allowed');
    expect(error.message).toBe('Catalog "hive" is not allowed; allowed catalogs: tpch');
  });

  it.each([
    ['SELECT * FROM TABLE(tpch.system.sequence(start => 1, stop => 3))', {}],
    ['SELECT abs(-1), "TPCH".tiny.f(1) FROM "TpCh".tiny.nation', {}],
    ['SELECT sequence(1, 3)', { catalog: 'hive' }],
    ['SHOW GRANTS ON TABLE tpch.tiny.nation', {}],
    ['SHOW CREATE FUNCTION tpch.tiny.fn', {}],
    ['SHOW FUNCTIONS', {}],
  ])('accepts %j', async (sql, context) => {
    await expect(tpchOnly.check(sql, context)).resolves.toBeDefined();
  });

  it('folds the catalog names it is given as values', () => {
    expect(tpchOnly.isCatalogAllowed('tpch')).toBe(true);
    expect(tpchOnly.isCatalogAllowed('TPCH')).toBe(true);
    expect(tpchOnly.isCatalogAllowed('hive')).toBe(false);
  });
});
