import { LIMITS_CLOCK } from '#security';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { ManualClock, ManualClockModule } from './support/manual-clock.js';

const TOKEN_A = 'limits-e2e-token-aaaaaaaaaaaaaaaa';
const TOKEN_B = 'limits-e2e-token-bbbbbbbbbbbbbbbb';
const LIMIT = 3;
const WINDOW_SECONDS = 1;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const list = (token: string) => postJson(`${server.url}/api/tools/list`, {}, bearer(token));
const mcpPing = (token: string) =>
  fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...bearer(token) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

let server: TestServer;
// The rate windows run on this clock: a test moves to the next window without waiting for it.
const clock = new ManualClock(1_000_000);

describe('Per-principal rate limits on HTTP (e2e)', () => {
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        MCP_AUTH_TOKEN: `${TOKEN_A},${TOKEN_B}`,
        RATE_LIMIT_REQUESTS: String(LIMIT),
        RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
      },
      imports: [FixtureToolsModule, ManualClockModule.providing(clock, LIMITS_CLOCK)],
    });
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    nextWindow();
  });

  it('answers 429 with Retry-After in the standard error shape once a principal spends its budget, and recovers after the window', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await list(TOKEN_A)).status).toBe(200);
    const limited = await list(TOKEN_A);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: { status: 429, code: 'rate_limited', message: expect.stringContaining(`at most ${LIMIT} requests per ${WINDOW_SECONDS} s`) },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(WINDOW_SECONDS);
    nextWindow();
    expect((await list(TOKEN_A)).status).toBe(200);
  });

  it('keeps separate budgets per principal, shared across routes and with /mcp', async () => {
    expect((await list(TOKEN_A)).status).toBe(200);
    expect(
      (await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'x' } }, bearer(TOKEN_A))).status,
    ).toBe(200);
    expect((await mcpPing(TOKEN_A)).status).toBe(200);
    const limitedMcp = await mcpPing(TOKEN_A);
    expect(limitedMcp.status).toBe(429);
    expect(limitedMcp.headers.get('retry-after')).not.toBeNull();
    // In JSON-RPC's shape with the request's id, like every /mcp error.
    expect(await limitedMcp.json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32029, message: expect.stringContaining('Rate limit') },
    });
    // Another principal is untouched.
    expect((await list(TOKEN_B)).status).toBe(200);
    expect((await mcpPing(TOKEN_B)).status).toBe(200);
  });

  it('never limits health, readiness and metrics probes', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      expect((await getJson(`${server.url}/health`)).status).toBe(200);
      expect((await getJson(`${server.url}/ready`)).status).toBe(200);
    }
  });
});

/** Moves past every open fixed window, so the next request starts with a full budget. */
function nextWindow(): void {
  clock.advance(WINDOW_SECONDS * 1000);
}
