import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { WebSocket } from 'ws';
import { FakeTrinoServer } from './fakes/fake-trino.server.js';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';

async function connect(kind: 'ws' | 'mcp', server: TestServer): Promise<Client> {
  const client = new Client({ name: `trino-direct-${kind}`, version: '1.0.0' });
  await client.connect(
    kind === 'ws' ? new WebSocketClientTransport(new URL(server.wsUrl)) : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)),
  );
  return client;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const HANG = { match: /forever/, pageDelayMs: 50, behaviour: { kind: 'hang' as const } };

describe('Trino tools against a direct Trino coordinator (fake) (e2e)', () => {
  let fake: FakeTrinoServer;
  let server: TestServer;

  beforeAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    fake = await FakeTrinoServer.start({ auth: { bearer: 'jwt-token-value' } });
    server = await startTestServer({
      env: {
        TRINO_URL: fake.url,
        TRINO_JWT: 'jwt-token-value',
        TRINO_USER: 'mcp',
        TRINO_CATALOG: 'memory',
        TRINO_SCHEMA: 'sales',
        TRINO_QUERY_TIMEOUT_MS: '3000',
      },
      imports: [],
    });
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('routes to the "trino" dataplane and reads every page of a real result', async () => {
    const { status, body } = await postJson(`${server.url}/api/trino/query`, {
      query: 'SELECT order_id FROM orders ORDER BY order_id LIMIT 9',
    });
    expect(status).toBe(200);
    expect(body.structuredContent).toMatchObject({ dataplane: 'trino', rowCount: 9, truncated: false });
    expect(body.structuredContent.rows.map((row: number[]) => row[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(fake.statementRequests()[0].headers).toMatchObject({
      authorization: 'Bearer jwt-token-value',
      'x-trino-catalog': 'memory',
      'x-trino-session': 'query_max_execution_time=3s',
    });
  });

  it('answers the metadata tools with quoted identifiers', async () => {
    const catalogs = await getJson(`${server.url}/api/trino/catalogs`);
    expect(catalogs.body.structuredContent.rows).toEqual([['memory']]);
    expect(fake.statementRequests().at(-1)?.body).toBe('SHOW CATALOGS');
    const tables = await getJson(`${server.url}/api/trino/tables?catalog=memory&schema=sales`);
    expect(tables.body.structuredContent.rows).toContainEqual(['sales', 'orders', 'BASE TABLE']);
    expect(fake.statementRequests().at(-1)?.body).toBe(
      `SELECT table_schema AS "Schema", table_name AS "Table", table_type AS "Type" FROM "memory"."information_schema"."tables" WHERE table_schema = 'sales' ORDER BY 1, 2`,
    );
    const hostile = await getJson(
      `${server.url}/api/trino/columns?catalog=memory&schema=sa"les&table=${encodeURIComponent("x'; DROP TABLE t; --")}`,
    );
    expect(hostile.status).toBeGreaterThanOrEqual(400);
    expect(fake.statementRequests().at(-1)?.body).toBe(`SHOW COLUMNS FROM "memory"."sa""les"."x'; DROP TABLE t; --"`);
    const schemas = await getJson(`${server.url}/api/trino/schemas?catalog=${encodeURIComponent('mem"ory')}`);
    expect(fake.statementRequests().at(-2)?.body).toBe('SHOW SCHEMAS FROM "mem""ory"');
    // No schemas because no such catalog: an error naming the nearest catalogs, not 0 rows.
    expect(schemas.status).toBe(404);
    expect(schemas.body.error.message).toBe(String.raw`Catalog "mem\"ory" does not exist; nearest existing: "memory"`);
  });

  it("answers trino_explain with Trino's one-cell plan split into readable lines, none cut", async () => {
    const plan = [
      'Fragment 0 [SINGLE]',
      '    Output layout: [count]',
      `    ${'Aggregate[type = FINAL] => '.repeat(12)}`,
      '        TableScan[table = memory:sales:orders]',
    ];
    fake.script({
      match: /^EXPLAIN/,
      behaviour: { kind: 'rows', columns: [{ name: 'Query Plan', type: 'varchar' }], rows: [[plan.join('\n')]] },
    });
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, {
      tool: 'trino_explain',
      params: { query: 'SELECT count(*) FROM orders' },
    });
    expect(status).toBe(200);
    expect(body.content[0].text.split('\n').slice(0, 4)).toEqual(plan.map((line) => line.trimEnd()));
    expect(body.structuredContent.rows).toEqual(plan.map((line) => [line.trimEnd()]));
  });

  it('caps rows: stops reading, cancels upstream with DELETE, and reports truncation', async () => {
    fake.script({
      match: /million/,
      pageSize: 500,
      behaviour: { kind: 'generated', columns: [{ name: 'n', type: 'bigint' }], rowCount: 1_000_000, row: (i) => [i] },
    });
    const started = Date.now();
    const { body } = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT million', maxRows: 1000 });
    expect(body.structuredContent).toMatchObject({ rowCount: 1000, truncated: true });
    expect(Date.now() - started).toBeLessThan(15_000);
    await until(() => fake.cancelled.length === 1);
  });

  it('times out a long query, cancels it upstream and frees the call', async () => {
    fake.script(HANG);
    const started = Date.now();
    const { status, body } = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT forever' });
    expect(status).toBe(504);
    expect(body.error.message).toContain('3000 ms time limit');
    expect(Date.now() - started).toBeLessThan(15_000);
    await until(() => fake.cancelled.length === 1);
  });

  it('cancels upstream when the REST caller disconnects', async () => {
    fake.script(HANG);
    const controller = new AbortController();
    const pending = fetch(`${server.url}/api/trino/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT forever' }),
      signal: controller.signal,
    }).catch(() => undefined);
    await until(() => fake.requests.some((r) => r.method === 'GET'));
    controller.abort();
    await pending;
    await until(() => fake.cancelled.length === 1, 8000);
  });

  it.each(['ws', 'mcp'] as const)('cancels upstream on MCP notifications/cancelled over /%s, after reporting progress', async (kind) => {
    fake.script(HANG);
    const client = await connect(kind, server);
    try {
      const controller = new AbortController();
      const progress: string[] = [];
      const call = client.callTool({ name: 'trino_execute_query', arguments: { query: 'SELECT forever' } }, undefined, {
        signal: controller.signal,
        onprogress: (p) => progress.push(p.message ?? ''),
      });
      await until(() => progress.some((message) => message.startsWith('RUNNING')));
      expect(progress[0]).toMatch(/^QUEUED/);
      controller.abort();
      await expect(call).rejects.toThrow();
      await until(() => fake.cancelled.length === 1, 8000);
      expect(fake.running).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('cancels upstream when the WebSocket closes mid-query', async () => {
    fake.script(HANG);
    const client = await connect('ws', server);
    const call = client.callTool({ name: 'trino_execute_query', arguments: { query: 'SELECT forever' } }).catch(() => undefined);
    await until(() => fake.requests.some((r) => r.method === 'GET'));
    await client.close();
    await call;
    await until(() => fake.cancelled.length === 1, 8000);
  });

  it('surfaces a Trino failure delivered as HTTP 200 as a tool error', async () => {
    fake.script({
      match: /oops/,
      behaviour: {
        kind: 'fail',
        afterPages: 2,
        error: { message: 'Table memory.sales.oops does not exist', errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR', errorCode: 46 },
      },
    });
    const { status, body } = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT * FROM oops' });
    expect(status).toBe(404);
    expect(body.error.message).toBe('Trino query failed: TABLE_NOT_FOUND: Table memory.sales.oops does not exist (line 1:1)');
  });

  it('keeps the JWT out of logs and responses, and shows Trino health in /ready', async () => {
    const ready = await getJson(`${server.url}/ready`);
    expect(ready.body.dependencies['trino:trino']).toMatchObject({ engine: 'trino', status: 'up', message: 'Trino fake-475' });
    expect(server.logs()).not.toContain('jwt-token-value');
  });
});

describe('Trino catalog allow-list (e2e)', () => {
  let fake: FakeTrinoServer;
  let server: TestServer;

  beforeAll(async () => {
    fake = await FakeTrinoServer.start();
    server = await startTestServer({ env: { TRINO_URL: fake.url, TRINO_ALLOWED_CATALOGS: 'memory' }, imports: [] });
  });

  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('refuses other catalogs before anything reaches Trino', async () => {
    const query = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT * FROM hive.default.secrets' });
    expect(query.status).toBe(403);
    expect(query.body.error.message).toBe('Catalog "hive" is not allowed; allowed catalogs: memory');
    const schemas = await getJson(`${server.url}/api/trino/schemas?catalog=hive`);
    expect(schemas.status).toBe(403);
    expect(fake.statementRequests()).toHaveLength(0);
    const allowed = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT count(*) FROM memory.sales.products' });
    expect(allowed.body.structuredContent.rows).toEqual([[60]]);
  });
});
