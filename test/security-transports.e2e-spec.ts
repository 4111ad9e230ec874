import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { AUDIENCE, auditLines, hsToken, ISSUER, JWT_SECRET } from './support/security-fixtures.js';

const STATIC_TOKEN = 'transport-e2e-static-token-0123456789';
const ALLOWED_ORIGIN = 'https://app.example.com';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

async function postMcp(url: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(INITIALIZE),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Opens a raw `ws` connection and reports how the upgrade ended: opened, or refused with an HTTP status. */
async function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ opened: boolean; status?: number; challenge?: string }> {
  const socket = new WebSocket(url, 'mcp', { headers });
  socket.on('error', () => undefined);
  const outcome = await Promise.race([
    once(socket, 'open').then(() => ({ opened: true })),
    once(socket, 'unexpected-response').then((args) => {
      const response = args[1] as IncomingMessage;
      return { opened: false, status: response.statusCode, challenge: response.headers['www-authenticate'] };
    }),
  ]);
  socket.terminate();
  return outcome;
}

async function mcpClient(connect: (client: Client) => Promise<void>): Promise<Client> {
  const client = new Client({ name: 'security-e2e', version: '1.0.0' });
  await connect(client);
  return client;
}

describe('Security on /mcp and /ws (e2e)', () => {
  let server: TestServer;
  let mcpUrl: URL;

  beforeAll(async () => {
    // Node 20 has no global WebSocket; the SDK client uses the global one.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    server = await startTestServer({
      env: {
        MCP_AUTH_TOKEN: STATIC_TOKEN,
        AUTH_JWT_SECRET: JWT_SECRET,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        AUTH_TOOL_SCOPES: 'test_echo=echo:use',
        CORS_ORIGINS: ALLOWED_ORIGIN,
      },
      imports: [FixtureToolsModule],
    });
    mcpUrl = new URL(`${server.url}/mcp`);
  });

  afterAll(async () => {
    await server.close();
  });

  describe('/mcp (Streamable HTTP)', () => {
    it('answers 401 with the protected-resource pointer when no token is sent', async () => {
      const { status, headers } = await postMcp(mcpUrl.href, {});
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toBe(
        `Bearer realm="xdp-mcp-server", resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      const client = new Client({ name: 'no-token', version: '1' });
      await expect(client.connect(new StreamableHTTPClientTransport(mcpUrl))).rejects.toThrow();
    });

    it.each([
      ['a wrong static token', async () => 'transport-e2e-static-token-wrong-000'],
      ['an expired JWT', () => hsToken({ expiresIn: -600 })],
      ['a JWT for another audience', () => hsToken({ audience: 'another-api' })],
    ])('answers 401 invalid_token for %s', async (_case, mint) => {
      const { status, headers } = await postMcp(mcpUrl.href, { authorization: `Bearer ${await mint()}` });
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('serves the official SDK client with a static token', async () => {
      const client = await mcpClient((c) =>
        c.connect(new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { authorization: `Bearer ${STATIC_TOKEN}` } } })),
      );
      try {
        expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('test_echo');
        expect(await client.callTool({ name: 'test_echo', arguments: { message: 'http' } })).toMatchObject({
          content: [{ type: 'text', text: 'http' }],
        });
      } finally {
        await client.close();
      }
    });

    it('refuses a tool whose scope the JWT lacks, and only that tool; the subject reaches the audit line', async () => {
      const token = await hsToken({ subject: 'http-user', scope: 'other' });
      const client = await mcpClient((c) =>
        c.connect(new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { authorization: `Bearer ${token}` } } })),
      );
      try {
        const listed = (await client.listTools()).tools.map((tool) => tool.name);
        expect(listed).toContain('test_slow');
        expect(listed).not.toContain('test_echo');
        const refused = await client.callTool({ name: 'test_echo', arguments: { message: 'x' } });
        expect(refused.isError).toBe(true);
        expect((refused.content as { text: string }[])[0].text).toContain('requires scope "echo:use"');
        expect(await client.callTool({ name: 'test_slow', arguments: { ms: 0 } })).toMatchObject({
          content: [{ type: 'text', text: 'waited 0 ms' }],
        });
      } finally {
        await client.close();
      }
      expect(
        auditLines(server.logs())
          .filter((line) => line.principal === 'http-user')
          .map((line) => [line.transport, line.tool, line.outcome]),
      ).toEqual([
        ['mcp-http', 'test_echo', 'forbidden'],
        ['mcp-http', 'test_slow', 'success'],
      ]);
    });

    it('answers 403 to a disallowed browser Origin even with a valid token, and serves an allowed one', async () => {
      const auth = { authorization: `Bearer ${STATIC_TOKEN}` };
      expect((await postMcp(mcpUrl.href, { ...auth, origin: 'https://evil.example.com' })).status).toBe(403);
      // The spec's rule: any localhost origin on a localhost Host is served (a rebinding page's Host is
      // the attacker's name: test/security-rebinding.e2e-spec.ts).
      expect((await postMcp(mcpUrl.href, { ...auth, origin: server.url })).status).toBe(200);
      const allowed = await postMcp(mcpUrl.href, { ...auth, origin: ALLOWED_ORIGIN });
      expect(allowed.status).toBe(200);
    });
  });

  describe('/ws (WebSocket)', () => {
    it('refuses the upgrade with 401 and a Bearer challenge when no token is sent', async () => {
      const outcome = await upgrade(server.wsUrl);
      expect(outcome).toMatchObject({ opened: false, status: 401 });
      expect(outcome.challenge).toContain('Bearer');
      expect(outcome.challenge).toContain('resource_metadata=');
    });

    it.each([
      ['a wrong static token', async () => 'transport-e2e-static-token-wrong-000'],
      ['an expired JWT', () => hsToken({ expiresIn: -600 })],
      ['a JWT for another audience', () => hsToken({ audience: 'another-api' })],
    ])('refuses the upgrade with 401 for %s', async (_case, mint) => {
      const token = await mint();
      expect(await upgrade(server.wsUrl, { authorization: `Bearer ${token}` })).toMatchObject({ opened: false, status: 401 });
      expect(await upgrade(`${server.wsUrl}?access_token=${encodeURIComponent(token)}`)).toMatchObject({ opened: false, status: 401 });
    });

    it('refuses a disallowed Origin with 403 before looking at the token', async () => {
      expect(await upgrade(server.wsUrl, { authorization: `Bearer ${STATIC_TOKEN}`, origin: 'https://evil.example.com' })).toMatchObject({
        opened: false,
        status: 403,
      });
      expect(await upgrade(server.wsUrl, { authorization: `Bearer ${STATIC_TOKEN}`, origin: ALLOWED_ORIGIN })).toMatchObject({
        opened: true,
      });
    });

    it('serves the official SDK client authenticated by the access_token query parameter (browser style)', async () => {
      const url = new URL(server.wsUrl);
      url.searchParams.set('access_token', STATIC_TOKEN);
      const client = await mcpClient((c) => c.connect(new WebSocketClientTransport(url)));
      try {
        expect(await client.callTool({ name: 'test_echo', arguments: { message: 'ws' } })).toMatchObject({
          content: [{ type: 'text', text: 'ws' }],
        });
      } finally {
        await client.close();
      }
    });

    it('refuses a tool whose scope the JWT lacks, and only that tool', async () => {
      const url = new URL(server.wsUrl);
      url.searchParams.set('access_token', await hsToken({ subject: 'ws-user', scp: ['unrelated'] }));
      const client = await mcpClient((c) => c.connect(new WebSocketClientTransport(url)));
      try {
        const listed = (await client.listTools()).tools.map((tool) => tool.name);
        expect(listed).toContain('test_slow');
        expect(listed).not.toContain('test_echo');
        const refused = await client.callTool({ name: 'test_echo', arguments: { message: 'x' } });
        expect(refused).toMatchObject({
          isError: true,
          content: [{ type: 'text', text: expect.stringContaining('requires scope "echo:use"') }],
        });
        expect(await client.callTool({ name: 'test_slow', arguments: { ms: 0 } })).toMatchObject({
          content: [{ type: 'text', text: 'waited 0 ms' }],
        });
      } finally {
        await client.close();
      }
      expect(
        auditLines(server.logs())
          .filter((line) => line.principal === 'ws-user')
          .map((line) => [line.transport, line.outcome]),
      ).toEqual([
        ['ws', 'forbidden'],
        ['ws', 'success'],
      ]);
    });
  });
});
