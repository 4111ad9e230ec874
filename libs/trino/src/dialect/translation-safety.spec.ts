import { type DuckDBConnection, StatementType } from '@duckdb/node-api';
import fc from 'fast-check';
import { SqlGuard } from '../guard/sql-guard.js';
import { TrinoOnDuckDb } from './trino-dialect.testing.js';
import { TrinoTranslator } from './trino-translator.js';

/**
 * Translation never decides safety, but it must never add a statement or a write. Every input
 * the guard accepts as a query or EXPLAIN must come out as exactly one SELECT or EXPLAIN under
 * DuckDB's own parser (or be refused), including inputs built to smuggle statements.
 */
const guard = new SqlGuard({ readOnly: true, allowedCatalogs: [] });
// The wired path: the local engine's translator runs the transpiler in its worker thread.
const translator = new TrinoTranslator();

// The guard's adversarial inputs (libs/trino/src/guard/sql-guard.spec.ts) and the reads it accepts.
const ADVERSARIAL = [
  'SELECT 1',
  "SELECT ';' AS semicolon",
  "SELECT 'DROP TABLE orders; DELETE FROM x' AS harmless",
  "SELECT 'it''s; DROP TABLE t' AS s",
  'SELECT "weird;name" FROM "my""table"',
  'SELECT 1 /* ; DROP TABLE t */',
  'SELECT 1 -- ; DROP TABLE t',
  '-- leading comment; DELETE FROM t\nSELECT 1',
  'SELECT 1;',
  'SELECT 1; -- trailing comment',
  'VALUES 1, 2, 3',
  "VALUES (1, 'a'), (2, 'b')",
  'TABLE t',
  'SELECT 1 UNION ALL SELECT 2 EXCEPT SELECT 3',
  'SELECT * FROM UNNEST(ARRAY[1, 2]) AS t(x)',
  'SELECT transform(ARRAY[1, 2], x -> x * 2)',
  "SELECT json_extract_scalar(payload, '$.a') FROM events",
  "SELECT date_format(ts, '%Y''; DROP TABLE t; --') FROM events",
  "SELECT format_datetime(ts, 'yyyy''; DROP TABLE t') FROM events",
  "SELECT url_extract_host('http://a/''); DROP TABLE t; --')",
  'SELECT * FROM memory.information_schema.columns',
  'SELECT * FROM "memory"."information_schema"."tables"; DROP TABLE t',
  'SELECT "date_format"(1)',
  'EXPLAIN SELECT * FROM t',
  'EXPLAIN (TYPE DISTRIBUTED, FORMAT JSON) SELECT 1',
  'EXPLAIN ANALYZE SELECT count(*) FROM t',
  'EXPLAIN ANALYZE VERBOSE SELECT 1',
  'INSERT INTO t VALUES (1)',
  'DELETE FROM t',
  'DROP TABLE t',
  'CREATE TABLE t2 AS SELECT 1 AS a',
  'EXPLAIN ANALYZE INSERT INTO t VALUES (1)',
  'EXPLAIN ANALYZE DELETE FROM t',
  "EXECUTE IMMEDIATE 'DROP TABLE t'",
  'USE memory.sales',
  "SET TIME ZONE 'UTC'",
  'CALL system.f()',
  'SELECT 1; DROP TABLE t',
  "SELECT ';'; DROP TABLE t",
  'SELECT 1 -- comment\nDROP TABLE t',
  "SELECT E'\\'; DROP TABLE t; --'",
  'SELECT $$; DROP TABLE t; $$',
  'WITH x AS (SELECT 1) DELETE FROM t',
  'SELECT 1 INTO t',
  'SELECT `a` FROM t; DROP TABLE t',
];

const READ_TYPES = [StatementType.SELECT, StatementType.EXPLAIN];

let db: TrinoOnDuckDb;

