import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SAMPLE_DATASET_SQL } from './sample-dataset.sql.js';

async function seeded(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(SAMPLE_DATASET_SQL);
  return { instance, connection };
}

describe('sample dataset (memory.sales)', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJson();

  beforeAll(async () => ({ instance, connection } = await seeded()));
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('keeps the row counts and region split that examples and tests rely on', async () => {
    expect(
      await rows(
        'SELECT (SELECT count(*) FROM sales.customers), (SELECT count(*) FROM sales.products), (SELECT count(*) FROM sales.orders)',
      ),
    ).toEqual([['500', '60', '5000']]);
    expect(await rows('SELECT region, count(*) FROM sales.customers GROUP BY region ORDER BY region')).toEqual([
      ['AMER', '164'],
      ['APAC', '194'],
      ['EMEA', '142'],
    ]);
  });

  it('has no order before its customer signed up, and every order has a known customer', async () => {
    expect(
      await rows(
        'SELECT count(*) FROM sales.orders o LEFT JOIN sales.customers c USING (customer_id) WHERE c.customer_id IS NULL OR CAST(o.ordered_at AS DATE) < c.signup_date',
      ),
    ).toEqual([['0']]);
  });

  it("numbers each order's lines 1..n without gaps, with distinct products, and every order has a line", async () => {
    expect(
      await rows(
        'SELECT count(*) FROM (SELECT order_id, max(line_number) AS n, count(*) AS lines, count(DISTINCT product_id) AS products FROM sales.order_items GROUP BY order_id) WHERE n <> lines OR products <> lines',
      ),
    ).toEqual([['0']]);
    expect(await rows('SELECT count(*) FROM sales.orders WHERE order_id NOT IN (SELECT order_id FROM sales.order_items)')).toEqual([['0']]);
  });

  it('peaks in November and December and dips in summer', async () => {
    const [[summer, holidays]] = await rows(
      'SELECT avg(n) FILTER (WHERE m BETWEEN 6 AND 8), avg(n) FILTER (WHERE m >= 11) FROM (SELECT month(ordered_at) AS m, count(*) AS n FROM sales.orders GROUP BY 1)',
    );
    expect(Number(holidays)).toBeGreaterThan(1.5 * Number(summer));
    expect(
      await rows("SELECT min(ordered_at) >= TIMESTAMP '2024-01-01', max(ordered_at) < TIMESTAMP '2025-01-01' FROM sales.orders"),
    ).toEqual([[true, true]]);
  });

  it('has a realistic status mix: recent orders still open, older ones mostly delivered', async () => {
    const mix = Object.fromEntries(
      (await rows('SELECT status, count(*) FROM sales.orders GROUP BY 1')).map(([status, n]) => [status, Number(n)]),
    );
    expect(Object.keys(mix).sort()).toEqual(['cancelled', 'delivered', 'processing', 'returned', 'shipped']);
    expect(mix.delivered / 5000).toBeGreaterThan(0.8);
    expect(
      await rows("SELECT count(*) FROM sales.orders WHERE status IN ('processing', 'shipped') AND ordered_at < TIMESTAMP '2024-12-23'"),
    ).toEqual([['0']]);
  });

  it('is the same data on every start', async () => {
    const other = await seeded();
    try {
      const checksum =
        'SELECT sum(hash(o.order_id, o.customer_id, o.ordered_at, o.status, i.product_id, i.quantity)) FROM sales.orders o JOIN sales.order_items i USING (order_id)';
      expect((await other.connection.runAndReadAll(checksum)).getRowsJson()).toEqual(await rows(checksum));
    } finally {
      other.connection.closeSync();
      other.instance.closeSync();
    }
  });
});
