import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { WebSocket } from 'ws';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';

/** What a newcomer sees first when a call is wrong: the message an SDK client shows, and the REST body they guess. */
describe('errors as clients show them (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Node 20 has no global WebSocket; the SDK client uses the global one.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    server = await startTestServer({ imports: [FixtureToolsModule] });
  });

  afterAll(async () => {
    await server.close();
  });

  describe.each(['ws', 'http'] as const)('SDK client over %s', (kind) => {
    let client: Client;

    beforeAll(async () => {
      client = new Client({ name: 'errors-e2e', version: '1.0.0' });
      await client.connect(
        kind === 'ws'
          ? new WebSocketClientTransport(new URL(server.wsUrl))
          : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)),
      );
    });

    afterAll(async () => {
      await client.close();
    });

    it('shows an unknown tool as one "MCP error -32602:" prefix, not two', async () => {
      const error = (await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((caught: unknown) => caught)) as McpError;
      expect(error).toBeInstanceOf(McpError);
      expect(error.code).toBe(ErrorCode.InvalidParams);
      expect(error.message).toMatch(/^MCP error -32602: Unknown tool "no_such_tool"/);
      expect(error.message.match(/MCP error/g)).toHaveLength(1);
    });

    it('shows invalid arguments with one prefix and the failing field in data', async () => {
      const error = (await client
        .callTool({ name: 'test_echo', arguments: { message: 'hi', repeat: 9 } })
        .catch((caught: unknown) => caught)) as McpError;
      expect(error.message.match(/MCP error/g)).toHaveLength(1);
      expect(error.data).toEqual({ fields: [{ field: 'repeat', message: 'must be <= 5' }] });
    });
  });

  describe('POST /api/tools/execute', () => {
    it('accepts `arguments` (the MCP tools/call name) as an alias of `params`', async () => {
      const { status, body } = await postJson(`${server.url}/api/tools/execute`, {
        tool: 'test_echo',
        arguments: { message: 'hi', repeat: 2 },
      });
      expect(status).toBe(200);
      expect(body.structuredContent).toEqual({ echoed: 'hi hi', repeat: 2 });
    });

    it('still validates aliased arguments against the tool schema', async () => {
      const { status, body } = await postJson(`${server.url}/api/tools/execute`, {
        tool: 'test_echo',
        arguments: { message: 'hi', repeat: 9 },
      });
      expect(status).toBe(400);
      expect(body.error.fields).toEqual([{ field: 'repeat', message: 'must be <= 5' }]);
    });

    it('refuses `params` and `arguments` together instead of silently picking one', async () => {
      const { status, body } = await postJson(`${server.url}/api/tools/execute`, {
        tool: 'test_echo',
        params: { message: 'a' },
        arguments: { message: 'b' },
      });
      expect(status).toBe(400);
      expect(body.error.message).toContain('`params` or in its alias `arguments`');
    });
  });
});
