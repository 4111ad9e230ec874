import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { WebSocket } from 'ws';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';

async function connect(kind: 'ws' | 'mcp', server: TestServer): Promise<Client> {
  const client = new Client({ name: `trino-e2e-${kind}`, version: '1.0.0' });
  await client.connect(
    kind === 'ws' ? new WebSocketClientTransport(new URL(server.wsUrl)) : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)),
  );
  return client;
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SAMPLE_QUERY = 'SELECT region, count(*) AS customers FROM sales.customers GROUP BY region ORDER BY region';
const SAMPLE_ROWS = [
  ['AMER', 164],
  ['APAC', 194],
  ['EMEA', 142],
];

describe('Trino tools with no configuration: embedded DuckDB sample data (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    server = await startTestServer({ imports: [] });
  });

  afterAll(() => server.close());

  it('lists catalogs and runs a SELECT on the sample data over REST', async () => {
    const catalogs = await getJson(`${server.url}/api/trino/catalogs`);
    expect(catalogs.status).toBe(200);
    expect(catalogs.body.structuredContent).toMatchObject({
      dataplane: 'local',
      columns: [{ name: 'Catalog', type: 'varchar' }],
      rows: [['memory']],
    });

    const query = await postJson(`${server.url}/api/trino/query`, { query: SAMPLE_QUERY });
    expect(query.status).toBe(200);
    expect(query.body.structuredContent).toMatchObject({
      columns: [
        { name: 'region', type: 'varchar' },
        { name: 'customers', type: 'bigint' },
      ],
      rows: SAMPLE_ROWS,
      rowCount: 3,
      truncated: false,
    });
    expect(query.body.content[0].text).toContain('region (varchar) | customers (bigint)\nAMER | 164\nAPAC | 194\nEMEA | 142\n3 row(s)');
  });

  it.each(['ws', 'mcp'] as const)('answers trino_list_catalogs and a SELECT over /%s with the official SDK client', async (kind) => {
    const client = await connect(kind, server);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'trino_execute_query',
          'trino_list_catalogs',
          'trino_list_schemas',
          'trino_list_tables',
          'trino_describe_table',
          'trino_explain',
        ]),
      );
      for (const tool of tools.filter((t) => t.name.startsWith('trino_'))) expect(tool.annotations?.readOnlyHint).toBe(true);
      const catalogs = await client.callTool({ name: 'trino_list_catalogs', arguments: {} });
      expect(catalogs.structuredContent).toMatchObject({ rows: [['memory']] });
      const result = await client.callTool({ name: 'trino_execute_query', arguments: { query: SAMPLE_QUERY } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ rows: SAMPLE_ROWS });
    } finally {
      await client.close();
    }
  });

  it('conforms to the declared outputSchema on every tool', async () => {
    const { body } = await postJson(`${server.url}/api/tools/list`, {});
    const ajv = new Ajv2020({ strict: false });
    const calls: Record<string, Record<string, unknown>> = {
      trino_execute_query: { query: 'SELECT * FROM sales.orders', maxRows: 5 },
      trino_list_catalogs: {},
      trino_list_schemas: { catalog: 'memory' },
      trino_list_tables: { catalog: 'memory' },
      trino_describe_table: { catalog: 'memory', schema: 'sales', table: 'order_items' },
      trino_explain: { query: 'SELECT count(*) FROM sales.orders' },
    };
    for (const [tool, params] of Object.entries(calls)) {
      const definition = body.tools.find((t: { name: string }) => t.name === tool);
      const result = await postJson(`${server.url}/api/tools/execute`, { tool, params });
      expect(result.status).toBe(200);
      const validate = ajv.compile(definition.outputSchema);
      expect({ tool, valid: validate(result.body.structuredContent), errors: validate.errors }).toMatchObject({ tool, valid: true });
    }
  });

  it('serves the metadata GET endpoints', async () => {
    const schemas = await getJson(`${server.url}/api/trino/schemas?catalog=memory`);
    expect(schemas.body.structuredContent.rows).toEqual([['main'], ['sales']]);
    const tables = await getJson(`${server.url}/api/trino/tables?catalog=memory&schema=sales`);
    expect(tables.body.structuredContent.rows).toEqual([
      ['sales', 'customers', 'BASE TABLE'],
      ['sales', 'order_items', 'BASE TABLE'],
      ['sales', 'orders', 'BASE TABLE'],
      ['sales', 'products', 'BASE TABLE'],
    ]);
    const columns = await getJson(`${server.url}/api/trino/columns?catalog=memory&schema=sales&table=products`);
    expect(columns.body.structuredContent.rows).toEqual([
      ['product_id', 'integer', '', ''],
      ['name', 'varchar', '', ''],
      ['category', 'varchar', '', ''],
      ['unit_price', 'decimal(10,2)', '', ''],
      ['active', 'boolean', '', ''],
    ]);
    const missing = await getJson(`${server.url}/api/trino/columns?catalog=memory&schema=sales`);
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.map((f: { field: string }) => f.field)).toContain('table');
  });

  it('documents the Trino endpoints in the OpenAPI document', async () => {
    const openapi = await getJson(`${server.url}/api/docs-json`);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/api/trino/query', '/api/trino/catalogs', '/api/trino/schemas', '/api/trino/tables', '/api/trino/columns']),
    );
    expect(openapi.body.paths['/api/trino/columns'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'catalog',
      'dataplane',
      'schema',
      'table',
    ]);
  });

  it('quotes identifiers in metadata queries: a hostile table name is just a missing table', async () => {
    const table = encodeURIComponent('orders"; DROP TABLE sales.orders; --');
    const result = await getJson(`${server.url}/api/trino/columns?catalog=memory&schema=sales&table=${table}`);
    expect(result.status).toBe(404);
    expect(result.body.error.message).toContain('orders"; DROP TABLE sales.orders; --');
    const count = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT count(*) FROM sales.orders' });
    expect(count.body.structuredContent.rows).toEqual([[5000]]);
  });

  it('rejects writes and multiple statements with a clear error, counted in /metrics', async () => {
    const write = await postJson(`${server.url}/api/trino/query`, { query: 'DROP TABLE sales.orders' });
    expect(write.status).toBe(403);
    expect(write.body.isError).toBe(true);
    expect(write.body.error.message).toContain('Read-only mode allows only SELECT');
    const smuggled = await postJson(`${server.url}/api/trino/query`, { query: "SELECT ';' /* ; */; DELETE FROM sales.orders" });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error.message).toContain('Only one statement is allowed');
    const metrics = await getJson(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/xdp_mcp_trino_rejected_statements_total\{reason="not_read_only"\} [1-9]/);
    expect(metrics.body).toMatch(/xdp_mcp_trino_rejected_statements_total\{reason="multiple_statements"\} [1-9]/);
    expect(metrics.body).toMatch(/xdp_mcp_trino_queries_total\{engine="duckdb",outcome="success"\} [1-9]/);
    expect(metrics.body).toMatch(/xdp_mcp_trino_rows_returned_total\{engine="duckdb"\} [1-9]/);
  });

  it('caps rows, says so in structuredContent and in the text, and keeps the text within RESULT_MAX_BYTES', async () => {
    const capped = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT * FROM sales.order_items', maxRows: 7 });
    expect(capped.body.structuredContent).toMatchObject({ rowCount: 7, truncated: true });
    expect(capped.body.content[0].text).toContain('Result truncated at maxRows=7');
    const wide = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT * FROM sales.customers', maxRows: 10000 });
    expect(wide.body.structuredContent).toMatchObject({ rowCount: 500, truncated: false });
    expect(Buffer.byteLength(wide.body.content[0].text)).toBeLessThanOrEqual(256 * 1024);
  });

  it('names the available dataplanes for an unknown one', async () => {
    const result = await postJson(`${server.url}/api/trino/query`, { dataplane: 'prod', query: 'SELECT 1' });
    expect(result.status).toBe(404);
    expect(result.body.error.message).toBe('Unknown dataplane "prod": available dataplanes: "local" (embedded DuckDB sample data)');
  });

  it('reports the engine in /ready from the cached background check', async () => {
    const ready = await eventually(
      () => getJson(`${server.url}/ready`),
      (r) => r.body.dependencies?.['trino:local']?.status === 'up',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.dependencies['trino:local']).toMatchObject({ status: 'up', engine: 'duckdb' });
  });
});

describe('Trino tools with a tiny text budget (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { RESULT_MAX_BYTES: '2048' }, imports: [] });
  });

  afterAll(() => server.close());

  it('keeps the whole answer (text and structuredContent) within the budget and says rows were cut', async () => {
    const result = await postJson(`${server.url}/api/trino/query`, {
      query: 'SELECT * FROM sales.customers ORDER BY customer_id',
      maxRows: 200,
    });
    expect(Buffer.byteLength(JSON.stringify(result.body))).toBeLessThanOrEqual(2048);
    const { rowCount, rows, truncated, truncatedBy } = result.body.structuredContent;
    expect({ truncated, truncatedBy }).toEqual({ truncated: true, truncatedBy: 'bytes' });
    expect(rowCount).toBeGreaterThan(0);
    expect(rows.map((row: number[]) => row[0])).toEqual(Array.from({ length: rowCount }, (_, i) => i + 1));
    expect(result.body.content[0].text).toContain(
      `Result cut to fit the 2048-byte result budget (RESULT_MAX_BYTES): ${rowCount} row(s) kept`,
    );
  });
});
