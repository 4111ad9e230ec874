import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { WebSocket } from 'ws';
import { ConfigValidationError, loadAppConfig } from '#config';
import { FAKE_CREDENTIAL_MARKER, FakeXdpServer } from './fakes/fake-xdp.server.js';
import { getJson, startTestServer, type TestServer } from './support/app-harness.js';
import { runToExit } from './support/spawned-server.js';

const MAIN = 'dist/apps/xdp-mcp-server/main.js';

async function connect(kind: 'ws' | 'mcp', server: TestServer): Promise<Client> {
  const client = new Client({ name: `xdp-e2e-${kind}`, version: '1.0.0' });
  await client.connect(
    kind === 'ws' ? new WebSocketClientTransport(new URL(server.wsUrl)) : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)),
  );
  // Listing first lets the SDK client validate structuredContent against each tool's outputSchema.
  await client.listTools();
  return client;
}

/** Waits for the startup connection check to finish, so later fault injection cannot reach it. */
async function firstXdpCheck(server: TestServer): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + 15_000; ;) {
    const state = (await getJson(`${server.url}/ready`)).body.dependencies.xdp;
    if (state.status !== 'unknown' || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function textOf(result: unknown): string {
  return (result as { content: { type: string; text: string }[] }).content.map((part) => part.text).join('\n');
}

describe('XDP tools end to end (REST, /ws, /mcp) against the fake XDP', () => {
  let xdp: FakeXdpServer;
  let server: TestServer;
  let ws: Client;
  let mcp: Client;

  beforeAll(async () => {
    // Node 20 has no global WebSocket; the SDK client uses the global one.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    xdp = await FakeXdpServer.start();
    // Only the startup check: a periodic one could land on a fault injected by a test.
    server = await startTestServer({
      env: { ...xdp.env(), XDP_TIMEOUT_MS: '5000', XDP_RETRY_BASE_DELAY_MS: '1', XDP_HEALTH_INTERVAL_MS: '3600000' },
      imports: [],
    });
    [ws, mcp] = await Promise.all([connect('ws', server), connect('mcp', server)]);
    await firstXdpCheck(server);
  });

  beforeEach(() => xdp.reset());

  afterAll(async () => {
    await ws?.close();
    await mcp?.close();
    await server?.close();
    await xdp?.close();
  });

  describe('listing', () => {
    it('publishes both tools with read-only and open-world hints and output schemas, on both MCP transports', async () => {
      for (const client of [ws, mcp]) {
        const { tools } = await client.listTools();
        const xdpTools = tools.filter((tool) => tool.name.startsWith('xdp_'));
        expect(xdpTools.map((tool) => tool.name).sort()).toEqual(['xdp_list_dataplanes', 'xdp_list_datastores']);
        for (const tool of xdpTools) {
          expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true });
          expect(tool.outputSchema).toMatchObject({ type: 'object' });
        }
      }
    });

    it.each(['ws', 'mcp'] as const)('lists data stores over /%s with structured content, text and redacted configs', async (kind) => {
      const client = kind === 'ws' ? ws : mcp;
      const result = await client.callTool({ name: 'xdp_list_datastores', arguments: { page: 1, size: 5, sortBy: 'name:asc' } });
      expect(result.isError).toBeFalsy();
      const content = result.structuredContent as { datastores: { name: string; config: Record<string, unknown> }[]; pagination: unknown };
      expect(content.pagination).toEqual({ page: 1, size: 5, totalElements: 57, totalPages: 12 });
      expect(content.datastores.map((store) => store.name)).toEqual(['store-006', 'store-007', 'store-008', 'store-009', 'store-010']);
      expect(content.datastores[0]!.config.SecretAccessKey).toBe('[REDACTED]');
      expect(textOf(result)).toMatch(/^XDP data stores 6–10 of 57 \(page 1, pages 0–11, sorted by name:asc\):\n- 6 store-006 · /);
      expect(JSON.stringify(result)).not.toContain(FAKE_CREDENTIAL_MARKER);
      expect(xdp.requests('/datastore')[0]!.query).toEqual({ page: '1', size: '5', sort_by: 'name:asc' });
    });

    it.each(['ws', 'mcp'] as const)('lists dataplanes over /%s', async (kind) => {
      const result = await (kind === 'ws' ? ws : mcp).callTool({ name: 'xdp_list_dataplanes', arguments: {} });
      expect((result.structuredContent as { dataplanes: { id: number }[] }).dataplanes.map((dataplane) => dataplane.id)).toEqual([
        168, 169,
      ]);
      expect(textOf(result)).toContain('168 analytics-dp · ACTIVE');
    });

    it('serves GET /api/xdp/datastores with defaults and the same result as the tool', async () => {
      const { status, body } = await getJson(`${server.url}/api/xdp/datastores`);
      expect(status).toBe(200);
      expect(body.structuredContent.pagination).toEqual({ page: 0, size: 20, totalElements: 57, totalPages: 3 });
      expect(xdp.requests('/datastore')[0]!.query).toEqual({ page: '0', size: '20', sort_by: 'updatedAt:asc' });
      expect(JSON.stringify(body)).not.toContain(FAKE_CREDENTIAL_MARKER);
    });

    it('serves GET /api/xdp/dataplanes', async () => {
      const { status, body } = await getJson(`${server.url}/api/xdp/dataplanes`);
      expect(status).toBe(200);
      expect(body.structuredContent.totalCount).toBe(2);
    });

    it('rejects bad query parameters with 400 before calling XDP', async () => {
      const { status, body } = await getJson(`${server.url}/api/xdp/datastores?size=101&sortBy=name`);
      expect(status).toBe(400);
      expect(body.error.fields.map((field: { field: string }) => field.field).sort()).toEqual(['size', 'sortBy']);
      expect(xdp.requests()).toHaveLength(0);
    });
  });

  describe('failures', () => {
    it("surfaces XDP's success:false message over REST as 502", async () => {
      xdp.enqueue({
        kind: 'failure-envelope',
        errorCode: 4031,
        message: 'Tenant suspended',
        detailedMessage: 'Contact your administrator',
      });
      const { status, body } = await getJson(`${server.url}/api/xdp/datastores`);
      expect(status).toBe(502);
      expect(body.error).toEqual({
        status: 502,
        code: 'upstream',
        message: 'XDP reported a failure for GET /datastore (errorCode 4031): Tenant suspended — Contact your administrator',
      });
    });

    it('reports rejected credentials as a tool error over /ws', async () => {
      xdp.enqueue({ kind: 'status', status: 401 });
      const result = await ws.callTool({ name: 'xdp_list_dataplanes', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(
        'XDP rejected the credentials (HTTP 401) for GET /dataplane: check XDP_ACCESS_KEY and XDP_SECRET_KEY',
      );
    });

    it('answers 429 over REST when XDP asks for a long pause, without retrying', async () => {
      xdp.enqueue({ kind: 'rate-limited', retryAfter: 300 });
      const { status, body } = await getJson(`${server.url}/api/xdp/dataplanes`);
      expect(status).toBe(429);
      expect(body.error.message).toContain('retry after 300 s');
      expect(xdp.requests()).toHaveLength(1);
    });

    it('retries GETs through intermittent 503s (over /mcp) and stops at the bound (over REST)', async () => {
      xdp.enqueue({ kind: 'status', status: 503 }, { times: 2 });
      const recovered = await mcp.callTool({ name: 'xdp_list_dataplanes', arguments: {} });
      expect(recovered.isError).toBeFalsy();
      expect(xdp.requests().map((request) => request.status)).toEqual([503, 503, 200]);

      xdp.reset();
      xdp.setBehaviour({ kind: 'status', status: 503 });
      const { status, body } = await getJson(`${server.url}/api/xdp/datastores`);
      expect(status).toBe(502);
      expect(body.error.message).toContain('XDP failed with HTTP 503 for GET /datastore after 3 attempts');
      expect(xdp.requests()).toHaveLength(3);
    });

    it('reports a malformed body as a bad response body', async () => {
      xdp.enqueue({ kind: 'malformed-json' });
      const result = await ws.callTool({ name: 'xdp_list_datastores', arguments: {} });
      expect(textOf(result)).toBe('XDP returned a bad response body for GET /datastore: not valid JSON (content-type application/json)');
    });

    it('times out a hanging XDP at XDP_TIMEOUT_MS (504) and aborts the upstream request', async () => {
      xdp.setBehaviour({ kind: 'hang' });
      const started = Date.now();
      const { status, body } = await getJson(`${server.url}/api/xdp/dataplanes`);
      expect(status).toBe(504);
      expect(body.error.message).toBe('XDP did not answer GET /dataplane within 5000 ms (XDP_TIMEOUT_MS)');
      expect(Date.now() - started).toBeLessThan(15_000);
      await xdp.waitFor((log) => log.length === 1 && log[0]!.outcome === 'aborted');
    });
  });

  describe('cancellation aborts the upstream request', () => {
    it('over /ws (notifications/cancelled)', async () => {
      xdp.setBehaviour({ kind: 'hang' });
      const controller = new AbortController();
      const call = ws.callTool({ name: 'xdp_list_datastores', arguments: {} }, undefined, { signal: controller.signal });
      await xdp.waitFor((log) => log.length === 1);
      controller.abort();
      await expect(call).rejects.toThrow();
      await xdp.waitFor((log) => log[0]!.outcome === 'aborted', 5000);
    });

    it('over REST (client disconnects)', async () => {
      xdp.setBehaviour({ kind: 'hang' });
      const controller = new AbortController();
      const call = fetch(`${server.url}/api/xdp/dataplanes`, { signal: controller.signal });
      await xdp.waitFor((log) => log.length === 1);
      controller.abort();
      await expect(call).rejects.toThrow();
      await xdp.waitFor((log) => log[0]!.outcome === 'aborted', 5000);
    });
  });

  describe('readiness, metrics and logs', () => {
    it('reports XDP up in /ready from the cached background check', async () => {
      const { status, body } = await getJson(`${server.url}/ready`);
      expect(status).toBe(200);
      expect(body.dependencies.xdp).toMatchObject({ status: 'up', breaker: 'closed' });
      expect(xdp.requests()).toHaveLength(0);
    });

    it('exports upstream request counts and latency by endpoint and status', async () => {
      await getJson(`${server.url}/api/xdp/dataplanes`);
      const { body } = await getJson(`${server.url}/metrics`);
      expect(body).toMatch(/xdp_mcp_upstream_requests_total\{upstream="xdp",endpoint="\/dataplane",status="200"\} [1-9]/);
      expect(body).toMatch(/xdp_mcp_upstream_requests_total\{upstream="xdp",endpoint="\/datastore",status="503"\} [1-9]/);
      expect(body).toContain('xdp_mcp_upstream_request_duration_seconds_bucket{le="0.005",upstream="xdp",endpoint="/dataplane"}');
    });

    it('never writes the XDP keys or data store credentials to the logs', async () => {
      xdp.enqueue({
        kind: 'failure-envelope',
        message: 'bad key',
        detailedMessage: `secretKey=${xdp.secretKey} accessKey=${xdp.accessKey}`,
      });
      await getJson(`${server.url}/api/xdp/datastores`);
      await getJson(`${server.url}/api/xdp/datastores?size=100`);
      const logs = server.logs();
      // The failure (with XDP echoing both keys) did reach the log, scrubbed.
      expect(logs).toMatch(
        /XDP call failed: XDP reported a failure for GET \/datastore \(errorCode 5001\): bad key — secretKey=\[REDACTED\] accessKey=\[REDACTED\]/,
      );
      for (const secret of [xdp.secretKey, xdp.accessKey, FAKE_CREDENTIAL_MARKER]) expect(logs).not.toContain(secret);
    });
  });
});

describe('XDP outage (e2e)', () => {
  let server: TestServer;
  let ws: Client;
  let deadUrl: string;

  beforeAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    const gone = await FakeXdpServer.start();
    deadUrl = gone.url;
    await gone.close(); // nothing listens there any more: connection refused
    server = await startTestServer({
      env: {
        XDP_BASE_URL: deadUrl,
        XDP_ACCESS_KEY: 'outage-access-key',
        XDP_SECRET_KEY: 'outage-secret-key',
        XDP_RETRY_BASE_DELAY_MS: '1',
        XDP_BREAKER_THRESHOLD: '3',
      },
      imports: [],
    });
    ws = await connect('ws', server);
  });

  afterAll(async () => {
    await ws?.close();
    await server?.close();
  });

  it('keeps /ready at 200 while reporting XDP down and why', async () => {
    const xdpState = await firstXdpCheck(server);
    expect((await getJson(`${server.url}/ready`)).status).toBe(200);
    expect(xdpState).toMatchObject({
      status: 'down',
      reason: 'unreachable',
      message: expect.stringContaining('connection refused (ECONNREFUSED)'),
    });
  });

  it('fails tool calls with a clear message, then fast once the breaker is open', async () => {
    const first = await ws.callTool({ name: 'xdp_list_dataplanes', arguments: {} });
    expect(first.isError).toBe(true);
    expect(textOf(first)).toMatch(
      /^XDP is (unreachable for .* connection refused \(ECONNREFUSED\)|unavailable: \d+ consecutive requests failed)/,
    );

    const started = Date.now();
    const fast = await ws.callTool({ name: 'xdp_list_datastores', arguments: {} });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(textOf(fast)).toMatch(
      /^XDP is unavailable: \d+ consecutive requests failed \(last: connection refused \(ECONNREFUSED\)\); new requests are refused for another \d+ s/,
    );

    const rest = await getJson(`${server.url}/api/xdp/datastores`);
    expect(rest.status).toBe(503);
    expect(rest.body.error.code).toBe('unavailable');
    expect((await getJson(`${server.url}/ready`)).body.dependencies.xdp.breaker).toBe('open');
  });
});

