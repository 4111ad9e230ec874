import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { abortProbe, AbortProbeModule } from './support/abort-probe.module.js';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { RawPeer } from './support/raw-ws-peer.js';
import { AUDIENCE, hsToken, ISSUER, JWT_SECRET } from './support/security-fixtures.js';

const MODERN = '2026-07-28';
const CLIENT_INFO = { name: 'e2e-2026', version: '1.0.0' };

/** The per-request `_meta` envelope a 2026-07-28 client sends with every request. */
function envelope(version = MODERN, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
    ...extra,
  };
}

/** POSTs one 2026-era request with the headers the revision requires (overridable). */
async function postModern(
  url: string,
  body: { id: number; method: string; params?: Record<string, unknown> },
  headers: Record<string, string> = {},
) {
  const name: Record<string, string> = typeof body.params?.name === 'string' ? { 'mcp-name': body.params.name } : {};
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': body.method,
      ...name,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...body }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('MCP 2026-07-28 beside the 2025 era', () => {
  let server: TestServer;
  let mcpUrl: string;

  beforeAll(async () => {
    server = await startTestServer({ imports: [FixtureToolsModule, AbortProbeModule] });
    mcpUrl = `${server.url}/mcp`;
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('/mcp with the SDK v2 client', () => {
    it.each([[{ pin: MODERN }], ['auto' as const]])('connects (%j), lists and calls in the 2026 era', async (mode) => {
      const client = new Client(CLIENT_INFO, { versionNegotiation: { mode } as never });
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name)).toContain('test_echo');
        const result = await client.callTool({ name: 'test_echo', arguments: { message: 'hi', repeat: 2 } });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toEqual({ echoed: 'hi hi', repeat: 2 });
      } finally {
        await client.close();
      }
    });

    it('streams progress on the request’s own response before the result', async () => {
      const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: { pin: MODERN } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
      try {
        const progress: number[] = [];
        const result = await client.callTool(
          { name: 'test_slow', arguments: { ms: 40, steps: 4 } },
          { onprogress: (update) => progress.push(update.progress) },
        );
        expect(result.isError).toBeFalsy();
        expect(progress).toEqual([1, 2, 3, 4]);
      } finally {
        await client.close();
      }
    });
  });

  describe('/mcp wire rules', () => {
    it('answers server/discover with the supported versions and serverInfo in _meta', async () => {
      const { status, body } = await postModern(mcpUrl, { id: 1, method: 'server/discover', params: { _meta: envelope() } });
      expect(status).toBe(200);
      expect(body.id).toBe(1);
      expect(body.result.supportedVersions).toContain(MODERN);
      expect(body.result.capabilities.tools).toBeDefined();
      expect(body.result._meta['io.modelcontextprotocol/serverInfo'].name).toBe('xdp-mcp-server');
    });

    it('marks tools/list complete and cacheable, public when no scopes make it caller-specific', async () => {
      const { body } = await postModern(mcpUrl, { id: 2, method: 'tools/list', params: { _meta: envelope() } });
      expect(body.result).toMatchObject({ resultType: 'complete', cacheScope: 'public' });
      expect(body.result.ttlMs).toBeGreaterThan(0);
    });

    it('serves prompts and resources as empty, cacheable lists', async () => {
      const prompts = await postModern(mcpUrl, { id: 9, method: 'prompts/list', params: { _meta: envelope() } });
      expect(prompts.body.result).toMatchObject({ prompts: [], resultType: 'complete', cacheScope: 'public' });
      const resources = await postModern(mcpUrl, { id: 10, method: 'resources/list', params: { _meta: envelope() } });
      expect(resources.body.result).toMatchObject({ resources: [], resultType: 'complete', cacheScope: 'public' });
    });

    it('reports arguments that break the schema as a tool error (2026) and -32602 (2025)', async () => {
      const call = { method: 'tools/call', params: { name: 'test_echo', arguments: {}, _meta: envelope() } };
      const modern = await postModern(mcpUrl, { id: 11, ...call });
      expect(modern.body.result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('message') }] });
      const legacy = await fetch(mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 'test_echo', arguments: {} } }),
      });
      expect(((await legacy.json()) as { error: { code: number } }).error.code).toBe(-32602);
    });

    it('cancels the call when the caller closes its stream', async () => {
      const caller = new AbortController();
      const call = fetch(mcpUrl, {
        method: 'POST',
        signal: caller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': 'test_wait_for_abort',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 13,
          method: 'tools/call',
          params: { name: 'test_wait_for_abort', arguments: { key: 'http-2026-close' }, _meta: envelope() },
        }),
      }).catch(() => undefined);
      await abortProbe.started('http-2026-close');
      caller.abort();
      await call;
      await expect(abortProbe.aborted('http-2026-close')).resolves.toBeDefined();
    });

    it('refuses an Mcp-Method header that does not match the body: 400, -32020, with the request id', async () => {
      const { status, body } = await postModern(
        mcpUrl,
        { id: 3, method: 'tools/list', params: { _meta: envelope() } },
        { 'mcp-method': 'tools/call' },
      );
      expect(status).toBe(400);
      expect(body).toMatchObject({ id: 3, error: { code: -32020 } });
    });

    it('compares Mcp-Name case-sensitively', async () => {
      const { status, body } = await postModern(
        mcpUrl,
        { id: 4, method: 'tools/call', params: { name: 'test_echo', arguments: { message: 'x' }, _meta: envelope() } },
        { 'mcp-name': 'TEST_ECHO' },
      );
      expect(status).toBe(400);
      expect(body.error.code).toBe(-32020);
    });

    it('answers an unknown version -32022 with the supported versions (HTTP 400)', async () => {
      const { status, body } = await postModern(
        mcpUrl,
        { id: 5, method: 'tools/list', params: { _meta: envelope('2099-01-01') } },
        { 'mcp-protocol-version': '2099-01-01' },
      );
      expect(status).toBe(400);
      expect(body).toMatchObject({ id: 5, error: { code: -32022 } });
      expect(body.error.data.supported).toContain(MODERN);
    });

    it('answers a malformed envelope -32602', async () => {
      const { body } = await postModern(mcpUrl, {
        id: 6,
        method: 'tools/list',
        params: { _meta: { ...envelope(), 'io.modelcontextprotocol/clientCapabilities': 'none' } },
      });
      expect(body).toMatchObject({ id: 6, error: { code: -32602 } });
    });
  });

  describe('/ws raw frames', () => {
    let peer: RawPeer;

    beforeEach(async () => {
      peer = await RawPeer.open(server.wsUrl);
    });

    afterEach(() => peer.socket.close());

    it('answers server/discover without initialize', async () => {
      const answer = await peer.exchange({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope() } });
      expect(answer.id).toBe(1);
      expect(answer.result.supportedVersions).toContain(MODERN);
      expect(answer.result._meta['io.modelcontextprotocol/serverInfo'].name).toBe('xdp-mcp-server');
    });

    it('runs an enveloped tools/call with progress, then cancels another one', async () => {
      peer.socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'test_slow', arguments: { ms: 20, steps: 2 }, _meta: envelope(MODERN, { progressToken: 'p' }) },
        }),
      );
      const frames = [await peer.next(), await peer.next(), await peer.next()];
      expect(frames.slice(0, 2).map((frame) => [frame.method, frame.params.progress])).toEqual([
        ['notifications/progress', 1],
        ['notifications/progress', 2],
      ]);
      expect(frames[2]).toMatchObject({ id: 2, result: { resultType: 'complete', content: [{ type: 'text', text: 'waited 20 ms' }] } });

      peer.socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'test_wait_for_abort', arguments: { key: 'ws-2026-cancel' }, _meta: envelope() },
        }),
      );
      await abortProbe.started('ws-2026-cancel');
      peer.socket.send(
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3, reason: 'stop', _meta: envelope() } }),
      );
      await expect(abortProbe.aborted('ws-2026-cancel')).resolves.toBeDefined();
    });

    it('answers an unknown version -32022 and keeps the socket usable', async () => {
      const refused = await peer.exchange({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: envelope('2099-01-01') } });
      expect(refused).toMatchObject({ id: 4, error: { code: -32022 } });
      expect(refused.error.data.supported).toContain(MODERN);
      const listed = await peer.exchange({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: envelope() } });
      expect(listed.result.tools.map((tool: { name: string }) => tool.name)).toContain('test_echo');
    });
  });

  describe('/mcp when tool scopes make the list caller-specific', () => {
    let scoped: TestServer;

    beforeAll(async () => {
      scoped = await startTestServer({
        env: { AUTH_JWT_SECRET: JWT_SECRET, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_TOOL_SCOPES: 'test_echo=echo:use' },
      });
    });

    afterAll(async () => {
      await scoped?.close();
    });

    it('refuses a request without credentials with 401 and a WWW-Authenticate challenge, before the protocol runs', async () => {
      const response = await fetch(`${scoped.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/list',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: envelope() } }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('lists per caller and marks the list private', async () => {
      const list = async (scope: string | undefined) =>
        (
          await postModern(
            `${scoped.url}/mcp`,
            { id: 8, method: 'tools/list', params: { _meta: envelope() } },
            { authorization: `Bearer ${await hsToken(scope === undefined ? {} : { scope })}` },
          )
        ).body.result;
      const withScope = await list('echo:use');
      const without = await list(undefined);
      expect(withScope.cacheScope).toBe('private');
      expect(without.cacheScope).toBe('private');
      expect(withScope.tools.map((tool: { name: string }) => tool.name)).toContain('test_echo');
      expect(without.tools.map((tool: { name: string }) => tool.name)).not.toContain('test_echo');
    });
  });
});
