import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';

/**
 * The local (DuckDB) engine answers Trino SQL with Trino's values: each statement below gives a
 * different answer (or none) when run on DuckDB untranslated.
 */
const TRINO_ANSWERS: [string, string, unknown[][]][] = [
  ['integer division', 'SELECT 7 / 2, -7 / 2', [[3, -3]]],
  ['approx_distinct', 'SELECT approx_distinct(region) FROM sales.customers', [[3]]],
  ['regexp_like (a partial match, as in Trino)', "SELECT regexp_like('abc', 'b'), regexp_like('abc', '^b')", [[true, false]]],
  [
    'json_extract_scalar (NULL for an object)',
    `SELECT json_extract_scalar('{"a": {"b": "x"}}', '$.a.b'), json_extract_scalar('{"a": {"b": "x"}}', '$.a')`,
    [['x', null]],
  ],
  ['element_at (from the end, NULL past it)', 'SELECT element_at(ARRAY[10, 20, 30], -1), element_at(ARRAY[10, 20, 30], 4)', [[30, null]]],
  ['cardinality', 'SELECT cardinality(ARRAY[1, 2, 3])', [[3]]],
  [
    'date_format with MySQL patterns',
    "SELECT date_format(TIMESTAMP '2024-03-05 14:07:09', '%Y-%m-%d %H:%i:%s %b')",
    [['2024-03-05 14:07:09 Mar']],
  ],
  ['from_unixtime', 'SELECT year(from_unixtime(86400 * 366)), to_unixtime(from_unixtime(86400))', [[1971, 86400]]],
  ['VALUES with bare rows', 'VALUES 1, 2, 3', [[1], [2], [3]]],
  [
    'memory.information_schema.columns',
    "SELECT column_name FROM memory.information_schema.columns WHERE table_schema = 'sales' AND table_name = 'orders' ORDER BY ordinal_position LIMIT 2",
    [['order_id'], ['customer_id']],
  ],
  [
    'lambdas',
    'SELECT transform(ARRAY[1, 2, 3], x -> x * 10), filter(ARRAY[1, 2, 3, 4], x -> x % 2 = 0)',
    [
      [
        [10, 20, 30],
        [2, 4],
      ],
    ],
  ],
  ['1-based array subscripts', 'SELECT ARRAY[10, 20, 30][1]', [[10]]],
  [
    'format_datetime with Java patterns',
    "SELECT format_datetime(TIMESTAMP '2024-03-05 14:07:09', 'yyyy-MM-dd HH:mm')",
    [['2024-03-05 14:07']],
  ],
  ['ISO day_of_week (Sunday is 7)', "SELECT day_of_week(DATE '2024-01-07'), day_of_week(DATE '2024-01-08')", [[7, 1]]],
  ['sequence', 'SELECT sequence(1, 5, 2)', [[[1, 3, 5]]]],
  ['contains on arrays', 'SELECT contains(ARRAY[1, 2], 2), contains(ARRAY[1, 2], 3)', [[true, false]]],
  [
    'URL functions',
    "SELECT url_extract_host('https://example.com:8080/a?b=c'), url_extract_parameter('https://example.com/a?b=c&d=e', 'd')",
    [['example.com', 'e']],
  ],
  ['UNNEST with sequence', 'SELECT max(x), count(*) FROM UNNEST(sequence(1, 4)) AS t(x)', [[4, 4]]],
];

/** Trino's metadata statements answer rows on the local engine. */
const METADATA_STATEMENTS: [string, unknown[]][] = [
  ['SHOW SCHEMAS FROM memory', ['sales']],
  ['SHOW TABLES FROM memory.sales', ['orders']],
  ['SHOW COLUMNS FROM memory.sales.orders', ['order_id']],
];