describe('XDP configuration at startup (e2e)', () => {
  it('answers /api/xdp/* with 503 naming the variables when XDP is not configured, and reports it disabled', async () => {
    const server = await startTestServer({ imports: [] });
    try {
      const { status, body } = await getJson(`${server.url}/api/xdp/dataplanes`);
      expect(status).toBe(503);
      expect(body.error.message).toBe('XDP is not configured: set XDP_BASE_URL, XDP_ACCESS_KEY and XDP_SECRET_KEY');
      expect((await getJson(`${server.url}/ready`)).body.dependencies.xdp).toMatchObject({ status: 'disabled' });
    } finally {
      await server.close();
    }
  });

  it.each([
    [
      { XDP_BASE_URL: 'https://xdp.example.com/xdp-cp-service/api' },
      ['XDP_ACCESS_KEY is required when XDP_BASE_URL is set', 'XDP_SECRET_KEY is required when XDP_BASE_URL is set'],
    ],
    [
      { XDP_BASE_URL: 'https://xdp.example.com', XDP_ACCESS_KEY: 'only-the-access-key' },
      ['XDP_SECRET_KEY is required when XDP_BASE_URL is set'],
    ],
    [{ XDP_SECRET_KEY: 'a-secret-without-url' }, ['XDP_BASE_URL is required when XDP_ACCESS_KEY or XDP_SECRET_KEY is set']],
    [{ XDP_BASE_URL: 'ftp://xdp.example.com', XDP_ACCESS_KEY: 'a', XDP_SECRET_KEY: 'b' }, ['XDP_BASE_URL must be an absolute http(s) URL']],
  ])('refuses to start with %j', async (env, problems) => {
    const failure = await startTestServer({ env, imports: [] }).then(
      async (server) => {
        await server.close();
        throw new Error('server started');
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigValidationError);
    for (const problem of problems) expect((failure as Error).message).toContain(problem);
  });

  it('appends the API root to a bare-host XDP_BASE_URL (the deployment guide form)', () => {
    const config = loadAppConfig({ XDP_BASE_URL: 'https://your-xdp-api.example.com/', XDP_ACCESS_KEY: 'a', XDP_SECRET_KEY: 'b' });
    expect(config.xdp.baseUrl).toBe('https://your-xdp-api.example.com/xdp-cp-service/api');
  });

  it('makes the real entry point exit 1 naming the missing key, without echoing the secret', async () => {
    expect(existsSync(MAIN)).toBe(true); // built by `npm test` (npm run build) before jest runs
    const { code, stdout, stderr } = await runToExit(MAIN, {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      XDP_BASE_URL: 'https://xdp.example.com',
      XDP_SECRET_KEY: 'secret-value-9876',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('XDP_ACCESS_KEY is required when XDP_BASE_URL is set');
    expect(stderr).not.toContain('secret-value-9876');
    expect(stdout).toBe('');
  });
});
