import type { IncomingMessage } from 'node:http';
import { McpGateway } from '#mcp-transports';
import { GracefulShutdown } from '#observability';
import { LIMITS_CLOCK } from '#security';
import WebSocket from 'ws';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { ManualClock, ManualClockModule } from './support/manual-clock.js';
import { RpcSocket } from './support/rpc-socket.js';

const MCP_HEADERS = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

function callTool(client: RpcSocket, name: string, args: Record<string, unknown>) {
  return client.request({ method: 'tools/call', params: { name, arguments: args } }, 30_000);
}

function closeCodeOf(client: RpcSocket, timeoutMs = 10_000): Promise<number> {
  if (client.closeCode !== undefined) return Promise.resolve(client.closeCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection not closed in time')), timeoutMs);
    client.socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Resolves with the HTTP response that refused a WebSocket upgrade, or rejects if it opened. */
function refusedUpgrade(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'mcp');
    socket.on('error', () => undefined);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('upgrade unexpectedly accepted'));
    });
  });
}

async function metric(server: TestServer, pattern: RegExp): Promise<number> {
  const text = String((await getJson(`${server.url}/metrics`)).body);
  return Number(pattern.exec(text)?.[1] ?? Number.NaN);
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Limits, backpressure and drain on the transports (e2e)', () => {
  describe('drain with WebSocket and /mcp clients', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { SHUTDOWN_GRACE_MS: '10000' } });
    });

    afterAll(async () => {
      await server.close();
    });

    it('refuses new sessions, finishes the running call, then closes WebSockets with 1001', async () => {
      const client = await RpcSocket.open(server.wsUrl);
      const running = callTool(client, 'test_slow', { ms: 500, steps: 2 });
      await until(async () => (await metric(server, /^xdp_mcp_tool_calls_in_flight (\d+)/m)) === 1);

      const drained = server.app.get(GracefulShutdown).drain();
      expect((await refusedUpgrade(server.wsUrl)).statusCode).toBe(503);
      const mcp = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(mcp.status).toBe(503);
      expect(((await mcp.json()) as { error: { message: string } }).error.message).toContain('shutting down');

      // A new call on the open session is refused, the running one completes.
      const late = await callTool(client, 'test_echo', { message: 'late' });
      expect(late.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('shutting down') }] });
      expect((await running).result.content[0].text).toBe('waited 500 ms');

      expect(await closeCodeOf(client)).toBe(1001);
      await drained;
    });
  });

  describe('connection cap, idle timeout and global in-flight cap', () => {
    let server: TestServer;

    /** The limits' clock: idleness is reached by moving it; the real sweep timer then closes the session. */
    const clock = new ManualClock();

    beforeAll(async () => {
      server = await startTestServer({
        env: { MAX_CONNECTIONS: '3', WS_IDLE_TIMEOUT_MS: '1000', MAX_IN_FLIGHT_CALLS: '2', RATE_LIMIT_REQUESTS: '0' },
        imports: [FixtureToolsModule, ManualClockModule.providing(clock, LIMITS_CLOCK)],
      });
    });

    afterAll(async () => {
      await server.close();
    });

    it('refuses the upgrade past MAX_CONNECTIONS with 503 and admits again once one closes', async () => {
      const open = await Promise.all([RpcSocket.open(server.wsUrl), RpcSocket.open(server.wsUrl), RpcSocket.open(server.wsUrl)]);
      const refused = await refusedUpgrade(server.wsUrl);
      expect(refused.statusCode).toBe(503);
      open[0].close();
      await closeCodeOf(open[0]);
      const again = await RpcSocket.open(server.wsUrl);
      for (const client of [again, ...open.slice(1)]) client.close();
      await Promise.all([again, ...open.slice(1)].map((client) => closeCodeOf(client)));
    });

    it('closes a silent session after WS_IDLE_TIMEOUT_MS but keeps an active one open', async () => {
      const silent = await RpcSocket.open(server.wsUrl);
      const active = await RpcSocket.open(server.wsUrl);
      clock.advance(600);
      await active.sentinel(); // activity at 600 ms
      expect(silent.closeCode).toBeUndefined();
      clock.advance(500);
      // 1100 ms silent, 500 ms since the active one spoke: the next sweep closes only the silent one.
      expect(await closeCodeOf(silent)).toBe(1000);
      expect(active.closeCode).toBeUndefined();
      await active.sentinel();
      // Once it too falls silent past the timeout, it goes the same way.
      clock.advance(1001);
      expect(await closeCodeOf(active)).toBe(1000);
    });

    it('answers busy at MAX_IN_FLIGHT_CALLS across transports instead of queueing', async () => {
      const client = await RpcSocket.open(server.wsUrl);
      const first = callTool(client, 'test_slow', { ms: 800, steps: 1 });
      const second = postJson(
        `${server.url}/mcp`,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_slow', arguments: { ms: 800, steps: 1 } } },
        MCP_HEADERS,
      );
      await until(async () => (await metric(server, /^xdp_mcp_tool_calls_in_flight (\d+)/m)) === 2);

      const refused = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'third' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'busy', message: expect.stringContaining('MAX_IN_FLIGHT_CALLS') });
      const overWs = await callTool(client, 'test_echo', { message: 'third' });
      expect(overWs.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('busy') }] });

      expect((await first).result.content[0].text).toBe('waited 800 ms');
      expect((await second).status).toBe(200);
      const afterwards = await callTool(client, 'test_echo', { message: 'free again' });
      expect(afterwards.result.content[0].text).toBe('free again');
      client.close();
    });
  });

  describe('WebSocket send backpressure', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({
        env: {
          WS_MAX_BUFFERED_BYTES: String(64 * 1024),
          RATE_LIMIT_REQUESTS: '0',
          MAX_IN_FLIGHT_PER_SESSION: '0',
          // Every call runs and answers in full (no small "busy" replies): the replies far outgrow the kernel's
          // socket buffers, so the server's own queue deterministically passes twice the limit.
          MAX_IN_FLIGHT_PER_PRINCIPAL: '0',
          MAX_IN_FLIGHT_CALLS: '10000',
        },
      });
    });

    afterAll(async () => {
      await server.close();
    });

    it('drops a client that stops reading with 1013 instead of buffering without bound', async () => {
      const client = await RpcSocket.open(server.wsUrl);
      client.socket.pause();
      const message = 'x'.repeat(1000);
      for (let id = 0; id < 4000; id++) {
        client.socket.send(
          JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_echo', arguments: { message, repeat: 5 } } }),
        );
      }
      // The server drops it once its replies overflow the send buffer: the limits stop tracking it at
      // once, while the close frame waits behind the queued replies until the client reads again.
      const gateway = server.app.get(McpGateway);
      await until(() => gateway.trackedConnections === 0);
      client.socket.resume();
      expect(await closeCodeOf(client)).toBe(1013);
      // Far fewer than the 4000 replies (20 MB) were queued for it.
      expect(client.received.length).toBeLessThan(4000);

      const fresh = await RpcSocket.open(server.wsUrl);
      await fresh.sentinel();
      fresh.close();
    });

    it('answers every pipelined request of a client that reads normally, dropping nothing', async () => {
      const client = await RpcSocket.open(server.wsUrl);
      const message = 'y'.repeat(1000);
      for (let id = 0; id < 40; id++) {
        client.socket.send(
          JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_echo', arguments: { message, repeat: 1 } } }),
        );
      }
      await until(() => client.received.length === 40);
      expect(new Set(client.received.map((reply) => reply.id)).size).toBe(40);
      expect(client.closeCode).toBeUndefined();
      client.close();
    });
  });
});
