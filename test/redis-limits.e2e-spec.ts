import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { ensureRedisInstalled, type RedisProcess, startRedis } from './support/redis-server.js';

/**
 * Two replicas (two Nest applications, two real HTTP servers) sharing one real redis-server:
 * one budget per principal across both, and what happens when Redis dies and comes back.
 */

const TOKENS = Array.from({ length: 8 }, (_, index) => `redis-limits-token-${index}-xxxxxxxxxxxxxxxx`);
const LIMIT = 4;
/** Long enough that no window ends during a test: every test uses principals of its own. */
const WINDOW_SECONDS = 300;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const list = (server: TestServer, token: string) => postJson(`${server.url}/api/tools/list`, {}, bearer(token));

let redis: RedisProcess;

let pairs = 0;

async function replicas(env: Record<string, string> = {}): Promise<[TestServer, TestServer]> {
  // One prefix per pair: the replicas must share their keys, and pairs must not.
  const keyPrefix = `e2e-pair-${++pairs}:`;
  const start = () =>
    startTestServer({
      env: {
        MCP_AUTH_TOKEN: TOKENS.join(','),
        RATE_LIMIT_REQUESTS: String(LIMIT),
        RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
        WS_MAX_CONNECTIONS_PER_CLIENT: '1',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: keyPrefix,
        ...env,
      },
      imports: [FixtureToolsModule],
    });
  return [await start(), await start()];
}

/** Statuses of `count` requests by `token`, alternating between the replicas. */
async function alternate(servers: readonly TestServer[], token: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await list(servers[i % servers.length], token)).status);
  return statuses;
}

/**
 * After a Redis restart each replica's client reconnects on its own (with backoff). A replica
 * counts in Redis again once it refuses the probe principal: only a shared count can exceed the
 * budget (failing open counts nothing; failing closed answers 503).
 */
async function untilSharedAgain(servers: readonly TestServer[], probeToken: string): Promise<void> {
  const refusing = new Set<TestServer>();
  while (refusing.size < servers.length) {
    for (const server of servers) if ((await list(server, probeToken)).status === 429) refusing.add(server);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function storeErrors(server: TestServer): Promise<number> {
  const metrics = (await getJson(`${server.url}/metrics`)).body as string;
  return [...metrics.matchAll(/^xdp_mcp_rate_limit_store_errors_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

async function upgradeStatus(url: string, token: string): Promise<{ socket?: WebSocket; status?: number }> {
  const socket = new WebSocket(url, 'mcp', { headers: bearer(token) });
  socket.on('error', () => undefined);
  return Promise.race([
    once(socket, 'open').then(() => ({ socket })),
    once(socket, 'unexpected-response').then((args) => ({ status: (args[1] as IncomingMessage).statusCode })),
  ]);
}

describe('Limits shared across replicas through Redis (e2e)', () => {
  beforeAll(async () => {
    ensureRedisInstalled();
    redis = await startRedis();
  }, 600_000);

  afterAll(async () => {
    await redis?.stop();
  });

  describe('RATE_LIMIT_ON_STORE_ERROR=open (default)', () => {
    let servers: [TestServer, TestServer];

    beforeAll(async () => {
      servers = await replicas();
    });

    afterAll(async () => {
      for (const server of servers ?? []) await server.close();
    });

    it("refuses a principal's N+1st request with 429 wherever it lands; other principals keep their budget", async () => {
      expect(await alternate(servers, TOKENS[0], LIMIT)).toEqual(Array(LIMIT).fill(200));
      for (const server of servers) {
        const refused = await list(server, TOKENS[0]);
        expect(refused.status).toBe(429);
        expect(refused.body.error).toMatchObject({ code: 'rate_limited' });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await list(servers[1], TOKENS[1])).status).toBe(200);
    });

    it('caps a principal at WS_MAX_CONNECTIONS_PER_CLIENT open sockets across both replicas', async () => {
      const first = await upgradeStatus(servers[0].wsUrl, TOKENS[2]);
      expect(first.socket).toBeDefined();
      expect(await upgradeStatus(servers[1].wsUrl, TOKENS[2])).toEqual({ status: 429 });
      first.socket!.close();
      await once(first.socket!, 'close');
      // Freed on replica A's TCP close; the other replica can take the slot once A has told Redis.
      let second = await upgradeStatus(servers[1].wsUrl, TOKENS[2]);
      while (second.socket === undefined) second = await upgradeStatus(servers[1].wsUrl, TOKENS[2]);
      second.socket.close();
    });

    it('lets requests through with a warning and a metric while Redis is down, stays healthy, and shares the budget again after Redis restarts', async () => {
      const errorsBefore = await storeErrors(servers[0]);
      await redis.stop();
      try {
        expect(await alternate(servers, TOKENS[3], LIMIT * 2)).toEqual(Array(LIMIT * 2).fill(200));
        for (const server of servers) expect((await getJson(`${server.url}/health`)).status).toBe(200);
        expect(await storeErrors(servers[0])).toBeGreaterThan(errorsBefore);
        // Nest's static Logger writes to the last application booted in this process: read both logs.
        expect(servers.map((server) => server.logs()).join('')).toMatch(/Shared limit store \(Redis\) unavailable.*limits fail open/);
      } finally {
        await redis.restart();
      }
      await untilSharedAgain(servers, TOKENS[4]);
      expect(await alternate(servers, TOKENS[5], LIMIT + 1)).toEqual([...Array(LIMIT).fill(200), 429]);
    });
  });

  describe('RATE_LIMIT_ON_STORE_ERROR=closed', () => {
    let servers: [TestServer, TestServer];

    beforeAll(async () => {
      servers = await replicas({ RATE_LIMIT_ON_STORE_ERROR: 'closed' });
    });

    afterAll(async () => {
      for (const server of servers ?? []) await server.close();
    });

    it('refuses with a clear 503 while Redis is down, stays healthy, and shares the budget again after Redis restarts', async () => {
      await redis.stop();
      try {
        for (const server of servers) {
          const refused = await list(server, TOKENS[6]);
          expect(refused.status).toBe(503);
          expect(refused.body.error).toMatchObject({
            code: 'rate_limit_store_unavailable',
            message: expect.stringContaining('RATE_LIMIT_ON_STORE_ERROR=closed'),
          });
          expect(await upgradeStatus(server.wsUrl, TOKENS[6])).toEqual({ status: 503 });
          expect((await getJson(`${server.url}/health`)).status).toBe(200);
        }
      } finally {
        await redis.restart();
      }
      await untilSharedAgain(servers, TOKENS[6]);
      expect(await alternate(servers, TOKENS[7], LIMIT + 1)).toEqual([...Array(LIMIT).fill(200), 429]);
    });
  });
});