beforeAll(async () => {
  await guard.warmUp();
  db = await TrinoOnDuckDb.open();
  // Real tables, so DuckDB binds the statements and reports their true type.
  await db.withConnection((connection) =>
    connection.run(
      'CREATE TABLE t (a INTEGER, x INTEGER); CREATE TABLE s (id INTEGER); CREATE TABLE events (payload VARCHAR, ts TIMESTAMP);',
    ),
  );
}, 60_000);

afterAll(() => Promise.all([db.close(), translator.close(), guard.close()]));

/**
 * How DuckDB's own parser splits `sql`, and each statement's type as its binder reports it;
 * 'refused' when DuckDB cannot parse or bind it (it cannot run either).
 */
async function statementTypes(connection: DuckDBConnection, sql: string): Promise<string[]> {
  const extracted = await connection
    .extractStatements(sql)
    .catch((error: Error) => (/Parser Error/.test(error.message) ? undefined : Promise.reject(error)));
  if (!extracted) return ['refused'];
  const types: string[] = [];
  for (let i = 0; i < extracted.count; i += 1) {
    const type = await extracted.prepare(i).then(
      (prepared) => (READ_TYPES.includes(prepared.statementType) ? 'read' : StatementType[prepared.statementType]),
      () => 'refused',
    );
    types.push(type);
  }
  return types;
}

/** Guard, then translate; the outcome is what the engine would hand DuckDB, or 'refused'. */
async function translatedIfAccepted(sql: string): Promise<string | 'refused'> {
  const checked = await guard.check(sql).catch(() => undefined);
  if (!checked || (checked.kind !== 'query' && checked.kind !== 'explain')) return 'refused';
  return translator.translate(checked.sql).catch(() => 'refused' as const);
}

async function expectSingleRead(sql: string): Promise<void> {
  const translated = await translatedIfAccepted(sql);
  if (translated === 'refused') return;
  const types = await db.withConnection((connection) => statementTypes(connection, translated));
  expect({ sql, translated, types: types.map((type) => (type === 'refused' ? 'read' : type)) }).toEqual({
    sql,
    translated,
    types: ['read'],
  });
}

describe('translation safety', () => {
  it('the check itself notices a smuggled write', async () => {
    await expect(db.withConnection((connection) => statementTypes(connection, 'SELECT 1; DROP TABLE t'))).resolves.toEqual([
      'read',
      'DROP',
    ]);
  });

  it.each(ADVERSARIAL)('%j stays one read, or is refused', async (sql) => {
    await expectSingleRead(sql);
  });

  it('accepted reads translate and prepare as reads', async () => {
    const reads = ADVERSARIAL.slice(0, 27);
    const types = await Promise.all(
      reads.map(async (sql) => {
        const translated = await translatedIfAccepted(sql);
        return translated === 'refused'
          ? 'refused'
          : db.withConnection(async (connection) => (await statementTypes(connection, translated))[0]);
      }),
    );
    // Most of the legitimate reads must get through and bind, or the property above proves nothing.
    expect(types.filter((type) => type === 'read').length).toBeGreaterThanOrEqual(20);
  });

  it('holds for literals and identifiers carrying statement separators and quotes', async () => {
    const payload = fc.stringMatching(/^[a-z ;'"\-/*$%()\\\n]{0,24}$/);
    const wrap = fc.constantFrom(
      (p: string) => `SELECT '${p.replaceAll("'", "''")}' AS s`,
      (p: string) => `SELECT 1 AS "${p.replaceAll('"', '""')}"`,
      (p: string) => `SELECT date_format(ts, '${p.replaceAll("'", "''")}') FROM events`,
      (p: string) => `SELECT format_datetime(ts, '${p.replaceAll("'", "''")}') FROM events`,
      (p: string) => `SELECT url_extract_parameter('http://h/?${p.replaceAll("'", "''")}', 'a')`,
      (p: string) => `SELECT regexp_like(payload, '${p.replaceAll("'", "''")}') FROM events`,
    );
    await fc.assert(
      fc.asyncProperty(payload, wrap, (p, build) => expectSingleRead(build(p))),
      { numRuns: 200 },
    );
  }, 60_000);
});
