import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FakeTrinoServer } from './fakes/fake-trino.server.js';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { HealthWatch } from './support/health-watch.js';

/** Statements that would change the embedded database if an engine ever ran them. */
const WRITES = [
  'DELETE FROM sales.orders',
  'INSERT INTO sales.orders SELECT * FROM sales.orders',
  'UPDATE sales.orders SET order_id = 0',
  'CREATE TABLE sales.pwned AS SELECT 1 AS x',
  'ALTER TABLE sales.orders RENAME TO pwned',
  'DROP TABLE sales.orders',
  "ATTACH ':memory:' AS pwned",
  "PRAGMA enable_profiling = 'json'",
  'CALL pragma_database_size()',
  'CHECKPOINT',
];

/**
 * Texts Trino's lexer reads as one harmless statement while DuckDB's (nested block comments,
 * E'…' escape strings) would read the write too. Sent as raw text, DuckDB would run the write.
 */
const SMUGGLED = WRITES.flatMap((write) => [
  `/* /* */ SELECT 1 -- */ ${write}`,
  `/* /* */ SELECT 1 -- */ ; ${write}`,
  `SELECT 1 /* /* */ -- */ ; ${write}`,
  `SELECT E'\\' AS x -- '; ${write}; --`,
]);

/** For trino_explain: `EXPLAIN <raw text>` would have become EXPLAIN ANALYZE <write> in DuckDB. */
const SMUGGLED_INTO_EXPLAIN = WRITES.flatMap((write) => [`/* /* */ SELECT 1 -- */ ANALYZE ${write}`, `SELECT 1 /* /* */ -- */ ; ${write}`]);

const PASS_THROUGH = [
  'SELECT * FROM TABLE(postgresql.system."QUERY"(query => \'DELETE FROM orders\'))',
  'SELECT * FROM TABLE(pg.system."RAW_QUERY"(query => \'DROP TABLE orders\'))',
  "SELECT * FROM TABLE(System.Query(query => 'DELETE FROM orders'))",
];

const TOO_COMPLEX = 'SQL is too long or too complex to check; simplify the statement';

interface ToolAnswer {
  isError: boolean;
  text: string;
}

async function callRest(server: TestServer, tool: string, params: Record<string, unknown>): Promise<ToolAnswer> {
  const { status, body } = await postJson(`${server.url}/api/tools/execute`, { tool, params });
  if (status === 200) return { isError: body.isError === true, text: body.content?.[0]?.text ?? '' };
  return { isError: true, text: body?.error?.message ?? JSON.stringify(body) };
}

async function callMcp(client: Client, tool: string, params: Record<string, unknown>): Promise<ToolAnswer> {
  const result = await client.callTool({ name: tool, arguments: params });
  return { isError: result.isError === true, text: (result.content as { text?: string }[])[0]?.text ?? '' };
}

/** What a write would change: the order count and the tables of the sample catalog. */
async function databaseState(server: TestServer): Promise<string> {
  const count = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT count(*) FROM memory.sales.orders' });
  const tables = await postJson(`${server.url}/api/trino/query`, { query: 'SHOW TABLES FROM memory.sales' });
  expect(count.status).toBe(200);
  expect(tables.status).toBe(200);
  return JSON.stringify([count.body.structuredContent.rows, tables.body.structuredContent.rows]);
}

