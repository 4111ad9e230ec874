import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { abortProbe, AbortProbeModule } from './support/abort-probe.module.js';
import { getJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';

const ACCEPT = 'application/json, text/event-stream';

/** One raw JSON-RPC POST to /mcp, the way a minimal HTTP client would send it. */
async function post(url: string, message: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify(message),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined,
  };
}

function initialize(protocolVersion: string, id: number | string = 0) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
  };
}

describe('MCP Streamable HTTP /mcp (e2e)', () => {
  let server: TestServer;
  let mcpUrl: string;
  let client: Client;

  beforeAll(async () => {
    server = await startTestServer({ imports: [FixtureToolsModule, AbortProbeModule] });
    mcpUrl = `${server.url}/mcp`;
    client = new Client({ name: 'http-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  describe('with the official SDK client (StreamableHTTPClientTransport)', () => {
    it('initializes statelessly with the server name and tools capability', () => {
      expect(client.getServerVersion()).toEqual({ name: 'xdp-mcp-server', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: false } });
    });

    it('lists every tool in one page', async () => {
      const { tools, nextCursor } = await client.listTools();
      expect(nextCursor).toBeUndefined();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['test_echo', 'test_fail', 'test_slow', 'test_wait_for_abort']),
      );
    });

    it('calls a tool', async () => {
      await expect(client.callTool({ name: 'test_echo', arguments: { message: 'over http' } })).resolves.toEqual({
        content: [{ type: 'text', text: 'over http' }],
        structuredContent: { echoed: 'over http', repeat: 1 },
      });
    });

    it('answers -32602 naming the failing field', async () => {
      const error = (await client
        .callTool({ name: 'test_echo', arguments: { message: '' } })
        .catch((caught: unknown) => caught)) as McpError;
      expect(error).toBeInstanceOf(McpError);
      expect(error.code).toBe(ErrorCode.InvalidParams);
      expect(error.data).toEqual({ fields: [{ field: 'message', message: 'must NOT have fewer than 1 characters' }] });
    });

    it('reports a failing tool as an isError result', async () => {
      await expect(client.callTool({ name: 'test_fail', arguments: { kind: 'timeout' } })).resolves.toEqual({
        content: [{ type: 'text', text: 'Upstream timed out after 10 ms' }],
        isError: true,
      });
    });

    it('streams progress notifications on the SSE response of the request', async () => {
      const updates: Progress[] = [];
      const result = await client.callTool({ name: 'test_slow', arguments: { ms: 40, steps: 4 } }, undefined, {
        onprogress: (progress) => updates.push(progress),
      });
      expect(result.content).toEqual([{ type: 'text', text: 'waited 40 ms' }]);
      expect(updates.map((update) => update.progress)).toEqual([1, 2, 3, 4]);
    });

    it('aborts the handler when the client cancels (notifications/cancelled in a later POST)', async () => {
      const abort = new AbortController();
      const call = client.callTool({ name: 'test_wait_for_abort', arguments: { key: 'http-cancel' } }, undefined, { signal: abort.signal });
      await abortProbe.started('http-cancel');
      abort.abort('user pressed stop');
      await expect(call).rejects.toThrow();
      await expect(abortProbe.aborted('http-cancel')).resolves.toBe('user pressed stop');
    });
  });

  describe('on the wire', () => {
    it('accepts requests without MCP-Protocol-Version and answers JSON without a session', async () => {
      const response = await post(mcpUrl, initialize('2025-06-18'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(response.body.result).toMatchObject({
        protocolVersion: '2025-06-18',
        serverInfo: { name: 'xdp-mcp-server' },
        capabilities: { tools: { listChanged: false } },
      });
      const call = await post(mcpUrl, {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'test_echo', arguments: { message: 'no header' } },
      });
      expect(call.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'no header' }], structuredContent: { echoed: 'no header', repeat: 1 } },
      });
    });

    it.each(['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'])('negotiates protocol version %s', async (version) => {
      const response = await post(mcpUrl, initialize(version));
      expect(response.body.result.protocolVersion).toBe(version);
      const list = await post(mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-protocol-version': version });
      expect(list.status).toBe(200);
      expect(list.body.result.tools.length).toBeGreaterThanOrEqual(4);
    });

    it('answers an unsupported protocol version with its latest', async () => {
      expect((await post(mcpUrl, initialize('2023-01-01'))).body.result.protocolVersion).toBe('2025-11-25');
    });

    it('answers as SSE when the request carries a progress token, so progress reaches the caller', async () => {
      const response = await post(mcpUrl, {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'test_slow', arguments: { ms: 20, steps: 2 }, _meta: { progressToken: 'p1' } },
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = response.text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice('data: '.length)));
      expect(events.map((event) => event.method ?? 'response')).toEqual(['notifications/progress', 'notifications/progress', 'response']);
      expect(events[0].params).toEqual({ progressToken: 'p1', progress: 1, total: 2, message: 'step 1 of 2' });
      expect(events[2]).toMatchObject({ id: 4, result: { content: [{ type: 'text', text: 'waited 20 ms' }] } });
    });

    it('refuses a body over HTTP_BODY_LIMIT_BYTES with 413', async () => {
      const response = await post(mcpUrl, {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'test_echo', arguments: { message: 'x'.repeat(1024 * 1024) } },
      });
      expect(response.status).toBe(413);
    });

    it('answers a notification with 202 and no body', async () => {
      const response = await post(mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' });
      expect(response.status).toBe(202);
      expect(response.text).toBe('');
    });

    it('answers -32601 for an unknown method', async () => {
      expect((await post(mcpUrl, { jsonrpc: '2.0', id: 3, method: 'prompts/list' })).body.error.code).toBe(-32601);
    });

    it.each(['GET', 'DELETE'])('answers %s with 405 and an Allow header', async (method) => {
      const response = await fetch(mcpUrl, { method, headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('counts /mcp messages in /metrics', async () => {
      const metrics = (await getJson(`${server.url}/metrics`)).body as string;
      expect(Number(/xdp_mcp_messages_total\{transport="mcp-http",direction="in"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(10);
      expect(Number(/xdp_mcp_messages_total\{transport="mcp-http",direction="out"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(10);
      expect(metrics).toContain('xdp_mcp_tool_calls_total{tool="test_echo",transport="mcp-http",outcome="success"}');
    });
  });
});

describe('/mcp admission (e2e)', () => {
  let server: TestServer;
  const token = 'http-e2e-token-0123456789';

  beforeAll(async () => {
    server = await startTestServer({ env: { MCP_AUTH_TOKEN: token, CORS_ORIGINS: 'https://app.example.com' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers 401 with a Bearer challenge and a JSON-RPC error carrying the request id without a valid token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const response = await post(`${server.url}/mcp`, initialize('2025-06-18', 'auth-1'), headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.body).toEqual({ jsonrpc: '2.0', id: 'auth-1', error: { code: -32000, message: expect.any(String) } });
    }
  });

  it('answers 403 for a disallowed Origin', async () => {
    const response = await post(`${server.url}/mcp`, initialize('2025-06-18'), {
      authorization: `Bearer ${token}`,
      origin: 'https://evil.example.net',
    });
    expect(response.status).toBe(403);
  });

  it('serves a caller with the token from an allowed origin', async () => {
    const response = await post(`${server.url}/mcp`, initialize('2025-06-18'), {
      authorization: `Bearer ${token}`,
      origin: 'https://app.example.com',
    });
    expect(response.status).toBe(200);
    expect(response.body.result.serverInfo.name).toBe('xdp-mcp-server');
  });
});
