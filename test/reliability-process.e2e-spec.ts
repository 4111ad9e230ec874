import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { RpcSocket } from './support/rpc-socket.js';
import { spawnServer } from './support/spawned-server.js';

/**
 * SIGTERM on the BUILT server (dist/, as the container runs it) in its own process: the exit code
 * and the close code the WebSocket client sees are only observable from outside the process.
 */
const MAIN = join(__dirname, '..', 'dist/apps/xdp-mcp-server/main.js');

const listDatastores = (client: RpcSocket) =>
  client.request({ method: 'tools/call', params: { name: 'xdp_list_datastores', arguments: { page: 0, size: 5 } } }, 30_000);

/** The tool's own upstream requests (size 5), not the background health checks. */
const toolRequests = (xdp: FakeXdpServer) => xdp.requests('/datastore').filter((request) => request.query.size === '5');

async function untilUpstreamRequests(xdp: FakeXdpServer, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (toolRequests(xdp).length < count) {
    if (Date.now() > deadline) throw new Error('the upstream request never arrived');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Spawning the built server can take several seconds on a loaded machine.
jest.setTimeout(90_000);

const describeBuilt = existsSync(MAIN) ? describe : describe.skip;

describeBuilt('Graceful shutdown of the built server on SIGTERM (e2e, spawned process)', () => {
  let xdp: FakeXdpServer;

  beforeAll(async () => {
    xdp = await FakeXdpServer.start();
  });

  afterEach(() => xdp.reset());

  afterAll(async () => {
    await xdp.close();
  });

  it('finishes the in-flight call, refuses new work, closes the WebSocket with 1001 and exits 0', async () => {
    const server = await spawnServer(MAIN, { ...xdp.env(), SHUTDOWN_GRACE_MS: '10000' });
    try {
      const client = await RpcSocket.open(server.wsUrl);
      xdp.enqueue({ kind: 'slow', delayMs: 1000 }, { endpoint: '/datastore' });
      const running = listDatastores(client);
      await untilUpstreamRequests(xdp, 1);

      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await fetch(`${server.url}/ready`)).status).toBe(503);

      const reply = await running;
      expect(reply.result.isError).toBeUndefined();
      expect(reply.result.structuredContent.datastores).toHaveLength(5);
      const closeCode = await new Promise<number>((resolve) =>
        client.closeCode !== undefined ? resolve(client.closeCode) : client.socket.once('close', resolve),
      );
      expect(closeCode).toBe(1001);
      expect(await server.exit).toEqual({ code: 0, signal: null });
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('aborts a call still running at SHUTDOWN_GRACE_MS, cancels its upstream request, answers it, and exits 0', async () => {
    const server = await spawnServer(MAIN, { ...xdp.env(), SHUTDOWN_GRACE_MS: '300' });
    try {
      const client = await RpcSocket.open(server.wsUrl);
      xdp.enqueue({ kind: 'hang' }, { endpoint: '/datastore' });
      const running = listDatastores(client);
      await untilUpstreamRequests(xdp, 1);

      const signalled = Date.now();
      server.child.kill('SIGTERM');
      const reply = await running;
      expect(reply.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('grace period of 300 ms elapsed') }] });
      expect(await server.exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(8000);
      // The upstream request was cancelled, not left running.
      const deadline = Date.now() + 5000;
      while (toolRequests(xdp)[0].outcome === 'pending' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(toolRequests(xdp)[0].outcome).toBe('aborted');
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
