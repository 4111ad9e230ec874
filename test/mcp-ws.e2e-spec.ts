import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { ErrorCode, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { LifecycleService } from '#observability';
import { WebSocket } from 'ws';
import { abortProbe, AbortProbeModule } from './support/abort-probe.module.js';
import { getJson, startTestServer, type TestServer } from './support/app-harness.js';
import { RawPeer } from './support/raw-ws-peer.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';

const MAX_PAYLOAD = 4096;

/** Resolves with the HTTP response that refused a WebSocket upgrade. */
function refusedUpgrade(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    // Aborting the handshake makes ws report an error; the refusal itself is what is tested.
    socket.on('error', () => undefined);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('upgrade unexpectedly accepted')));
  });
}

async function sdkClient(url: string): Promise<Client> {
  const client = new Client({ name: 'ws-e2e', version: '1.0.0' });
  await client.connect(new WebSocketClientTransport(new URL(url)));
  return client;
}

describe('MCP over WebSocket /ws (e2e)', () => {
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    // Node 20 has no global WebSocket; the SDK client uses the global one.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    server = await startTestServer({
      env: { WS_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD), WS_HEARTBEAT_MS: '1000' },
      imports: [FixtureToolsModule, AbortProbeModule],
    });
    client = await sdkClient(server.wsUrl);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  describe('with the official SDK client (WebSocketClientTransport)', () => {
    it('initializes with the server name, version and tools capability', () => {
      expect(client.getServerVersion()).toEqual({ name: 'xdp-mcp-server', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: false } });
    });

    it('lists every registered tool in one page with its schema and annotations', async () => {
      const { tools, nextCursor } = await client.listTools();
      expect(nextCursor).toBeUndefined();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['test_echo', 'test_fail', 'test_slow', 'test_wait_for_abort']),
      );
      const echo = tools.find((tool) => tool.name === 'test_echo');
      expect(echo?.inputSchema).toMatchObject({ type: 'object', required: ['message'] });
      expect(echo?.annotations).toEqual({ readOnlyHint: true, idempotentHint: true, openWorldHint: false });
    });

    it('calls a tool and returns text plus structured content with defaults applied', async () => {
      const result = await client.callTool({ name: 'test_echo', arguments: { message: 'hi', repeat: 2 } });
      expect(result).toEqual({ content: [{ type: 'text', text: 'hi hi' }], structuredContent: { echoed: 'hi hi', repeat: 2 } });
    });

    it('answers -32602 naming the failing field for arguments that break the schema', async () => {
      const error = await client
        .callTool({ name: 'test_echo', arguments: { message: 'hi', repeat: 9 } })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((error as McpError).data).toEqual({ fields: [{ field: 'repeat', message: 'must be <= 5' }] });
    });

    it('answers -32602 for an unknown tool', async () => {
      const error = (await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((caught: unknown) => caught)) as McpError;
      expect(error.code).toBe(ErrorCode.InvalidParams);
      expect(error.message).toContain('Unknown tool "no_such_tool"');
    });

    it('reports a failing tool as an isError result without leaking internals', async () => {
      const upstream = await client.callTool({ name: 'test_fail', arguments: { kind: 'upstream' } });
      expect(upstream).toEqual({ content: [{ type: 'text', text: 'Upstream answered 500' }], isError: true });
      const crash = await client.callTool({ name: 'test_fail', arguments: { kind: 'crash' } });
      expect(crash.isError).toBe(true);
      expect(JSON.stringify(crash)).not.toContain('internal detail');
    });

    it('delivers progress notifications for a request that asked for them', async () => {
      const updates: Progress[] = [];
      const result = await client.callTool({ name: 'test_slow', arguments: { ms: 40, steps: 4 } }, undefined, {
        onprogress: (progress) => updates.push(progress),
      });
      expect(result.content).toEqual([{ type: 'text', text: 'waited 40 ms' }]);
      expect(updates.map((update) => update.progress)).toEqual([1, 2, 3, 4]);
      expect(updates[3]).toEqual({ progress: 4, total: 4, message: 'step 4 of 4' });
    });

    it('aborts the handler when the client cancels the request (notifications/cancelled)', async () => {
      const abort = new AbortController();
      const call = client.callTool({ name: 'test_wait_for_abort', arguments: { key: 'ws-cancel' } }, undefined, { signal: abort.signal });
      await abortProbe.started('ws-cancel');
      abort.abort('user pressed stop');
      await expect(call).rejects.toThrow();
      await expect(abortProbe.aborted('ws-cancel')).resolves.toBe('user pressed stop');
      // The session stays usable after a cancellation.
      await expect(client.callTool({ name: 'test_echo', arguments: { message: 'still here' } })).resolves.toMatchObject({
        structuredContent: { echoed: 'still here' },
      });
    });

    it('aborts in-flight calls when the connection closes', async () => {
      const other = await sdkClient(server.wsUrl);
      const call = other.callTool({ name: 'test_wait_for_abort', arguments: { key: 'ws-close' } }).catch((error: unknown) => error);
      await abortProbe.started('ws-close');
      await other.close();
      await abortProbe.aborted('ws-close');
      expect(await call).toBeInstanceOf(Error);
    });
  });

  describe('framing and JSON-RPC errors on a raw connection', () => {
    let peer: RawPeer;

    beforeAll(async () => {
      peer = await RawPeer.open(server.wsUrl, ['mcp']);
    });

    afterAll(() => peer.socket.close());

    it('echoes the mcp subprotocol', () => {
      expect(peer.socket.protocol).toBe('mcp');
    });

    it('answers garbage with -32700 (id null)', async () => {
      expect(await peer.exchange('{"jsonrpc": "2.0", "id": 1, "method": ')).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: expect.stringContaining('Parse error') },
      });
    });

    it('answers a wrong jsonrpc version with -32600 carrying the request id', async () => {
      expect(await peer.exchange({ jsonrpc: '1.0', id: 7, method: 'ping' })).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32600, message: expect.stringContaining('Invalid Request') },
      });
    });

    it('answers shapes that are not JSON-RPC messages, batches and binary frames with -32600', async () => {
      expect((await peer.exchange({ jsonrpc: '2.0', id: 8, method: 42 })).error.code).toBe(-32600);
      expect((await peer.exchange('"just a string"')).error.code).toBe(-32600);
      expect((await peer.exchange([{ jsonrpc: '2.0', id: 9, method: 'ping' }])).error).toMatchObject({
        code: -32600,
        message: expect.stringContaining('batch'),
      });
      peer.socket.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'ping' })), { binary: true });
      expect((await peer.next()).error.code).toBe(-32600);
    });

    it('answers an unknown method with -32601', async () => {
      expect(await peer.exchange({ jsonrpc: '2.0', id: 11, method: 'resources/list' })).toEqual({
        jsonrpc: '2.0',
        id: 11,
        error: { code: -32601, message: 'Method not found' },
      });
    });

    it('still serves the same connection afterwards: initialize, ping and tools/call', async () => {
      const init = await peer.exchange({
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      });
      expect(init.result).toMatchObject({ protocolVersion: '2025-06-18', serverInfo: { name: 'xdp-mcp-server' } });
      peer.socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      expect(await peer.exchange({ jsonrpc: '2.0', id: 12, method: 'ping' })).toEqual({ jsonrpc: '2.0', id: 12, result: {} });
      const call = await peer.exchange({
        jsonrpc: '2.0',
        id: 13,
        method: 'tools/call',
        params: { name: 'test_echo', arguments: { message: 'after errors' } },
      });
      expect(call).toEqual({
        jsonrpc: '2.0',
        id: 13,
        result: { content: [{ type: 'text', text: 'after errors' }], structuredContent: { echoed: 'after errors', repeat: 1 } },
      });
    });

    it('serves a plain connection that offers no subprotocol', async () => {
      const plain = await RawPeer.open(server.wsUrl);
      expect(plain.socket.protocol).toBe('');
      expect(await plain.exchange({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toMatchObject({
        id: 1,
        result: { tools: expect.any(Array) },
      });
      plain.socket.close();
    });

    it('closes with 1009 when a frame exceeds WS_MAX_PAYLOAD_BYTES', async () => {
      const big = await RawPeer.open(server.wsUrl, ['mcp']);
      const closed = once(big.socket, 'close');
      big.socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'test_echo', arguments: { message: 'x'.repeat(MAX_PAYLOAD) } },
        }),
      );
      const [code] = await closed;
      expect(code).toBe(1009);
    });

    it('terminates a peer that stops answering pings', async () => {
      const silent = await RawPeer.open(server.wsUrl, ['mcp'], { autoPong: false });
      const [code] = await once(silent.socket, 'close');
      expect(code).toBe(1006);
    });
  });

  it('counts WebSocket messages and open sessions in /metrics', async () => {
    const metrics = (await getJson(`${server.url}/metrics`)).body as string;
    const count = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? Number.NaN);
    expect(count(/xdp_mcp_messages_total\{transport="ws",direction="in"\} (\d+)/)).toBeGreaterThanOrEqual(10);
    expect(count(/xdp_mcp_messages_total\{transport="ws",direction="out"\} (\d+)/)).toBeGreaterThanOrEqual(10);
    expect(count(/xdp_mcp_open_sessions\{transport="ws"\} (\d+)/)).toBeGreaterThanOrEqual(2);
    expect(metrics).toContain('xdp_mcp_tool_calls_total{tool="test_echo",transport="ws",outcome="success"}');
  });
});