describe('Hostile SQL against the guard on the embedded DuckDB engine (e2e)', () => {
  let server: TestServer;
  let client: Client;
  let before: string;

  beforeAll(async () => {
    server = await startTestServer({ imports: [] });
    client = new Client({ name: 'hostile-sql', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    before = await databaseState(server);
    expect(JSON.parse(before)[0][0][0]).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('runs no write smuggled past Trino lexing, over REST and /mcp: each is refused or runs only the SELECT', async () => {
    for (const query of SMUGGLED) {
      for (const answer of [
        await callRest(server, 'trino_execute_query', { query }),
        await callMcp(client, 'trino_execute_query', { query }),
      ]) {
        if (!answer.isError) expect(answer.text).toMatch(/^(?:1|x) \(/);
      }
    }
    expect(await databaseState(server)).toBe(before);
  });

  it('runs no write smuggled through trino_explain: only EXPLAIN of the checked statement reaches the engine', async () => {
    for (const query of SMUGGLED_INTO_EXPLAIN) {
      for (const answer of [await callRest(server, 'trino_explain', { query }), await callMcp(client, 'trino_explain', { query })]) {
        if (!answer.isError) expect(answer.text).not.toMatch(/INSERT|DELETE|UPDATE|CREATE|DROP|ATTACH/i);
      }
    }
    expect(await databaseState(server)).toBe(before);
  });

  it('refuses every write sent plainly, on both tools', async () => {
    for (const query of WRITES) {
      for (const tool of ['trino_execute_query', 'trino_explain']) {
        const answer = await callMcp(client, tool, { query });
        expect(answer.isError).toBe(true);
      }
    }
    expect(await databaseState(server)).toBe(before);
  });

  it('refuses connector pass-through table functions however quoted or cased', async () => {
    for (const query of PASS_THROUGH) {
      const answer = await callMcp(client, 'trino_execute_query', { query });
      expect(answer).toMatchObject({ isError: true, text: expect.stringContaining("passes SQL to the connector's database") });
    }
  });

  it('keeps /health answering within 250 ms while four large pathological statements are checked, and refuses them clearly', async () => {
    // ~90 KB each: 7,000 columns, then a syntax error the parser's recovery takes seconds over.
    const statements = [0, 1, 2, 3].map((n) => `SELECT ${Array.from({ length: 7000 }, (_, i) => `c${n}_${i}`).join(', ')} FROM FROM`);
    const watch = new HealthWatch(server.url, 250);
    const answers = await Promise.all(statements.map((query) => callRest(server, 'trino_execute_query', { query })));
    const report = await watch.stop();
    for (const answer of answers) expect(answer).toEqual({ isError: true, text: TOO_COMPLEX });
    expect(report.failures).toEqual([]);
    expect(report.probes).toBeGreaterThan(10);
    // The guard still works after its workers were terminated and replaced.
    await expect(callRest(server, 'trino_execute_query', { query: 'SELECT 1 AS one' })).resolves.toMatchObject({ isError: false });
  }, 120_000);
});

describe('Catalog allow-list escapes against a direct Trino (fake) (e2e)', () => {
  let fake: FakeTrinoServer;
  let server: TestServer;

  beforeAll(async () => {
    fake = await FakeTrinoServer.start();
    server = await startTestServer({
      env: { TRINO_URL: fake.url, TRINO_USER: 'mcp', TRINO_CATALOG: 'tpch', TRINO_SCHEMA: 'tiny', TRINO_ALLOWED_CATALOGS: 'tpch' },
      imports: [],
    });
  });

  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it.each([
    ['trino_execute_query', { query: "SELECT * FROM TABLE(hive.system.table_changes(schema_name => 's', table_name => 't'))" }],
    ['trino_execute_query', { query: 'SELECT hive.system.fn(1)' }],
    ['trino_execute_query', { query: 'SHOW GRANTS ON TABLE hive.s.t' }],
    ['trino_execute_query', { query: 'SHOW CREATE FUNCTION hive.s.fn' }],
    ['trino_execute_query', { query: 'SHOW FUNCTIONS FROM hive.s' }],
    ['trino_execute_query', { query: 'SHOW STATS FOR "HIVE".s.t' }],
    ['trino_execute_query', { query: 'SELECT 1', catalog: 'hive' }],
    ['trino_execute_query', { query: 'SELECT * FROM nation', catalog: 'hive' }],
    ['trino_explain', { query: 'SELECT * FROM hive.s.t' }],
    ['trino_explain', { query: 'SELECT 1', catalog: 'hive' }],
    ['trino_list_schemas', { catalog: 'hive' }],
  ])('refuses %s %j without sending anything to Trino', async (tool, params) => {
    const answer = await callRest(server, tool, params);
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('Catalog "hive" is not allowed; allowed catalogs: tpch');
    expect(fake.statementRequests()).toHaveLength(0);
  });
});

describe('Hostile SQL over stdio (built app: the parse worker runs from dist/) (e2e)', () => {
  // The built entry point, exactly as deployed (`npm test` builds before running jest).
  const main = join(process.cwd(), 'dist', 'apps', 'xdp-mcp-server', 'main.js');

  it('runs no write smuggled in a nested comment, and refuses a plain one', async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nest build\` (npm test builds first)`);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [main, '--stdio'],
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'hostile-sql-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      const count = async () =>
        (await client.callTool({ name: 'trino_execute_query', arguments: { query: 'SELECT count(*) AS n FROM sales.orders' } }))
          .structuredContent as { rows: unknown[] };
      const before = await count();
      const smuggled = await callMcp(client, 'trino_execute_query', { query: '/* /* */ SELECT 1 -- */ DELETE FROM sales.orders' });
      expect(smuggled).toMatchObject({ isError: false, text: expect.stringMatching(/^1 \(integer\)\n1\n/) });
      const explained = await callMcp(client, 'trino_explain', { query: '/* /* */ SELECT 1 -- */ ANALYZE DELETE FROM sales.orders' });
      expect(explained.text).not.toMatch(/DELETE/i);
      await expect(callMcp(client, 'trino_execute_query', { query: 'DELETE FROM sales.orders' })).resolves.toMatchObject({
        isError: true,
        text: expect.stringContaining('got a DELETE statement'),
      });
      expect((await count()).rows).toEqual(before.rows);
    } finally {
      await client.close();
    }
  }, 60_000);
});
