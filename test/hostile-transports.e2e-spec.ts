import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { HealthWatch } from './support/health-watch.js';
import { RpcSocket } from './support/rpc-socket.js';
import { AUDIENCE, ISSUER, JWT_SECRET } from './support/security-fixtures.js';

/**
 * Reproduces each finding of the transport security review against the real application on
 * 127.0.0.1 (real sockets, no mocks) and shows it fixed. HealthWatch proves /health keeps
 * answering within 250 ms while the heavy attacks (unfinished fragments, huge argument objects,
 * deep JSON) run.
 */

const TOKEN = 'hostile-e2e-token-aaaaaaaaaaaaaaaa';
const OTHER_TOKEN = 'hostile-e2e-token-bbbbbbbbbbbbbbbb';
const ALLOWED_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'https://evil.example.com';
const RATE_LIMITED = -32029;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'hostile', version: '1' } },
};
const MCP_HEADERS = { accept: 'application/json, text/event-stream' };

/** A raw HTTP request, so headers fetch would refuse or rewrite (Host) can be sent as a client could. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** How a /ws upgrade ended: opened, refused with an HTTP status, or the connection was dropped. */
async function upgrade(url: string, headers: Record<string, string>): Promise<{ opened: boolean; status?: number }> {
  const socket = new WebSocket(url, 'mcp', { headers });
  const outcome = await new Promise<{ opened: boolean; status?: number }>((resolve) => {
    socket.once('open', () => resolve({ opened: true }));
    socket.once('unexpected-response', (_request, response: IncomingMessage) => resolve({ opened: false, status: response.statusCode }));
    socket.on('error', () => resolve({ opened: false }));
  });
  socket.terminate();
  return outcome;
}

function callTool(id: string | number, name: string, args: unknown) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

