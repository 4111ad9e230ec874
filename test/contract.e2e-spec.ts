import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { RpcSocket } from './support/rpc-socket.js';

/**
 * One contract per tool: the same arguments get the same verdict, message and failing fields on
 * every entrance (the tool's REST endpoint, /api/tools/execute, /mcp and /ws), because all of them
 * are judged by the tool's own compiled schema. REST names the failure with the registry's error
 * kind; MCP answers a refusal with JSON-RPC -32602 (`data.fields`) and a tool failure with an
 * `isError` result carrying the same text.
 */

type Entrance = 'endpoint' | 'execute' | 'mcp' | 'ws';
const ENTRANCES: Entrance[] = ['endpoint', 'execute', 'mcp', 'ws'];

/** What MCP answers for each REST code of a refusal (arguments never reach the tool). */
const JSON_RPC_CODE_BY_REFUSAL: Record<string, number> = { invalid_arguments: -32602, not_found: -32602 };

/** An entrance's answer, reduced to what must agree everywhere. */
type Answer =
  | { outcome: 'ok' }
  | { outcome: 'refused'; jsonRpcCode: number; message: string; fields?: unknown }
  | { outcome: 'failed'; message: string };

interface Case {
  name: string;
  tool: string;
  args: Record<string, unknown>;
  /** 'ok', or the REST error code both REST entrances must answer. */
  expected: string;
}

interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
}

const TRINO_ENDPOINTS: Record<string, Endpoint> = {
  trino_execute_query: { method: 'POST', path: '/api/trino/query' },
  trino_list_catalogs: { method: 'GET', path: '/api/trino/catalogs' },
  trino_list_schemas: { method: 'GET', path: '/api/trino/schemas' },
  trino_list_tables: { method: 'GET', path: '/api/trino/tables' },
  trino_describe_table: { method: 'GET', path: '/api/trino/columns' },
};
const XDP_ENDPOINTS: Record<string, Endpoint> = {
  xdp_list_datastores: { method: 'GET', path: '/api/xdp/datastores' },
  xdp_list_dataplanes: { method: 'GET', path: '/api/xdp/dataplanes' },
};

const query = (sql: string, extra: Record<string, unknown> = {}) => ({ tool: 'trino_execute_query', args: { query: sql, ...extra } });

/** Cases on the zero-config default engine (embedded DuckDB sample data). */
const TRINO_CASES: Case[] = [
  { name: 'a read-only query', ...query('SELECT 1 AS one'), expected: 'ok' },
  {
    name: 'a query with session catalog and schema',
    ...query('SELECT count(*) AS n FROM orders', { catalog: 'memory', schema: 'sales', maxRows: 5 }),
    expected: 'ok',
  },
  { name: 'a missing query', tool: 'trino_execute_query', args: { maxRows: 5 }, expected: 'invalid_arguments' },
  { name: 'maxRows 0', ...query('SELECT 1', { maxRows: 0 }), expected: 'invalid_arguments' },
  { name: 'maxRows as a JSON string (bodies are not coerced)', ...query('SELECT 1', { maxRows: '5' }), expected: 'invalid_arguments' },
  { name: 'a catalog longer than 256 characters', ...query('SELECT 1', { catalog: 'c'.repeat(257) }), expected: 'invalid_arguments' },
  // REST once refused catalogs over 128 characters; the schema allows 256, so the engine judges it: no such catalog.
  { name: 'a session catalog of 200 characters', ...query('SELECT 1', { catalog: 'c'.repeat(200) }), expected: 'not_found' },
  { name: 'an unknown argument', ...query('SELECT 1', { limit: 5 }), expected: 'invalid_arguments' },
  { name: 'an unknown dataplane', ...query('SELECT 1', { dataplane: 'nope' }), expected: 'not_found' },
  { name: 'a writing statement', ...query('DELETE FROM sales.orders'), expected: 'forbidden' },
  { name: 'listing catalogs', tool: 'trino_list_catalogs', args: {}, expected: 'ok' },
  { name: 'an empty dataplane', tool: 'trino_list_catalogs', args: { dataplane: '' }, expected: 'invalid_arguments' },
  { name: 'listing schemas', tool: 'trino_list_schemas', args: { catalog: 'memory' }, expected: 'ok' },
  { name: 'listing schemas without a catalog', tool: 'trino_list_schemas', args: {}, expected: 'invalid_arguments' },
  // An unknown catalog simply has no schemas.
  {
    name: 'a catalog of 200 characters (within the schema, but no such catalog)',
    tool: 'trino_list_schemas',
    args: { catalog: 'c'.repeat(200) },
    expected: 'not_found',
  },
  { name: 'listing tables of a schema', tool: 'trino_list_tables', args: { catalog: 'memory', schema: 'sales' }, expected: 'ok' },
  {
    name: 'describing a table',
    tool: 'trino_describe_table',
    args: { catalog: 'memory', schema: 'sales', table: 'orders' },
    expected: 'ok',
  },
  {
    name: 'describing without a table',
    tool: 'trino_describe_table',
    args: { catalog: 'memory', schema: 'sales' },
    expected: 'invalid_arguments',
  },
];