describe('/ws admission at the HTTP upgrade (e2e)', () => {
  let server: TestServer;
  const token = 'ws-e2e-token-0123456789';

  beforeAll(async () => {
    server = await startTestServer({ env: { MCP_AUTH_TOKEN: token, CORS_ORIGINS: 'https://app.example.com' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses a missing token with a plain HTTP 401 and a Bearer challenge', async () => {
    const response = await refusedUpgrade(server.wsUrl);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a wrong token with 401', async () => {
    expect((await refusedUpgrade(server.wsUrl, { headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
  });

  it('refuses a disallowed browser Origin with 403', async () => {
    const response = await refusedUpgrade(server.wsUrl, {
      headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example.net' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('admits the token in the Authorization header or, for browsers, the access_token parameter', async () => {
    const withHeader = await RawPeer.open(server.wsUrl, ['mcp'], {
      headers: { authorization: `Bearer ${token}`, origin: 'https://app.example.com' },
    });
    expect((await withHeader.exchange({ jsonrpc: '2.0', id: 1, method: 'ping' })).result).toEqual({});
    withHeader.socket.close();
    const withQuery = await RawPeer.open(`${server.wsUrl}?access_token=${token}`, ['mcp']);
    expect((await withQuery.exchange({ jsonrpc: '2.0', id: 1, method: 'ping' })).result).toEqual({});
    withQuery.socket.close();
  });

  it('refuses new upgrades with 503 while draining', async () => {
    server.app.get(LifecycleService).beginDrain();
    expect((await refusedUpgrade(server.wsUrl, { headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(503);
  });
});