describe('Trino SQL on the local engine (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ imports: [] });
  });

  afterAll(() => server.close());

  const query = (sql: string) => postJson(`${server.url}/api/trino/query`, { query: sql });

  it.each(TRINO_ANSWERS)('answers %s as Trino does over REST', async (_name, sql, rows) => {
    const response = await query(sql);
    expect(response.body.error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(response.body.structuredContent).toMatchObject({ dataplane: 'local', rows });
  });

  it.each(METADATA_STATEMENTS)('answers %s with rows', async (sql, firstColumnHas) => {
    const response = await query(sql);
    expect(response.status).toBe(200);
    expect(response.body.structuredContent.rows.map((row: unknown[]) => row[0])).toEqual(expect.arrayContaining(firstColumnHas));
  });

  it("answers SHOW CREATE TABLE with the table's definition", async () => {
    const response = await query('SHOW CREATE TABLE memory.sales.orders');
    expect(response.status).toBe(200);
    expect(String(response.body.structuredContent.rows[0][0])).toMatch(/^CREATE TABLE .*orders/);
  });

  it('resolves unquoted identifiers case-insensitively, as Trino does', async () => {
    const response = await query('SELECT COUNT(*) FROM SALES.ORDERS WHERE Order_Id = 1');
    expect(response.status).toBe(200);
    expect(response.body.structuredContent.rows).toEqual([[1]]);
  });

  it('answers trino_list_schemas for an unknown catalog with an error naming the nearest catalogs, not 0 rows', async () => {
    const response = await fetch(`${server.url}/api/trino/schemas?catalog=memroy`);
    const body = (await response.json()) as { error: unknown };
    expect(response.status).toBe(404);
    expect(body.error).toMatchObject({ code: 'not_found', message: 'Catalog "memroy" does not exist; nearest existing: "memory"' });
    const known = await fetch(`${server.url}/api/trino/schemas?catalog=memory`);
    expect(known.status).toBe(200);
  });

  it('answers trino_explain with the plan as readable text lines, not cells cut at 200 characters', async () => {
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, {
      tool: 'trino_explain',
      params: { query: 'SELECT c.region, count(*) FROM sales.orders o JOIN sales.customers c ON c.customer_id = o.customer_id GROUP BY 1' },
    });
    expect(status).toBe(200);
    const text: string = body.content[0].text;
    const lines = text.split('\n');
    // DuckDB's drawn plan, one line per line: boxes and the operators in them.
    expect(lines.length).toBeGreaterThan(10);
    expect(text).toMatch(/HASH_GROUP_BY/);
    expect(text).toMatch(/HASH_JOIN/);
    expect(text).not.toContain('physical_plan');
    expect(body.structuredContent.columns).toEqual([{ name: 'Query Plan', type: 'varchar' }]);
    expect(body.structuredContent.rows.map((row: string[]) => row[0])).toEqual(lines.slice(0, body.structuredContent.rows.length));
  });

  it('answers Trino SQL over /mcp with the official SDK client', async () => {
    const client = new Client({ name: 'trino-dialect-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    try {
      const result = await client.callTool({
        name: 'trino_execute_query',
        arguments: { query: 'SELECT 7 / 2 AS half, transform(ARRAY[1, 2], x -> x + 1) AS next' },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ columns: [{ name: 'half' }, { name: 'next' }], rows: [[3, [2, 3]]] });
    } finally {
      await client.close();
    }
  });

  it('answers a DuckDB spelling with the Trino one, never "only one statement"', async () => {
    const range = await query('SELECT * FROM range(10) t(x)');
    expect(range.status).toBe(400);
    expect(range.body.error.message).toContain('Write Trino SQL');
    expect(range.body.error.message).toContain('in Trino write UNNEST(sequence(0, 9)) instead of range(10)');
    expect(range.body.error.message).not.toContain('Only one statement');
    const cast = await query('SELECT 1::int');
    expect(cast.status).toBe(400);
    expect(cast.body.error.message).toContain('CAST(1 AS int) instead of 1::int');
  });

  it('refuses, with the reason, Trino SQL the local engine cannot translate', async () => {
    const response = await query("SELECT date_format(TIMESTAMP '2024-03-05 14:07:09', '%D')");
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('date_format specifier "%D" is not supported on the local engine');
  });
});