/** Cases against the fake XDP. */
const XDP_CASES: Case[] = [
  { name: 'a page of data stores', tool: 'xdp_list_datastores', args: { page: 0, size: 5, sortBy: 'name:asc' }, expected: 'ok' },
  { name: 'size above 100', tool: 'xdp_list_datastores', args: { size: 500 }, expected: 'invalid_arguments' },
  { name: 'a negative page and a size of 0', tool: 'xdp_list_datastores', args: { page: -1, size: 0 }, expected: 'invalid_arguments' },
  { name: 'a size that is not a number', tool: 'xdp_list_datastores', args: { size: 'ten' }, expected: 'invalid_arguments' },
  { name: 'a fractional size', tool: 'xdp_list_datastores', args: { size: 2.5 }, expected: 'invalid_arguments' },
  { name: 'a malformed sortBy', tool: 'xdp_list_datastores', args: { sortBy: 'name' }, expected: 'invalid_arguments' },
  { name: 'an unknown parameter', tool: 'xdp_list_datastores', args: { filter: 'x' }, expected: 'invalid_arguments' },
  { name: 'listing dataplanes', tool: 'xdp_list_dataplanes', args: {}, expected: 'ok' },
  {
    name: 'a parameter the dataplane listing does not take',
    tool: 'xdp_list_dataplanes',
    args: { page: 1 },
    expected: 'invalid_arguments',
  },
];

/** REST answers: the answer every entrance must agree on, plus the REST error code. */
async function restAnswer(response: Response): Promise<{ answer: Answer; code: string }> {
  const body = (await response.json()) as { error?: { code: string; message: string; fields?: unknown }; isError?: boolean };
  if (response.status === 200 && !body.error) return { answer: { outcome: 'ok' }, code: 'ok' };
  const error = body.error!;
  if (body.isError) return { answer: { outcome: 'failed', message: error.message }, code: error.code };
  const jsonRpcCode = JSON_RPC_CODE_BY_REFUSAL[error.code] ?? Number.NaN;
  return {
    answer: { outcome: 'refused', jsonRpcCode, message: error.message, ...(error.fields ? { fields: error.fields } : {}) },
    code: error.code,
  };
}

function endpointRequest(server: TestServer, endpoint: Endpoint, args: Record<string, unknown>): Promise<Response> {
  if (endpoint.method === 'POST') {
    return fetch(`${server.url}${endpoint.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
  }
  const search = new URLSearchParams(Object.entries(args).map(([name, value]): [string, string] => [name, String(value)]));
  return fetch(`${server.url}${endpoint.path}${search.size ? `?${search}` : ''}`);
}

function resultAnswer(result: Record<string, unknown>): Answer {
  if (!result.isError) return { outcome: 'ok' };
  return { outcome: 'failed', message: (result.content as { text: string }[]).map((part) => part.text).join('\n') };
}

async function mcpAnswer(client: Client, tool: string, args: Record<string, unknown>): Promise<Answer> {
  try {
    return resultAnswer(await client.callTool({ name: tool, arguments: args }));
  } catch (error) {
    if (!(error instanceof McpError)) throw error;
    // The SDK client prefixes "MCP error <code>: " to the server's message.
    const message = error.message.replace(/^MCP error -?\d+: /, '');
    const fields = (error.data as { fields?: unknown } | undefined)?.fields;
    return { outcome: 'refused', jsonRpcCode: error.code, message, ...(fields ? { fields } : {}) };
  }
}

async function wsAnswer(socket: RpcSocket, tool: string, args: Record<string, unknown>): Promise<Answer> {
  const reply = await socket.request({ method: 'tools/call', params: { name: tool, arguments: args } });
  if (reply.error) {
    const fields = reply.error.data?.fields;
    return { outcome: 'refused', jsonRpcCode: reply.error.code, message: reply.error.message, ...(fields ? { fields } : {}) };
  }
  return resultAnswer(reply.result);
}

/** Runs the table on one server through the four entrances. */
function describeContract(
  title: string,
  cases: Case[],
  endpoints: Record<string, Endpoint>,
  start: () => Promise<{ server: TestServer; close: () => Promise<void> }>,
): void {
  describe(title, () => {
    let server: TestServer;
    let close: () => Promise<void>;
    let mcp: Client;
    let ws: RpcSocket;

    beforeAll(async () => {
      ({ server, close } = await start());
      mcp = new Client({ name: 'contract-e2e', version: '1.0.0' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
      // Listing first lets the SDK client check structuredContent against each tool's outputSchema.
      await mcp.listTools();
      ws = await RpcSocket.open(server.wsUrl);
    });

    afterAll(async () => {
      ws?.close();
      await mcp?.close();
      await close?.();
    });

    it.each(cases)('$tool with $name: $expected on every entrance', async ({ tool, args, expected }) => {
      const endpoint = await restAnswer(await endpointRequest(server, endpoints[tool], args));
      const execute = await restAnswer(
        await fetch(`${server.url}/api/tools/execute`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tool, params: args }),
        }),
      );
      const answers: Record<Entrance, Answer> = {
        endpoint: endpoint.answer,
        execute: execute.answer,
        mcp: await mcpAnswer(mcp, tool, args),
        ws: await wsAnswer(ws, tool, args),
      };
      expect({ endpoint: endpoint.code, execute: execute.code }).toEqual({ endpoint: expected, execute: expected });
      for (const entrance of ENTRANCES) expect({ entrance, answer: answers[entrance] }).toEqual({ entrance, answer: answers.execute });
      if (expected === 'invalid_arguments')
        expect(answers.execute).toMatchObject({ outcome: 'refused', jsonRpcCode: -32602, fields: expect.any(Array) });
    });
  });
}

describeContract('Tool contract on every entrance: default engine', TRINO_CASES, TRINO_ENDPOINTS, async () => {
  const server = await startTestServer({ imports: [] });
  return { server, close: () => server.close() };
});

describeContract('Tool contract on every entrance: XDP', XDP_CASES, XDP_ENDPOINTS, async () => {
  const xdp = await FakeXdpServer.start();
  const server = await startTestServer({ env: { ...xdp.env(), XDP_HEALTH_INTERVAL_MS: '3600000' }, imports: [] });
  return {
    server,
    close: async () => {
      await server.close();
      await xdp.close();
    },
  };
});
