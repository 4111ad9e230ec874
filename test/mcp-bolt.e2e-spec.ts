import { experimental_createMCPClient } from 'bolt-ai';
import { StreamableHTTPClientTransport } from 'bolt-mcp-sdk/client/streamableHttp.js';
import { startTestServer, type TestServer } from './support/app-harness.js';

interface Exchange {
  method: string;
  request?: { method?: string; params?: { protocolVersion?: string } };
  status: number;
  response?: { result?: { protocolVersion?: string } };
}

/** Records what Bolt's transport puts on the wire (it uses the global fetch). */
function recordFetch(log: Exchange[]): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const response = await original(input, init);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const json = response.headers.get('content-type')?.includes('application/json')
      ? ((await response.clone().json()) as Exchange['response'])
      : undefined;
    log.push({ method: init?.method ?? 'GET', request: body, status: response.status, response: json });
    return response;
  };
  return () => {
    globalThis.fetch = original;
  };
}

async function eventually(condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Bolt.diy's exact MCP stack for `type: "streamable-http"` servers: ai@4.3.16's
 * experimental_createMCPClient over @modelcontextprotocol/sdk@1.16.0's transport, with the
 * user's headers from the pasted config on every request.
 */
describe('Bolt.diy client stack over /mcp (e2e)', () => {
  const token = 'bolt-e2e-token-0123456789';
  let server: TestServer;
  const exchanges: Exchange[] = [];
  let restoreFetch: () => void;

  beforeAll(async () => {
    server = await startTestServer({ env: { MCP_AUTH_TOKEN: token } });
    restoreFetch = recordFetch(exchanges);
  });

  afterAll(async () => {
    restoreFetch?.();
    await server?.close();
  });

  async function boltClient() {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    return experimental_createMCPClient({ transport });
  }

  it('initializes with protocol version 2024-11-05, lists every tool and calls one', async () => {
    const client = await boltClient();
    try {
      const initialize = exchanges.find((exchange) => exchange.request?.method === 'initialize');
      expect(initialize?.request?.params?.protocolVersion).toBe('2024-11-05');
      expect(initialize?.status).toBe(200);
      expect(initialize?.response?.result?.protocolVersion).toBe('2024-11-05');
      const tools = await client.tools();
      expect(Object.keys(tools)).toEqual(expect.arrayContaining(['test_echo', 'test_fail', 'test_slow']));
      const result = await tools.test_echo.execute({ message: 'from bolt', repeat: 2 }, { messages: [], toolCallId: 'call-1' });
      expect(result).toEqual({
        content: [{ type: 'text', text: 'from bolt from bolt' }],
        structuredContent: { echoed: 'from bolt from bolt', repeat: 2 },
      });
      // The GET stream Bolt opens (without awaiting it) after initializing is declined with 405, which it accepts.
      await eventually(() => exchanges.some((exchange) => exchange.method === 'GET' && exchange.status === 405));
    } finally {
      await client.close();
    }
  });

  it('gets a failing tool as an isError result it can show the user', async () => {
    const client = await boltClient();
    try {
      const tools = await client.tools();
      const result = await tools.test_fail.execute({ kind: 'upstream' }, { messages: [], toolCallId: 'call-2' });
      expect(result).toEqual({ content: [{ type: 'text', text: 'Upstream answered 500' }], isError: true });
    } finally {
      await client.close();
    }
  });

  it('is refused without the configured header', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
    await expect(experimental_createMCPClient({ transport })).rejects.toThrow();
  });
});
