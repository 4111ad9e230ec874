import { showCreateTableQuery } from './show-create-table.js';
import { TrinoOnDuckDb } from './trino-dialect.testing.js';

// Expected values are Trino's, as its documentation states them (aggregate functions, information_schema, EXPLAIN).
let db: TrinoOnDuckDb;
beforeAll(async () => {
  db = await TrinoOnDuckDb.open();
  await db.withConnection((connection) =>
    connection.run('CREATE SCHEMA sales; CREATE TABLE sales.orders (order_id BIGINT, status VARCHAR)'),
  );
}, 60_000);
afterAll(() => db.close());

describe('Trino aggregates on DuckDB', () => {
  it('approx_distinct estimates within its documented standard error (2.3%)', async () => {
    const [estimate] = await db.row('SELECT approx_distinct(x) FROM UNNEST(sequence(1, 10000)) AS t(x)');
    expect(Math.abs(Number(estimate) - 10000)).toBeLessThan(10000 * 0.023 * 3);
  });

  it('approx_percentile returns a value at the requested rank', async () => {
    const [median] = await db.row('SELECT approx_percentile(x, 0.5) FROM UNNEST(sequence(1, 1001)) AS t(x)');
    expect(Math.abs(Number(median) - 501)).toBeLessThanOrEqual(10);
  });

  it('count_if, bool_or, arbitrary and max_by', async () => {
    expect(await db.row('SELECT count_if(x > 1), bool_or(x > 2), max_by(x * 10, x) FROM UNNEST(ARRAY[1, 2, 3]) AS t(x)')).toEqual([
      '2',
      true,
      30,
    ]);
  });
});

describe('Trino metadata statements on DuckDB', () => {
  it('catalog.information_schema.columns lists that catalog only', async () => {
    expect(
      await db.rows(
        "SELECT table_schema, table_name, column_name FROM memory.information_schema.columns WHERE table_schema = 'sales' ORDER BY ordinal_position",
      ),
    ).toEqual([
      ['sales', 'orders', 'order_id'],
      ['sales', 'orders', 'status'],
    ]);
    expect(await db.rows('SELECT count(*) FROM other.information_schema.tables c')).toEqual([['0']]);
  });

  it("keeps the caller's alias on an information_schema table", async () => {
    expect(
      await db.rows("SELECT c.column_name FROM memory.information_schema.columns AS c WHERE c.table_name = 'orders' ORDER BY 1"),
    ).toEqual([['order_id'], ['status']]);
    expect(await db.rows("SELECT schema_name FROM memory.information_schema.schemata WHERE schema_name = 'sales'")).toEqual([['sales']]);
  });

  it('SHOW CREATE TABLE answers Trino DDL with Trino type names, and no row for a missing table', async () => {
    const answer = (table: string) =>
      db.withConnection(async (connection) =>
        (await connection.runAndReadAll(showCreateTableQuery({ catalog: 'memory', schema: 'sales', table }).sql)).getRowsJson(),
      );
    expect(await answer('orders')).toEqual([['CREATE TABLE memory.sales.orders (\n   order_id bigint,\n   status varchar\n)']]);
    expect(await answer("orders' OR '1'='1")).toEqual([]);
  });

  it('EXPLAIN shows a plan (not a column description), with Trino-only options dropped', async () => {
    const [[kind]] = await db.rows('EXPLAIN (TYPE LOGICAL) SELECT count(*) FROM sales.orders');
    expect(kind).toBe('physical_plan');
  });
});
