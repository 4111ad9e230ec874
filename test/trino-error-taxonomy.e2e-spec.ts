import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FakeTrinoServer } from './fakes/fake-trino.server.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';

/**
 * One error taxonomy for the three engines: the same failure gets the same REST status, the same
 * error code and the same MCP tool-error kind whether direct Trino, Trino behind XDP or the
 * embedded DuckDB engine reported it; user errors are labelled `user` in the metrics the alert reads.
 */
interface TrinoFailure {
  message: string;
  errorName: string;
  errorType: string;
  errorCode: number;
}

interface Expected {
  status: number;
  code: string;
  errorClass: 'user' | 'server';
}

// Trino's QueryError, as a coordinator (and XDP, which forwards it) reports it.
const TRINO_CASES: Array<[string, TrinoFailure, Expected]> = [
  [
    'syntax error',
    { message: "line 1:8: mismatched input 'FORM'", errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR', errorCode: 1 },
    { status: 400, code: 'invalid_arguments', errorClass: 'user' },
  ],
  [
    'unknown table',
    {
      message: "line 1:15: Table 'memory.sales.nope' does not exist",
      errorName: 'TABLE_NOT_FOUND',
      errorType: 'USER_ERROR',
      errorCode: 46,
    },
    { status: 404, code: 'not_found', errorClass: 'user' },
  ],
  [
    'unknown column',
    { message: "line 1:8: Column 'nope' cannot be resolved", errorName: 'COLUMN_NOT_FOUND', errorType: 'USER_ERROR', errorCode: 47 },
    { status: 404, code: 'not_found', errorClass: 'user' },
  ],
  [
    'division by zero',
    { message: 'Division by zero', errorName: 'DIVISION_BY_ZERO', errorType: 'USER_ERROR', errorCode: 8 },
    { status: 400, code: 'invalid_arguments', errorClass: 'user' },
  ],
  [
    'permission',
    {
      message: 'Access Denied: Cannot select from table memory.sales.secret',
      errorName: 'PERMISSION_DENIED',
      errorType: 'USER_ERROR',
      errorCode: 4,
    },
    { status: 403, code: 'forbidden', errorClass: 'user' },
  ],
  [
    'time limit',
    {
      message: 'Query exceeded maximum time limit of 3.00s',
      errorName: 'EXCEEDED_TIME_LIMIT',
      errorType: 'INSUFFICIENT_RESOURCES',
      errorCode: 131075,
    },
    { status: 504, code: 'timeout', errorClass: 'server' },
  ],
  [
    'memory limit',
    {
      message: 'Query exceeded distributed user memory limit of 1GB',
      errorName: 'EXCEEDED_USER_MEMORY_LIMIT',
      errorType: 'INSUFFICIENT_RESOURCES',
      errorCode: 131078,
    },
    { status: 413, code: 'too_large', errorClass: 'user' },
  ],
  [
    'node memory limit',
    {
      message: 'Query exceeded per-node memory limit of 512MB',
      errorName: 'EXCEEDED_LOCAL_MEMORY_LIMIT',
      errorType: 'INSUFFICIENT_RESOURCES',
      errorCode: 131079,
    },
    { status: 413, code: 'too_large', errorClass: 'user' },
  ],
  [
    'queue full',
    {
      message: 'Too many queued queries for "global"',
      errorName: 'QUERY_QUEUE_FULL',
      errorType: 'INSUFFICIENT_RESOURCES',
      errorCode: 131074,
    },
    { status: 503, code: 'busy', errorClass: 'server' },
  ],
  [
    'internal error',
    { message: 'Worker crashed', errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR', errorCode: 65536 },
    { status: 502, code: 'upstream', errorClass: 'server' },
  ],
  [
    'connector failure',
    { message: 'Hive metastore unreachable', errorName: 'HIVE_METASTORE_ERROR', errorType: 'EXTERNAL', errorCode: 16777216 },
    { status: 502, code: 'upstream', errorClass: 'server' },
  ],
];

// Real DuckDB exceptions, by class, for the same mistakes on the local engine.
const DUCKDB_CASES: Array<[string, string, Expected]> = [
  ['unknown table (Catalog Error)', 'SELECT * FROM nope', { status: 404, code: 'not_found', errorClass: 'user' }],
  ['unknown function (Catalog Error)', 'SELECT no_such_function(1)', { status: 404, code: 'not_found', errorClass: 'user' }],
  [
    'type mismatch (Binder Error)',
    "SELECT * FROM orders WHERE order_id = DATE '2024-01-01'",
    { status: 400, code: 'invalid_arguments', errorClass: 'user' },
  ],
  ['bad cast (Conversion Error)', "SELECT CAST('x' AS integer)", { status: 400, code: 'invalid_arguments', errorClass: 'user' }],
];

async function mcpClient(server: TestServer): Promise<Client> {
  const client = new Client({ name: 'taxonomy', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  return client;
}

/** The REST answer and the MCP tool result for one query. */
async function bothAnswers(server: TestServer, client: Client, args: Record<string, unknown>) {
  const rest = await postJson(`${server.url}/api/trino/query`, args);
  const mcp = (await client.callTool({ name: 'trino_execute_query', arguments: args })) as {
    isError?: boolean;
    content: Array<{ text: string }>;
  };
  return { rest, mcp };
}

async function failuresByClass(server: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts: Record<string, number> = { user: 0, server: 0 };
  for (const match of text.matchAll(/^xdp_mcp_tool_calls_total\{[^}]*error_class="(user|server)"[^}]*\} (\d+)/gm))
    counts[match[1]] += Number(match[2]);
  return counts;
}

function expectAnswer(answer: Awaited<ReturnType<typeof bothAnswers>>, expected: Expected, message: string | RegExp): void {
  expect({ status: answer.rest.status, code: answer.rest.body.error?.code }).toEqual({ status: expected.status, code: expected.code });
  expect(answer.rest.body.error.message).toMatch(message);
  expect(answer.mcp.isError).toBe(true);
  expect(answer.mcp.content[0].text).toMatch(message);
}

/** REST and MCP each record one failure of the expected class while `call` runs, none of the other. */
async function expectFailuresRecorded(server: TestServer, expected: Expected, call: () => Promise<void>): Promise<void> {
  const before = await failuresByClass(server);
  await call();
  const after = await failuresByClass(server);
  expect({ user: after.user - before.user, server: after.server - before.server }).toEqual(
    expected.errorClass === 'user' ? { user: 2, server: 0 } : { user: 0, server: 2 },
  );
}

interface Upstream {
  reset(): void;
  close(): Promise<void>;
}

/** A fake upstream, the server pointed at it and an MCP client, started before and closed after the enclosing block. */
function serverBehind<F extends Upstream>(
  start: () => Promise<F>,
  env: (upstream: F) => Record<string, string>,
): { upstream: F; server: TestServer; client: Client } {
  const run = {} as { upstream: F; server: TestServer; client: Client };
  beforeAll(async () => {
    run.upstream = await start();
    run.server = await startTestServer({ env: env(run.upstream), imports: [] });
    run.client = await mcpClient(run.server);
  });
  afterAll(async () => {
    await run.client.close();
    await run.server.close();
    await run.upstream.close();
  });
  return run;
}

describe('one error taxonomy for the three engines (e2e)', () => {
  describe('direct Trino', () => {
    const run = serverBehind(
      () => FakeTrinoServer.start(),
      (fake) => ({ TRINO_URL: fake.url, TRINO_USER: 'mcp', TRINO_CATALOG: 'memory', TRINO_SCHEMA: 'sales' }),
    );

    it.each(TRINO_CASES)('%s', async (_name, error, expected) => {
      run.upstream.reset();
      run.upstream.script({ match: /taxonomy_case/, behaviour: { kind: 'fail', error } });
      await expectFailuresRecorded(run.server, expected, async () => {
        expectAnswer(await bothAnswers(run.server, run.client, { query: 'SELECT * FROM taxonomy_case' }), expected, error.message);
      });
    });
  });

  describe('Trino behind XDP', () => {
    const run = serverBehind(
      () => FakeXdpServer.start(),
      (fake) => fake.env(),
    );

    it.each(TRINO_CASES)('%s', async (_name, error, expected) => {
      run.upstream.reset();
      // For the REST call and the MCP call, and for the nearest-names lookup an unknown table is
      // followed by (which meets the same error and so leaves the original as it was); reset drops what is left.
      run.upstream.enqueue({ kind: 'query-error', error: { ...error }, where: 'result' }, { times: 4, endpoint: '/query/execute' });
      const answer = await bothAnswers(run.server, run.client, { dataplane: '168', query: 'SELECT * FROM taxonomy_case' });
      expectAnswer(answer, expected, error.message);
    });

    it('a failure XDP reports as bare text is an upstream failure', async () => {
      run.upstream.reset();
      run.upstream.enqueue({ kind: 'query-error', error: 'something broke', where: 'top' }, { times: 2, endpoint: '/query/execute' });
      const answer = await bothAnswers(run.server, run.client, { dataplane: '168', query: 'SELECT 1' });
      expectAnswer(answer, { status: 502, code: 'upstream', errorClass: 'server' }, 'something broke');
    });
  });

  describe('embedded DuckDB (local)', () => {
    let server: TestServer;
    let client: Client;
    beforeAll(async () => {
      server = await startTestServer({ imports: [] });
      client = await mcpClient(server);
    }, 60_000);
    afterAll(async () => {
      await client.close();
      await server.close();
    });

    it.each(DUCKDB_CASES)(
      '%s',
      async (_name, query, expected) => {
        await expectFailuresRecorded(server, expected, async () => {
          expectAnswer(await bothAnswers(server, client, { query }), expected, /DuckDB query failed: \w/);
        });
      },
      30_000,
    );
  });
});
