import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { RpcSocket } from './support/rpc-socket.js';

const TOKEN_A = 'ws-limits-token-aaaaaaaaaaaaaaaa';
const TOKEN_B = 'ws-limits-token-bbbbbbbbbbbbbbbb';
const TOKEN_C = 'ws-limits-token-cccccccccccccccc';
const LIMIT = 5;
const WINDOW_SECONDS = 1;
const RATE_LIMITED = -32029;

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function upgradeStatus(url: string, token: string): Promise<{ socket?: WebSocket; status?: number }> {
  const socket = new WebSocket(url, 'mcp', { headers: auth(token) });
  socket.on('error', () => undefined);
  return Promise.race([
    once(socket, 'open').then(() => ({ socket })),
    once(socket, 'unexpected-response').then((args) => ({ status: (args[1] as IncomingMessage).statusCode })),
  ]);
}

/** Waits until a fresh fixed window has started, so each test begins with a full budget. */
const nextWindow = () => new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1000 + 50));

describe('Per-principal limits on /ws (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        MCP_AUTH_TOKEN: [TOKEN_A, TOKEN_B, TOKEN_C].join(','),
        RATE_LIMIT_REQUESTS: String(LIMIT),
        RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
        WS_MAX_CONNECTIONS_PER_CLIENT: '2',
        MAX_IN_FLIGHT_PER_SESSION: '2',
      },
      imports: [FixtureToolsModule],
    });
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(async () => {
    await nextWindow();
  });

  it('answers requests over the rate limit with a JSON-RPC error, keeps the socket open, and recovers after the window', async () => {
    // Every frame counts: initialize and notifications/initialized are 2 of the LIMIT.
    const peer = await RpcSocket.open(server.wsUrl, auth(TOKEN_A));
    const replies = [];
    for (let i = 2; i < LIMIT + 2; i++) replies.push(await peer.request({ method: 'ping' }));
    expect(replies.slice(0, LIMIT - 2).every((reply) => 'result' in reply)).toBe(true);
    const limited = replies[LIMIT - 2];
    expect(limited.error).toEqual({
      code: RATE_LIMITED,
      message: expect.stringContaining('Rate limit exceeded'),
      data: { retryAfterSeconds: expect.any(Number) },
    });
    expect(limited.id).toEqual(expect.any(String));
    // One budget per principal across transports: REST is limited too.
    expect((await postJson(`${server.url}/api/tools/list`, {}, auth(TOKEN_A))).status).toBe(429);
    // Another principal is not.
    expect((await postJson(`${server.url}/api/tools/list`, {}, auth(TOKEN_B))).status).toBe(200);
    await nextWindow();
    await peer.sentinel();
    expect(peer.closeCode).toBeUndefined();
    peer.close();
  });

  it('caps concurrent connections per principal at the upgrade (429) and frees the slot on close', async () => {
    const first = await upgradeStatus(server.wsUrl, TOKEN_B);
    const second = await upgradeStatus(server.wsUrl, TOKEN_B);
    expect(first.socket && second.socket).toBeTruthy();
    expect((await upgradeStatus(server.wsUrl, TOKEN_B)).status).toBe(429);
    const other = await upgradeStatus(server.wsUrl, TOKEN_C);
    expect(other.socket).toBeDefined();
    first.socket!.close();
    await once(first.socket!, 'close');
    const deadline = Date.now() + 5000;
    let reopened = await upgradeStatus(server.wsUrl, TOKEN_B);
    while (!reopened.socket && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      reopened = await upgradeStatus(server.wsUrl, TOKEN_B);
    }
    expect(reopened.socket).toBeDefined();
    for (const socket of [second.socket, other.socket, reopened.socket]) socket!.terminate();
  });

  it('answers a call beyond MAX_IN_FLIGHT_PER_SESSION as busy while the others run', async () => {
    const peer = await RpcSocket.open(server.wsUrl, auth(TOKEN_C));
    const slow = { method: 'tools/call', params: { name: 'test_slow', arguments: { ms: 600, steps: 1 } } };
    const [one, two, three] = await Promise.all([peer.request(slow), peer.request(slow), peer.request(slow)]);
    const texts = [one, two, three].map((reply) => reply.result.content[0].text);
    expect(texts.filter((text) => text === 'waited 600 ms')).toHaveLength(2);
    expect(texts.filter((text) => text.startsWith('Busy: this session already runs 2 tool calls'))).toHaveLength(1);
    expect([one, two, three].filter((reply) => reply.result.isError)).toHaveLength(1);
    peer.close();
  });
});