describe('Hostile transports (e2e)', () => {
  describe('behind a trusted proxy, with origins, JWT and the failed-login brake', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({
        env: {
          MCP_AUTH_TOKEN: `${TOKEN},${OTHER_TOKEN}`,
          AUTH_JWT_SECRET: JWT_SECRET,
          AUTH_JWT_ISSUER: ISSUER,
          AUTH_JWT_AUDIENCE: AUDIENCE,
          CORS_ORIGINS: ALLOWED_ORIGIN,
          TRUST_PROXY: 'true',
          ALLOWED_HOSTS: 'mcp.example.com',
          AUTH_FAILURE_LIMIT: '5',
          AUTH_FAILURE_WINDOW_SECONDS: '600',
        },
      });
    });

    afterAll(() => server.close());

    it.each(['/mcp', '/MCP', '/Mcp', '/mcp/', '/MCP/'])('1. checks the Origin on POST %s like on /mcp', async (path) => {
      const refused = await postJson(`${server.url}${path}`, INITIALIZE, { ...bearer(TOKEN), ...MCP_HEADERS, origin: EVIL_ORIGIN });
      expect(refused.status).toBe(403);
      const allowed = await postJson(`${server.url}${path}`, INITIALIZE, { ...bearer(TOKEN), ...MCP_HEADERS, origin: ALLOWED_ORIGIN });
      expect(allowed.status).toBe(200);
      expect(allowed.body.result.serverInfo.name).toBe('xdp-mcp-server');
    });

    it.each(['/ws', '/WS', '/ws/', '/Ws'])(
      '1. never opens a /ws session from a disallowed Origin, whatever the spelling (%s)',
      async (path) => {
        const wsBase = server.wsUrl.replace(/\/ws$/, '');
        expect(await upgrade(`${wsBase}${path}`, { ...bearer(TOKEN), origin: EVIL_ORIGIN })).toEqual(
          expect.objectContaining({ opened: false }),
        );
      },
    );

    it('1. still opens /ws for an allowed Origin', async () => {
      expect(await upgrade(server.wsUrl, { ...bearer(TOKEN), origin: ALLOWED_ORIGIN })).toEqual({ opened: true });
    });

    it('2. applies the Origin allow-list to /api; server-side callers (no Origin) are unaffected', async () => {
      const evil = await postJson(`${server.url}/api/tools/list`, {}, { ...bearer(TOKEN), origin: EVIL_ORIGIN });
      expect(evil.status).toBe(403);
      expect(evil.body.error).toEqual(expect.objectContaining({ code: 'origin_not_allowed' }));
      const evilUppercase = await postJson(`${server.url}/API/tools/list/`, {}, { ...bearer(TOKEN), origin: EVIL_ORIGIN });
      expect(evilUppercase.status).toBe(403);
      expect((await postJson(`${server.url}/api/tools/list`, {}, { ...bearer(TOKEN), origin: ALLOWED_ORIGIN })).status).toBe(200);
      expect((await postJson(`${server.url}/api/tools/list`, {}, bearer(TOKEN))).status).toBe(200);
      // The server's own page on a loopback name (Swagger UI on REST, a local client on /mcp) is a localhost
      // origin on a localhost Host: the spec's rule serves it on every entrance.
      expect((await postJson(`${server.url}/api/tools/list`, {}, { ...bearer(TOKEN), origin: server.url })).status).toBe(200);
      expect((await postJson(`${server.url}/mcp`, INITIALIZE, { ...bearer(TOKEN), ...MCP_HEADERS, origin: server.url })).status).toBe(200);
    });

    it.each([
      ['/api/tools/list without a token', '/api/tools/list', {}],
      ['/mcp without a token', '/mcp', MCP_HEADERS],
      ['/mcp with a token', '/mcp', { ...MCP_HEADERS, ...bearer(TOKEN) }],
      ['the OAuth metadata', '/.well-known/oauth-protected-resource', {}],
    ])('3. answers a malformed X-Forwarded-Host on %s with a clear 400, never a 500 or a stack', async (_label, path, headers) => {
      const response = await rawRequest(`${server.url}${path}`, {
        method: path.startsWith('/.well-known') ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-host': 'a b', ...headers },
        body: path.startsWith('/.well-known') ? undefined : JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(400);
      expect(response.text).toContain('X-Forwarded-Host header is not a valid host[:port]');
      expect(response.text).not.toMatch(/\bat \w+ \(|\.ts:\d+|\.js:\d+/);
    });

    it('3. answers a malformed Host with 400, on HTTP and on the /ws upgrade', async () => {
      const http = await rawRequest(`${server.url}/api/tools/list`, {
        method: 'POST',
        headers: { host: 'a b', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(http.status).toBe(400);
      expect(http.text).toContain('Host header is not a valid host[:port]');
      expect(await upgrade(server.wsUrl, { 'x-forwarded-host': 'a b' })).toEqual({ opened: false, status: 400 });
    });

    it('3. builds the OAuth metadata URL from a valid forwarded host when the proxy is trusted', async () => {
      const response = await rawRequest(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...MCP_HEADERS,
          'x-forwarded-host': 'mcp.example.com',
          'x-forwarded-proto': 'https',
        },
        body: JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain(
        'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
      );
    });

    it('4. rate limits failed logins per client IP (429 + Retry-After) without locking out a token holder elsewhere', async () => {
      const attacker = { 'x-forwarded-for': '203.0.113.66' };
      for (let attempt = 1; attempt <= 5; attempt++) {
        expect(
          (await postJson(`${server.url}/api/tools/list`, {}, { ...attacker, ...bearer(`guess-number-${attempt}-xxxxxxxx`) })).status,
        ).toBe(401);
      }
      const limited = await postJson(`${server.url}/api/tools/list`, {}, { ...attacker, ...bearer('guess-number-6-xxxxxxxx') });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.error.message).toContain('Too many failed authentication attempts');
      // Every entrance shares the brake, and a valid token from the blocked address does not slip through.
      expect((await postJson(`${server.url}/mcp`, INITIALIZE, { ...attacker, ...MCP_HEADERS, ...bearer(TOKEN) })).status).toBe(429);
      expect(await upgrade(server.wsUrl, { ...attacker, ...bearer(TOKEN) })).toEqual({ opened: false, status: 429 });
      // The token holder on another address is unaffected.
      expect((await postJson(`${server.url}/api/tools/list`, {}, { 'x-forwarded-for': '198.51.100.7', ...bearer(TOKEN) })).status).toBe(
        200,
      );
      expect(await upgrade(server.wsUrl, { 'x-forwarded-for': '198.51.100.7', ...bearer(TOKEN) })).toEqual({ opened: true });
    });
  });

  describe('rate limits count messages, not requests (RATE_LIMIT_REQUESTS=10)', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({
        env: {
          MCP_AUTH_TOKEN: `${TOKEN},${OTHER_TOKEN}`,
          AUTH_JWT_SECRET: JWT_SECRET,
          AUTH_JWT_ISSUER: ISSUER,
          RATE_LIMIT_REQUESTS: '10',
          RATE_LIMIT_WINDOW_SECONDS: '3600',
        },
      });
    });

    afterAll(() => server.close());

    it('5. charges each message of a /mcp batch: a batch of 100 is refused with 429', async () => {
      const batch = Array.from({ length: 100 }, (_, index) => ({ jsonrpc: '2.0', id: index, method: 'ping' }));
      const response = await postJson(`${server.url}/mcp`, batch, { ...bearer(TOKEN), ...MCP_HEADERS });
      expect(response.status).toBe(429);
      expect(response.body.error).toEqual({ code: RATE_LIMITED, message: expect.stringContaining('batch of 100 messages') });
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('5. charges every /ws frame — notifications and invalid frames included', async () => {
      // initialize + notifications/initialized are 2 frames of the 10.
      const socket = await RpcSocket.open(server.wsUrl, bearer(OTHER_TOKEN));
      try {
        for (let index = 0; index < 4; index++) socket.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
        for (let index = 0; index < 4; index++) socket.sendRaw('{not json');
        const refused = await socket.request({ method: 'ping' });
        expect(refused.error).toEqual(expect.objectContaining({ code: RATE_LIMITED }));
        expect(socket.closeCode).toBeUndefined();
      } finally {
        socket.close();
      }
    });

    it('3. ignores X-Forwarded-Host when the proxy is not trusted: the challenge names the Host, nothing fails', async () => {
      const response = await rawRequest(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...MCP_HEADERS, 'x-forwarded-host': 'a b' },
        body: JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    });
  });

  describe('heavy inputs keep the event loop free', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({
        env: {
          MCP_AUTH_TOKEN: `${TOKEN},${OTHER_TOKEN}`,
          WS_PARTIAL_MESSAGE_TIMEOUT_MS: '600',
          WS_MAX_PARTIAL_MESSAGE_BYTES: String(1024 * 1024),
          MAX_IN_FLIGHT_PER_PRINCIPAL: '2',
        },
      });
      // The SQL grammar's first parse costs the event loop most of a second; the server does it
      // once in the background after start. Get it (and DuckDB's start) over with before any watch,
      // so a HealthWatch failure below can only come from the attack it watches.
      expect((await postJson(`${server.url}/api/trino/query`, { query: 'SELECT 1' }, bearer(TOKEN))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    });

    afterAll(() => server.close());

    async function watched<T>(attack: () => Promise<T>): Promise<T> {
      const watch = new HealthWatch(server.url);
      try {
        return await attack();
      } finally {
        const report = await watch.stop();
        expect(report.failures).toEqual([]);
        expect(report.probes).toBeGreaterThan(0);
      }
    }

    it('6. refuses JSON nested deeper than 64 levels on /ws, /mcp and /api with an error naming the limit', async () => {
      const deep = '['.repeat(400_000) + ']'.repeat(400_000);
      await watched(async () => {
        const socket = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
        try {
          socket.sendRaw(deep);
          socket.sendRaw(
            `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_echo","arguments":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
          );
          await socket.sentinel();
          const error = { code: -32600, message: 'Invalid Request: JSON nested deeper than 64 levels' };
          expect(socket.drain()).toEqual([
            { jsonrpc: '2.0', id: null, error },
            { jsonrpc: '2.0', id: 1, error },
          ]);
        } finally {
          socket.close();
        }
        for (const path of ['/mcp', '/MCP/']) {
          const mcp = await rawRequest(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...MCP_HEADERS, ...bearer(TOKEN) },
            body: deep,
          });
          expect(mcp.status).toBe(400);
          expect(JSON.parse(mcp.text).error).toEqual({ code: -32600, message: 'Invalid Request: JSON nested deeper than 64 levels' });
        }
        const api = await rawRequest(`${server.url}/api/tools/list`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(TOKEN) },
          body: deep,
        });
        expect(api.status).toBe(400);
        expect(JSON.parse(api.text).error.message).toContain('deeper than 64 levels');
      });
    });

    it('7. closes sockets holding unfinished fragments (time and total-memory bounds), however slowly they trickle', async () => {
      const codes = await watched(async () => {
        const sockets = await Promise.all(Array.from({ length: 12 }, () => RpcSocket.open(server.wsUrl, bearer(TOKEN))));
        const closed = sockets.map((socket) => once(socket.socket, 'close').then(([code]) => code as number));
        // 12 x 256 KB unfinished = 3 MB against a 1 MB server-wide budget.
        for (const socket of sockets) socket.socket.send(Buffer.alloc(256 * 1024, 0x20), { fin: false, binary: false });
        const flood = await Promise.all(closed);
        // Then one client trickles a fragment every 100 ms: it never completes a message, so it never counts as active.
        const trickler = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
        const trickled = once(trickler.socket, 'close').then(([code]) => code as number);
        const drip = setInterval(
          () => trickler.socket.readyState === WebSocket.OPEN && trickler.socket.send(Buffer.alloc(1024, 0x20), { fin: false }),
          100,
        );
        try {
          return { flood, trickle: await trickled };
        } finally {
          clearInterval(drip);
        }
      });
      expect(codes.flood.every((code) => code === 1008 || code === 1013)).toBe(true);
      expect(codes.flood).toContain(1013);
      expect(codes.flood).toContain(1008);
      expect(codes.trickle).toBe(1008);
      // The server still serves new sessions.
      const fresh = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
      await fresh.sentinel();
      fresh.close();
    });

    it('8. answers 60,000 unknown argument keys with a small, precise error, quickly, on /ws and /mcp', async () => {
      const args = Object.fromEntries(Array.from({ length: 60_000 }, (_, index) => [`k${index}`, 0]));
      await watched(async () => {
        const socket = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
        try {
          socket.send(callTool('keys', 'test_echo', args));
          // Refused before parsing; the id is still read from the raw frame, so the client can match the error.
          const reply = await socket.replyTo('keys');
          expect(reply.error).toEqual({
            code: -32600,
            message: 'Invalid Request: JSON holds more than 20000 values (object members and array items)',
          });
          expect(JSON.stringify(reply).length).toBeLessThan(2_000);
        } finally {
          socket.close();
        }
        const http = await postJson(`${server.url}/mcp`, callTool(1, 'test_echo', args), { ...bearer(TOKEN), ...MCP_HEADERS });
        expect(http.status).toBe(400);
        expect(http.body.error).toEqual({ code: -32600, message: expect.stringContaining('more than 20000 values') });
        expect(JSON.stringify(http.body).length).toBeLessThan(2_000);
        const rest = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: args }, bearer(TOKEN));
        expect(rest.status).toBe(400);
        expect(rest.body.error.message).toContain('more than 20000 values');
      });
      // Below the message cap, every problem is still collected but only the first ten are named.
      const some = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`k${index}`, 0]));
      const http = await postJson(`${server.url}/mcp`, callTool(2, 'test_echo', { message: 'x', ...some }), {
        ...bearer(TOKEN),
        ...MCP_HEADERS,
      });
      expect(http.body.error.message).toContain('k0 is not an accepted argument');
      expect(http.body.error.message).toContain('and 290 more problems');
      expect(http.body.error.data.fields).toHaveLength(11);
    });

    it('10. caps one principal at MAX_IN_FLIGHT_PER_PRINCIPAL across its sessions; another principal still runs, and refusals are counted', async () => {
      const first = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
      const second = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
      const other = await RpcSocket.open(server.wsUrl, bearer(OTHER_TOKEN));
      try {
        first.send(callTool('slow-1', 'test_slow', { ms: 1500, steps: 1 }));
        first.send(callTool('slow-2', 'test_slow', { ms: 1500, steps: 1 }));
        // Each Server answers ping only after the calls sent before it were dispatched.
        await first.sentinel();
        second.send(callTool('third', 'test_slow', { ms: 10, steps: 1 }));
        const busy = await second.replyTo('third');
        expect(busy.result.isError).toBe(true);
        expect(busy.result.content[0].text).toContain('MAX_IN_FLIGHT_PER_PRINCIPAL');
        other.send(callTool('other', 'test_slow', { ms: 10, steps: 1 }));
        expect((await other.replyTo('other')).result.isError).toBeUndefined();
        expect((await first.replyTo('slow-1')).result.isError).toBeUndefined();
        await first.replyTo('slow-2');
        const metrics = await getJson(`${server.url}/metrics`);
        expect(metrics.body).toMatch(/xdp_mcp_tool_calls_refused_total\{limit="principal"\} [1-9]/);
      } finally {
        [first, second, other].forEach((socket) => socket.close());
      }
    });
  });

  describe('idle accounting (WS_IDLE_TIMEOUT_MS=400)', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { MCP_AUTH_TOKEN: TOKEN, WS_IDLE_TIMEOUT_MS: '400' } });
    });

    afterAll(() => server.close());

    it('9. a cancel for an unknown request id does not make a busy session look idle', async () => {
      const socket = await RpcSocket.open(server.wsUrl, bearer(TOKEN));
      try {
        socket.send(callTool('long', 'test_slow', { ms: 1500, steps: 1 }));
        socket.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'no-such-request' } });
        const reply = await socket.replyTo('long');
        expect(reply.result.content[0].text).toBe('waited 1500 ms');
        expect(socket.closeCode).toBeUndefined();
      } finally {
        socket.close();
      }
    });
  });
});
