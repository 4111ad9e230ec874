import type { Socket } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocket } from 'ws';
import { LIMITS_CLOCK } from '#security';
import {
  ErrorCode,
  MCPAuthenticationError,
  MCPClientClosedError,
  MCPConnectionError,
  MCPRequestTimeoutError,
  McpError,
  MCPWebSocketClient,
  type MCPWebSocketClientOptions,
  type Progress,
} from '../libs/mcp-client/src/index.js';
import { openStandardSocket, type StandardWebSocketConstructor } from '../libs/mcp-client/src/socket-opener.js';
import { WebSocketTransport } from '../libs/mcp-client/src/websocket.transport.js';
import { getJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { ManualClock, ManualClockModule } from './support/manual-clock.js';

/** Small delays so reconnect scenarios take well under a second per attempt. */
const fastBackoff = { reconnectInterval: 50, maxReconnectInterval: 200 } satisfies Partial<MCPWebSocketClientOptions>;

type Recorded =
  | { event: 'connected' }
  | { event: 'disconnected'; code: number; willReconnect: boolean }
  | { event: 'reconnecting'; attempt: number; delayMs: number }
  | { event: 'error'; error: Error };

/** Every event the client emits, in order. */
function record(client: MCPWebSocketClient): Recorded[] {
  const events: Recorded[] = [];
  client.on('connected', () => events.push({ event: 'connected' }));
  client.on('disconnected', ({ code, willReconnect }) => events.push({ event: 'disconnected', code, willReconnect }));
  client.on('reconnecting', (attempt, delayMs) => events.push({ event: 'reconnecting', attempt, delayMs }));
  client.on('error', (error) => events.push({ event: 'error', error }));
  return events;
}

const ofKind = <K extends Recorded['event']>(events: Recorded[], kind: K) =>
  events.filter((entry): entry is Extract<Recorded, { event: K }> => entry.event === kind);

/** Polls until `condition` holds; the deadline only proves "does not hang". */
async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const portOf = (server: TestServer) => Number(new URL(server.url).port);

/** The server's TCP sockets, so a test can cut them like a failing network would. */
function trackSockets(server: TestServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.app.getHttpServer().on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

async function metric(server: TestServer, pattern: RegExp): Promise<number | undefined> {
  const { body } = await getJson(`${server.url}/metrics`);
  const match = pattern.exec(String(body));
  return match ? Number(match[1]) : undefined;
}

/** The backoff the client promised: attempt n waits within [c/2, c], c = min(cap, interval * 2^(n-1)). */
function expectBackoffSchedule(reconnects: { attempt: number; delayMs: number }[], options: typeof fastBackoff): void {
  reconnects.forEach(({ attempt, delayMs }, index) => {
    expect(attempt).toBe(index + 1);
    const ceiling = Math.min(options.maxReconnectInterval, options.reconnectInterval * 2 ** (attempt - 1));
    expect(delayMs).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
    expect(delayMs).toBeLessThanOrEqual(ceiling);
  });
}

describe('MCPWebSocketClient against the real server (e2e)', () => {
  const clients: MCPWebSocketClient[] = [];
  const servers: TestServer[] = [];

  function newClient(options: MCPWebSocketClientOptions): MCPWebSocketClient {
    const client = new MCPWebSocketClient(options);
    clients.push(client);
    return client;
  }

  async function newServer(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
    const server = await startTestServer(options);
    servers.push(server);
    return server;
  }

  /** Stops a server for good (closing a server twice is avoided by the bookkeeping). */
  async function stop(server: TestServer): Promise<void> {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.disconnect()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  describe('calls', () => {
    let server: TestServer;

    beforeEach(async () => {
      server = await newServer();
    });

    it("connects, lists every tool and calls one, exactly as the deployment guide's snippet does", async () => {
      const client = newClient({ url: server.wsUrl, reconnectInterval: 5000, maxReconnectAttempts: 10 });
      const events = record(client);
      await client.connect();
      expect(client.isConnected()).toBe(true);
      expect(events).toEqual([{ event: 'connected' }]);

      const tools = await client.listTools();
      // The fixture tools plus the production tools (the SQL tools are always there, on the embedded DuckDB).
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['test_echo', 'test_fail', 'test_slow', 'trino_execute_query']),
      );
      expect(tools.find((tool) => tool.name === 'test_echo')?.inputSchema).toMatchObject({ type: 'object', required: ['message'] });

      const result = await client.executeTool('test_echo', { message: 'hi', repeat: 2 });
      expect(result.isError).toBeFalsy();
      expect(result.content).toEqual([{ type: 'text', text: 'hi hi' }]);
      expect(result.structuredContent).toEqual({ echoed: 'hi hi', repeat: 2 });
    });

    it('returns a tool failure as an isError result, and a bad call as a tool error the model can read (2026-07-28)', async () => {
      const client = newClient({ url: server.wsUrl });
      await client.connect();
      expect(client.getProtocolVersion()).toBe('2026-07-28');

      const failed = await client.executeTool('test_fail', { kind: 'upstream' });
      expect(failed.isError).toBe(true);
      expect(JSON.stringify(failed.content)).toContain('Upstream answered 500');

      // Since 2025-11-25 the spec wants argument errors as tool results, so the model can correct itself.
      const invalid = await client.executeTool('test_echo', { message: '' });
      expect(invalid.isError).toBe(true);
      expect(JSON.stringify(invalid.content)).toContain('message');
    });

    it('returns a bad call as the server-side McpError -32602 in a session pinned to 2025-11-25', async () => {
      const client = newClient({ url: server.wsUrl, protocolVersion: '2025-11-25' });
      await client.connect();
      expect(client.getProtocolVersion()).toBe('2025-11-25');

      const invalid = await client.executeTool('test_echo', { message: '' }).catch((error: unknown) => error);
      expect(invalid).toBeInstanceOf(McpError);
      expect((invalid as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((invalid as McpError).message).toContain('message');
    });

    it('delivers every progress notification, including the last one sent right before the result', async () => {
      const client = newClient({ url: server.wsUrl });
      const events = record(client);
      await client.connect();
      // The last progress and the result usually arrive in one network read; repeated to catch reordering.
      for (let round = 0; round < 10; round++) {
        const progress: Progress[] = [];
        const result = await client.executeTool('test_slow', { ms: 8, steps: 4 }, { onProgress: (update) => progress.push(update) });
        expect(result.content).toEqual([{ type: 'text', text: 'waited 8 ms' }]);
        expect(progress.map(({ progress: step, total }) => [step, total])).toEqual([
          [1, 4],
          [2, 4],
          [3, 4],
          [4, 4],
        ]);
      }
      expect(ofKind(events, 'error')).toEqual([]);
    });

    it('fails a call after requestTimeout, cancels it on the server, and keeps the connection usable', async () => {
      const client = newClient({ url: server.wsUrl, requestTimeout: 300 });
      await client.connect();
      const started = Date.now();
      const timedOut = await client.executeTool('test_slow', { ms: 20_000, steps: 1 }).catch((error: unknown) => error);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(timedOut).toBeInstanceOf(MCPRequestTimeoutError);
      expect(timedOut).toMatchObject({ retriable: false, timeoutMs: 300, message: expect.stringContaining('within 300 ms') });

      // notifications/cancelled reached the server: the 20 s handler stopped.
      await eventually(
        async () => (await metric(server, /^xdp_mcp_tool_calls_in_flight (\d+)/m)) === 0,
        'the server to abort the timed-out call',
      );
      expect(client.isConnected()).toBe(true);
      expect((await client.executeTool('test_echo', { message: 'still here' })).structuredContent).toEqual({
        echoed: 'still here',
        repeat: 1,
      });
    });

    it("cancels on the caller's AbortSignal and rejects with the signal's reason", async () => {
      const client = newClient({ url: server.wsUrl });
      await client.connect();
      const controller = new AbortController();
      const call = client.executeTool('test_slow', { ms: 20_000, steps: 1 }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('user pressed stop')), 100);
      await expect(call).rejects.toThrow('user pressed stop');
      expect((await client.executeTool('test_echo', { message: 'after abort' })).isError).toBeFalsy();
    });
  });

  describe('lost connections', () => {
    it('fails a call in flight when the network cuts the connection with a retriable error, then reconnects by itself', async () => {
      const server = await newServer();
      const sockets = trackSockets(server);
      const client = newClient({ url: server.wsUrl, ...fastBackoff });
      const events = record(client);
      await client.connect();

      const call = client.executeTool('test_slow', { ms: 20_000, steps: 1 }).catch((error: unknown) => error);
      await eventually(async () => (await metric(server, /^xdp_mcp_tool_calls_in_flight (\d+)/m)) === 1, 'the call to reach the server');
      for (const socket of sockets) socket.destroy();

      const lost = await call;
      expect(lost).toBeInstanceOf(MCPConnectionError);
      expect(lost).toMatchObject({ retriable: true, message: expect.stringContaining('may or may not have run') });
      expect(ofKind(events, 'disconnected')).toEqual([{ event: 'disconnected', code: 1006, willReconnect: true }]);

      await eventually(() => client.isConnected(), 'the reconnect');
      expect(ofKind(events, 'connected')).toHaveLength(2);
      expect(ofKind(events, 'reconnecting')).toHaveLength(1);
      expect((await client.executeTool('test_echo', { message: 'back' })).structuredContent).toEqual({ echoed: 'back', repeat: 1 });
    });

    it('drops a connection whose server stopped answering (a ping after the timeout goes unanswered) and reconnects', async () => {
      const server = await newServer();
      const sockets = trackSockets(server);
      const client = newClient({ url: server.wsUrl, ...fastBackoff, requestTimeout: 400 });
      const events = record(client);
      await client.connect();
      // The server stops reading this connection: like a peer lost without a FIN, nothing ever answers.
      const silenced = [...sockets];
      silenced.forEach((socket) => socket.pause());

      await expect(client.executeTool('test_echo', { message: 'lost' })).rejects.toBeInstanceOf(MCPRequestTimeoutError);
      await eventually(() => ofKind(events, 'connected').length === 2, 'the reconnect after the unanswered ping');
      expect(ofKind(events, 'disconnected')).toEqual([{ event: 'disconnected', code: 1006, willReconnect: true }]);
      expect((await client.executeTool('test_echo', { message: 'fresh' })).structuredContent).toEqual({ echoed: 'fresh', repeat: 1 });
      silenced.forEach((socket) => socket.destroy());
    });

    it('comes back by itself after the server closes an idle connection (WS_IDLE_TIMEOUT_MS)', async () => {
      // The idle sweep reads this clock: the connection goes idle when the test moves it, not after a real wait.
      const clock = new ManualClock();
      const server = await newServer({
        env: { WS_IDLE_TIMEOUT_MS: '300' },
        imports: [FixtureToolsModule, ManualClockModule.providing(clock, LIMITS_CLOCK)],
      });
      const client = newClient({ url: server.wsUrl, ...fastBackoff });
      const events = record(client);
      await client.connect();
      clock.advance(301);

      await eventually(() => ofKind(events, 'connected').length >= 2, 'the reconnect after the idle close');
      expect(ofKind(events, 'disconnected')[0]).toEqual({ event: 'disconnected', code: 1000, willReconnect: true });
      expect((await client.executeTool('test_echo', { message: 'awake' })).structuredContent).toEqual({ echoed: 'awake', repeat: 1 });
    });

    it('reconnects with backoff when the server is stopped and restarted on the same port, and the next call succeeds', async () => {
      const first = await newServer();
      const client = newClient({ url: first.wsUrl, ...fastBackoff, maxReconnectAttempts: 100 });
      const events = record(client);
      await client.connect();
      const port = portOf(first);

      await stop(first);
      await eventually(() => ofKind(events, 'reconnecting').length >= 4, 'four reconnect attempts against the stopped server');
      expect(client.isConnected()).toBe(false);
      expect(ofKind(events, 'disconnected')).toEqual([expect.objectContaining({ event: 'disconnected', willReconnect: true })]);
      // The failed attempts were reported, each naming the refused connection.
      expect(ofKind(events, 'error').length).toBeGreaterThanOrEqual(3);
      expect(ofKind(events, 'error')[0]?.error).toBeInstanceOf(MCPConnectionError);

      const second = await newServer({ port });
      await eventually(() => client.isConnected(), 'the reconnect to the restarted server');
      expectBackoffSchedule(ofKind(events, 'reconnecting'), fastBackoff);
      expect(ofKind(events, 'connected')).toHaveLength(2);

      const result = await client.executeTool('test_echo', { message: 'after restart' });
      expect(result.structuredContent).toEqual({ echoed: 'after restart', repeat: 1 });
      // A new session was initialized on the new server.
      expect(await metric(second, /^xdp_mcp_open_sessions\{transport="ws"\} (\d+)/m)).toBe(1);
    });

    it('lets a call made while reconnecting wait for the new connection', async () => {
      const first = await newServer();
      const client = newClient({ url: first.wsUrl, ...fastBackoff, maxReconnectAttempts: 100, requestTimeout: 20_000 });
      const events = record(client);
      await client.connect();
      const port = portOf(first);
      await stop(first);
      await eventually(() => ofKind(events, 'reconnecting').length >= 2, 'reconnect attempts');

      const waiting = client.executeTool('test_echo', { message: 'queued' });
      await newServer({ port });
      expect((await waiting).structuredContent).toEqual({ echoed: 'queued', repeat: 1 });
    });

    it('stops for good after disconnect(): no further attempts, even once the server is back', async () => {
      const first = await newServer();
      const client = newClient({ url: first.wsUrl, ...fastBackoff, maxReconnectAttempts: 100 });
      const events = record(client);
      await client.connect();
      const port = portOf(first);
      await stop(first);
      await eventually(() => ofKind(events, 'reconnecting').length >= 2, 'reconnect attempts');

      await client.disconnect();
      const seen = events.length;
      const second = await newServer({ port });
      await pause(1500); // more than five full backoff cycles at these settings
      expect(events.slice(seen)).toEqual([]);
      expect(client.isConnected()).toBe(false);
      expect(await metric(second, /^xdp_mcp_open_sessions\{transport="ws"\} (\d+)/m)).toBe(0);
      await expect(client.executeTool('test_echo', { message: 'x' })).rejects.toThrow(new MCPClientClosedError('disconnect() was called'));
    });

    it('disconnect() while connected closes cleanly, fails the call in flight as closed, and never reconnects', async () => {
      const server = await newServer();
      const client = newClient({ url: server.wsUrl, ...fastBackoff });
      const events = record(client);
      await client.connect();
      const call = client.executeTool('test_slow', { ms: 20_000, steps: 1 }).catch((error: unknown) => error);
      await eventually(async () => (await metric(server, /^xdp_mcp_tool_calls_in_flight (\d+)/m)) === 1, 'the call to reach the server');

      await client.disconnect();
      expect(await call).toBeInstanceOf(MCPClientClosedError);
      await pause(500);
      expect(events).toEqual([{ event: 'connected' }, { event: 'disconnected', code: 1000, willReconnect: false }]);
      await eventually(
        async () => (await metric(server, /^xdp_mcp_open_sessions\{transport="ws"\} (\d+)/m)) === 0,
        'the server to see the session end',
      );
    });

    it('respects maxReconnectAttempts when the server is gone for good', async () => {
      const server = await newServer();
      const client = newClient({ url: server.wsUrl, ...fastBackoff, maxReconnectAttempts: 3 });
      const events = record(client);
      await client.connect();
      await stop(server);

      await eventually(() => ofKind(events, 'error').some(({ error }) => error instanceof MCPClientClosedError), 'the client to give up');
      await pause(1000);
      expect(ofKind(events, 'reconnecting').map(({ attempt }) => attempt)).toEqual([1, 2, 3]);
      expectBackoffSchedule(ofKind(events, 'reconnecting'), fastBackoff);
      const gaveUp = ofKind(events, 'error').at(-1)?.error;
      expect(gaveUp).toBeInstanceOf(MCPClientClosedError);
      expect(gaveUp?.message).toMatch(/^Gave up after 3 reconnect attempts: /);
      expect(gaveUp?.cause).toBeInstanceOf(MCPConnectionError);
      expect(client.isConnected()).toBe(false);
      await expect(client.executeTool('test_echo', { message: 'x' })).rejects.toBe(gaveUp);
    });

    it('retries a first connect() that fails, then rejects naming the cause', async () => {
      const server = await newServer();
      const deadUrl = server.wsUrl;
      await stop(server);
      const client = newClient({ url: deadUrl, ...fastBackoff, maxReconnectAttempts: 2 });
      const events = record(client);
      const failure = await client.connect().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MCPClientClosedError);
      expect((failure as Error).message).toMatch(
        /^Gave up after 2 reconnect attempts: Could not connect to ws:\/\/127\.0\.0\.1:\d+\/ws: connect ECONNREFUSED/,
      );
      expect(ofKind(events, 'reconnecting').map(({ attempt }) => attempt)).toEqual([1, 2]);
    });
  });

  describe('authentication', () => {
    const token = 'client-e2e-token-7f3a9c';
    let server: TestServer;

    beforeEach(async () => {
      server = await newServer({ env: { MCP_AUTH_TOKEN: token } });
    });

    it('sends the token as a Bearer header and works', async () => {
      const client = newClient({ url: server.wsUrl, authToken: token });
      await client.connect();
      expect((await client.listTools()).map((tool) => tool.name)).toEqual(expect.arrayContaining(['test_echo', 'test_fail', 'test_slow']));
    });

    it('a wrong token fails after one attempt with a clear 401 error, and is never retried', async () => {
      const wrongToken = 'wrong-token-1b2c3d';
      const client = newClient({ url: server.wsUrl, authToken: wrongToken, ...fastBackoff });
      const events = record(client);
      const failure = await client.connect().catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(MCPAuthenticationError);
      expect(failure).toMatchObject({ status: 401, retriable: false });
      expect((failure as Error).message).toBe(`${server.wsUrl} refused the WebSocket upgrade with HTTP 401 Unauthorized: check authToken`);
      expect((failure as Error).message).not.toContain(wrongToken);
      await pause(500);
      expect(events).toEqual([{ event: 'error', error: failure }]);
      await expect(client.executeTool('test_echo', { message: 'x' })).rejects.toThrow(MCPClientClosedError);
    });

    it('no token at all is refused the same way', async () => {
      const client = newClient({ url: server.wsUrl, ...fastBackoff });
      await expect(client.connect()).rejects.toMatchObject({ name: 'MCPAuthenticationError', status: 401 });
    });

    it('sends custom headers on the upgrade; a 403 (disallowed Origin) is terminal too', async () => {
      const guarded = await newServer({ env: { MCP_AUTH_TOKEN: token, CORS_ORIGINS: 'https://bolt.example.com' } });
      const allowed = newClient({ url: guarded.wsUrl, authToken: token, headers: { Origin: 'https://bolt.example.com' } });
      await allowed.connect();
      expect(allowed.isConnected()).toBe(true);

      const refused = newClient({ url: guarded.wsUrl, authToken: token, headers: { Origin: 'https://evil.example' }, ...fastBackoff });
      const events = record(refused);
      await expect(refused.connect()).rejects.toMatchObject({
        name: 'MCPAuthenticationError',
        status: 403,
        message: expect.stringContaining('HTTP 403 Forbidden'),
      });
      expect(ofKind(events, 'reconnecting')).toEqual([]);
    });

    it('the browser path sends the token as access_token (exercised with a WHATWG-compatible WebSocket class)', async () => {
      const transport = new WebSocketTransport(
        { url: server.wsUrl, authToken: token, headers: {}, connectTimeoutMs: 5000 },
        (target, events) => openStandardSocket(WebSocket as unknown as StandardWebSocketConstructor, target, events),
      );
      const sdkClient = new Client({ name: 'browser-path-e2e', version: '1' });
      await sdkClient.connect(transport);
      try {
        expect((await sdkClient.listTools()).tools.map((tool) => tool.name)).toEqual(
          expect.arrayContaining(['test_echo', 'test_fail', 'test_slow']),
        );
      } finally {
        await sdkClient.close();
      }
    });
  });
});
